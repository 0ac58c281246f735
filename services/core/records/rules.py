"""The signed-record policy: validation and selection of DHT records.

``SignedRecordPolicy`` implements ``services.core.records.policy.RecordPolicy``
for the DHT node. It decodes a record, checks the rules every namespace
shares (sizes, times, signatures), the namespace's own rules (registered in
``services.core.records.registry``) and that the record sits under its own
DHT key. Cheap checks run first; Ed25519 verification runs last.

Selection: a higher ``seq`` wins; at equal seq the namespace's tie-break
decides (by default the earlier ``issued_at_us``, then the smaller signature).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from services.core.errors import RecordTooLarge
from services.core.records import model
from services.core.records.limits import MAX_RECORD_BYTES, PUBLIC_KEY_BYTES
from services.core.records.model import Record
from services.core.records.namespaces import BUILTIN_SPECS, register_builtin_namespaces
from services.core.records.policy import RecordInfo
from services.core.records.registry import (
    DEFAULT_REGISTRY,
    NamespaceContext,
    NamespaceRegistry,
    NamespaceSpec,
    Ranked,
    earliest_then_smallest_signature,
    register_namespace,
)
from services.core.records.validation import (
    Validator,
    all_of,
    check_countersignature_shape,
    check_countersignatures_valid,
    check_expiry_after_issue,
    check_key_length,
    check_not_expired,
    check_not_issued_in_future,
    check_signature_length,
    check_signature_valid,
    check_signer_length,
    fail,
    lifetime_at_most,
)

__all__ = [
    "BUILTIN_SPECS",
    "DEFAULT_REGISTRY",
    "NamespaceContext",
    "NamespaceRegistry",
    "NamespaceSpec",
    "SignedRecordPolicy",
    "Validator",
    "all_of",
    "best_per_signer",
    "is_better",
    "namespace_validator",
    "register_builtin_namespaces",
    "register_namespace",
    "select_best",
    "wall_clock_us",
]


def wall_clock_us() -> int:
    """Microseconds since the Unix epoch, from the system clock."""
    return time.time_ns() // 1_000


def namespace_validator(spec: NamespaceSpec, ctx: NamespaceContext) -> Validator:
    """Every rule a record of ``spec``'s namespace must pass, cheapest first:
    shape, times, countersignature shape, the namespace's own rules, then the
    signature and countersignatures."""
    return all_of(
        check_key_length,
        check_signer_length,
        check_signature_length,
        check_expiry_after_issue,
        check_not_issued_in_future,
        check_not_expired,
        lifetime_at_most(spec.max_ttl_us),
        check_countersignature_shape,
        spec.make_validator(ctx),
        check_signature_valid,
        check_countersignatures_valid,
    )


def is_better(a: Ranked, b: Ranked, tie_break: Callable[[Ranked, Ranked], bool]) -> bool:
    """True when ``a`` beats ``b``: higher seq, else ``tie_break``."""
    if a.seq != b.seq:
        return a.seq > b.seq
    return tie_break(a, b)


def _tie_break(registry: NamespaceRegistry, namespace: str) -> Callable[[Ranked, Ranked], bool]:
    spec = registry.get(namespace)
    return spec.tie_break if spec is not None else earliest_then_smallest_signature


def select_best(
    records: Iterable[Record], registry: NamespaceRegistry = DEFAULT_REGISTRY
) -> Record | None:
    """The best of ``records`` (all valid, same namespace and key), or None
    when there are none. Deterministic whatever the input order."""
    best: Record | None = None
    for record in records:
        if best is None or is_better(record, best, _tie_break(registry, record.namespace)):
            best = record
    return best


def best_per_signer(
    records: Iterable[Record], registry: NamespaceRegistry = DEFAULT_REGISTRY
) -> list[Record]:
    """For set namespaces: the best record of each signer, newest
    (latest issued_at) first, ties by signer key."""
    by_signer: dict[bytes, Record] = {}
    for record in records:
        held = by_signer.get(record.signer)
        if held is None or is_better(record, held, _tie_break(registry, record.namespace)):
            by_signer[record.signer] = record
    return sorted(by_signer.values(), key=lambda r: (-r.issued_at_us, r.signer))


class SignedRecordPolicy:
    """The ``RecordPolicy`` of signed records (see policy.py)."""

    def __init__(
        self,
        trusted_registrars: Iterable[bytes],
        handle_name_check: Callable[[str], object] | None = None,
        clock: Callable[[], int] = wall_clock_us,
        *,
        registry: NamespaceRegistry = DEFAULT_REGISTRY,
    ) -> None:
        trusted = frozenset(trusted_registrars)
        for key in trusted:
            if not isinstance(key, bytes) or len(key) != PUBLIC_KEY_BYTES:
                raise ValueError(
                    f"a trusted registrar key is {PUBLIC_KEY_BYTES} raw bytes, got {key!r}"
                )
        self._ctx = NamespaceContext(trusted, handle_name_check)
        self._clock = clock
        self._registry = registry
        self._built: dict[str, tuple[NamespaceSpec, Validator]] = {}

    @property
    def trusted_registrars(self) -> frozenset[bytes]:
        """Registrar keys whose countersignature admits handle records."""
        return self._ctx.trusted_registrars

    @property
    def registry(self) -> NamespaceRegistry:
        """The namespace registry this policy reads."""
        return self._registry

    def now_us(self) -> int:
        """The policy's clock, microseconds since the Unix epoch."""
        return self._clock()

    def _lookup(self, namespace: str) -> tuple[NamespaceSpec, Validator]:
        spec = self._registry.get(namespace)
        if spec is None:
            fail(
                "unknown_namespace",
                f"namespace {namespace!r} is not one of {', '.join(self._registry.names())}",
            )
        built = self._built.get(namespace)
        if built is None or built[0] is not spec:
            built = (spec, namespace_validator(spec, self._ctx))
            self._built[namespace] = built
        return built

    def _info(self, record: Record, dht_key: bytes, raw: bytes, multi: bool) -> RecordInfo:
        return RecordInfo(
            namespace=record.namespace,
            dht_key=dht_key,
            signer=record.signer,
            seq=record.seq,
            issued_at_us=record.issued_at_us,
            expires_at_us=record.expires_at_us,
            signature=record.signature,
            multi=multi,
            raw=raw,
        )

    def _validate(self, record: Record, dht_key: bytes | None, now_us: int) -> RecordInfo:
        spec, validator = self._lookup(record.namespace)
        expected = model.dht_key(record.namespace, record.key)
        if dht_key is not None and dht_key != expected:
            fail(
                "wrong_dht_key",
                f"the record belongs under DHT key {expected.hex()}, not {dht_key.hex()} "
                "(SHA-1 of namespace, '/', key)",
            )
        validator(record, now_us)
        return self._info(record, expected, b"", spec.multi)

    def check(self, dht_key: bytes, raw: bytes, now_us: int) -> RecordInfo:
        """Decode and validate ``raw`` stored under ``dht_key`` at ``now_us``.

        Raises ``InvalidRecord`` (``RecordTooLarge`` for size) whose message
        starts with the rule broken.
        """
        if len(raw) > MAX_RECORD_BYTES:
            raise RecordTooLarge(
                f"too_large: the encoded record is {len(raw)} bytes, "
                f"over the limit of {MAX_RECORD_BYTES} bytes"
            )
        record = model.decode(raw)
        info = self._validate(record, dht_key, now_us)
        return self._info(record, info.dht_key, bytes(raw), info.multi)

    def validate_record(
        self, record: Record, now_us: int | None = None, *, dht_key: bytes | None = None
    ) -> RecordInfo:
        """Validate a record held in memory (``now_us`` defaults to the
        policy clock; ``dht_key``, when given, must be the record's)."""
        raw = record.encode()
        if len(raw) > MAX_RECORD_BYTES:
            raise RecordTooLarge(
                f"too_large: the encoded record is {len(raw)} bytes, "
                f"over the limit of {MAX_RECORD_BYTES} bytes"
            )
        when = self._clock() if now_us is None else now_us
        info = self._validate(record, dht_key, when)
        return self._info(record, info.dht_key, raw, info.multi)

    def better(self, a: RecordInfo, b: RecordInfo) -> bool:
        """True when ``a`` should replace ``b``: higher seq, else the
        namespace's tie-break (earlier issued_at, then smaller signature)."""
        return is_better(a, b, _tie_break(self._registry, a.namespace))

    def set_cap(self, namespace: str) -> int:
        """Records kept per DHT key: the namespace's cap if it is a set
        namespace, else 1 (also for unknown namespaces)."""
        spec = self._registry.get(namespace)
        return spec.set_cap if spec is not None and spec.multi else 1

    def select_best(self, records: Iterable[Record]) -> Record | None:
        """The best of ``records`` by this policy's order (see ``select_best``)."""
        return select_best(records, self._registry)
