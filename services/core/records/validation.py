"""Composable record validators and the rules every namespace shares.

A ``Validator`` is a callable ``(record, now_us) -> None`` that raises
``InvalidRecord`` (or ``RecordTooLarge``) when the record breaks its rule.
Every message starts with the rule's name, then says what was wrong and the
limit, e.g. ``"expired: the record expired at 2025-01-01T00:00:00Z ..."``;
the rule names are listed in docs/records.md.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import NoReturn

from services.core.errors import InvalidRecord, RecordTooLarge
from services.core.records import signing
from services.core.records.limits import (
    MAX_CLOCK_SKEW_US,
    MAX_COUNTERSIGNATURES,
    MAX_KEY_BYTES,
    MAX_RECORD_BYTES,
    PUBLIC_KEY_BYTES,
    SIGNATURE_BYTES,
)
from services.core.records.model import Record

Validator = Callable[[Record, int], None]

__all__ = [
    "Validator",
    "all_of",
    "check_countersignature_shape",
    "check_countersignatures_valid",
    "check_expiry_after_issue",
    "check_key_length",
    "check_not_expired",
    "check_not_issued_in_future",
    "check_signature_length",
    "check_signature_valid",
    "check_signer_length",
    "encoded_size_at_most",
    "fail",
    "format_time",
    "lifetime_at_most",
]


def fail(rule: str, detail: str) -> NoReturn:
    """Raise ``InvalidRecord`` for ``rule`` with a message for a person."""
    raise InvalidRecord(f"{rule}: {detail}")


def format_time(us: int) -> str:
    """A timestamp in microseconds as UTC ISO 8601 (the number if out of range)."""
    try:
        return datetime.fromtimestamp(us / 1_000_000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except (OverflowError, ValueError, OSError):
        return f"{us} us"


def all_of(*validators: Validator) -> Validator:
    """A validator running ``validators`` in order; the first failure wins."""
    chain = tuple(validators)

    def validate(record: Record, now_us: int) -> None:
        for validator in chain:
            validator(record, now_us)

    return validate


# --- Shape ---------------------------------------------------------------------


def check_key_length(record: Record, now_us: int) -> None:
    """The key is 1..MAX_KEY_BYTES bytes."""
    if not record.key:
        fail("key_length", "the record key is empty")
    if len(record.key) > MAX_KEY_BYTES:
        fail(
            "key_length",
            f"the record key is {len(record.key)} bytes, over the limit of {MAX_KEY_BYTES} bytes",
        )


def check_signer_length(record: Record, now_us: int) -> None:
    """The signer is a 32-byte Ed25519 public key."""
    if len(record.signer) != PUBLIC_KEY_BYTES:
        fail(
            "signer_length",
            f"the signer key is {len(record.signer)} bytes; "
            f"an Ed25519 public key is exactly {PUBLIC_KEY_BYTES} bytes",
        )


def check_signature_length(record: Record, now_us: int) -> None:
    """The signature is 64 bytes."""
    if len(record.signature) != SIGNATURE_BYTES:
        fail(
            "signature_length",
            f"the signature is {len(record.signature)} bytes; "
            f"an Ed25519 signature is exactly {SIGNATURE_BYTES} bytes",
        )


def encoded_size_at_most(limit: int = MAX_RECORD_BYTES) -> Validator:
    """The encoded record is at most ``limit`` bytes (``RecordTooLarge``)."""

    def validate(record: Record, now_us: int) -> None:
        size = len(record.encode())
        if size > limit:
            raise RecordTooLarge(
                f"too_large: the encoded record is {size} bytes, over the limit of {limit} bytes"
            )

    return validate


# --- Time ----------------------------------------------------------------------


def check_not_issued_in_future(record: Record, now_us: int) -> None:
    """issued_at is at most MAX_CLOCK_SKEW_US after now."""
    if record.issued_at_us > now_us + MAX_CLOCK_SKEW_US:
        fail(
            "issued_in_future",
            f"the record is issued at {format_time(record.issued_at_us)}, more than "
            f"{MAX_CLOCK_SKEW_US // 1_000_000} s after now ({format_time(now_us)})",
        )


def check_expiry_after_issue(record: Record, now_us: int) -> None:
    """expires_at is after issued_at."""
    if record.expires_at_us <= record.issued_at_us:
        fail(
            "expiry_before_issue",
            f"the record expires ({format_time(record.expires_at_us)}) "
            f"no later than it is issued ({format_time(record.issued_at_us)})",
        )


def check_not_expired(record: Record, now_us: int) -> None:
    """expires_at is after now."""
    if record.expires_at_us <= now_us:
        fail(
            "expired",
            f"the record expired at {format_time(record.expires_at_us)} "
            f"(now {format_time(now_us)})",
        )


def lifetime_at_most(max_ttl_us: int) -> Validator:
    """expires_at - issued_at is at most ``max_ttl_us`` (the namespace's TTL)."""

    def validate(record: Record, now_us: int) -> None:
        lifetime = record.expires_at_us - record.issued_at_us
        if lifetime > max_ttl_us:
            fail(
                "lifetime",
                f"the record lives {lifetime // 1_000_000} s, over the "
                f"{record.namespace!r} limit of {max_ttl_us // 1_000_000} s",
            )

    return validate


# --- Signatures ----------------------------------------------------------------


def check_countersignature_shape(record: Record, now_us: int) -> None:
    """At most MAX_COUNTERSIGNATURES, 32-byte keys, 64-byte signatures, no
    countersigner twice. Cheap; run before any signature is verified."""
    count = len(record.countersignatures)
    if count > MAX_COUNTERSIGNATURES:
        fail(
            "countersignature_count",
            f"the record has {count} countersignatures, over the limit of {MAX_COUNTERSIGNATURES}",
        )
    seen: set[bytes] = set()
    for cs in record.countersignatures:
        if len(cs.signer) != PUBLIC_KEY_BYTES or len(cs.signature) != SIGNATURE_BYTES:
            fail(
                "countersignature_malformed",
                f"a countersignature needs a {PUBLIC_KEY_BYTES}-byte key and a "
                f"{SIGNATURE_BYTES}-byte signature, got {len(cs.signer)} and "
                f"{len(cs.signature)} bytes",
            )
        if cs.signer in seen:
            fail(
                "countersignature_duplicate",
                f"key {cs.signer.hex()} countersigns the record more than once",
            )
        seen.add(cs.signer)


def check_signature_valid(record: Record, now_us: int) -> None:
    """The signer's signature verifies over the canonical signing bytes."""
    if not signing.verify_signature(record):
        fail(
            "signature",
            f"the signature does not verify against signer key {record.signer.hex()}",
        )


def check_countersignatures_valid(record: Record, now_us: int) -> None:
    """Every countersignature verifies over the countersigning bytes."""
    for cs in record.countersignatures:
        if not signing.verify_countersignature(record, cs):
            fail(
                "countersignature_invalid",
                f"the countersignature by key {cs.signer.hex()} does not verify",
            )
