"""The namespace registry: what each namespace accepts and how it selects.

Built-in namespaces ("handle", "provider", "resource", "peer") are
registered by ``services.core.records.namespaces``; later modules register
their own (e.g. "timeline") with ``register_namespace`` without touching the
rules, and every ``SignedRecordPolicy`` built on the registry picks them up.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from services.core.records.limits import MAX_NAMESPACE_BYTES
from services.core.records.validation import Validator

__all__ = [
    "DEFAULT_REGISTRY",
    "NamespaceContext",
    "NamespaceRegistry",
    "NamespaceSpec",
    "Ranked",
    "TieBreak",
    "ValidatorFactory",
    "earliest_then_smallest_signature",
    "register_namespace",
]

_NAMESPACE_NAME = re.compile(r"[a-z][a-z0-9_-]*")


class Ranked(Protocol):
    """What selection looks at: both ``Record`` and ``RecordInfo`` have it."""

    @property
    def seq(self) -> int: ...

    @property
    def issued_at_us(self) -> int: ...

    @property
    def signature(self) -> bytes: ...


#: ``tie_break(a, b)`` is True when ``a`` beats ``b`` at equal ``seq``.
TieBreak = Callable[[Ranked, Ranked], bool]


def earliest_then_smallest_signature(a: Ranked, b: Ranked) -> bool:
    """The default tie-break at equal seq: the earlier issued_at wins (first
    come, first served, which also merges partitions deterministically),
    then the lexicographically smaller signature."""
    if a.issued_at_us != b.issued_at_us:
        return a.issued_at_us < b.issued_at_us
    return a.signature < b.signature


@dataclass(frozen=True, slots=True)
class NamespaceContext:
    """Per-policy settings that namespace validators may depend on."""

    #: Registrar keys whose countersignature makes a handle record acceptable.
    trusted_registrars: frozenset[bytes]
    #: Full handle-name rules (raises on a bad name), or None for the basic
    #: checks only.
    handle_name_check: Callable[[str], object] | None = None


#: Builds a namespace's payload validator for one policy's context.
ValidatorFactory = Callable[[NamespaceContext], Validator]


@dataclass(frozen=True, slots=True)
class NamespaceSpec:
    """Everything the policy needs to know about one namespace."""

    #: Lower-case ASCII name, at most 32 bytes.
    name: str
    #: Builds the namespace-specific validator (key format, payload, signer
    #: rules). The shared rules (sizes, times, signatures) run anyway.
    make_validator: ValidatorFactory
    #: Longest allowed lifetime, expires_at_us - issued_at_us.
    max_ttl_us: int
    #: Set semantics: one record per (dht_key, signer), at most ``set_cap``.
    multi: bool = False
    #: Records kept per dht_key; 1 unless ``multi``.
    set_cap: int = 1
    #: Order of two records of equal seq.
    tie_break: TieBreak = earliest_then_smallest_signature

    def __post_init__(self) -> None:
        if (
            not _NAMESPACE_NAME.fullmatch(self.name)
            or len(self.name.encode()) > MAX_NAMESPACE_BYTES
        ):
            raise ValueError(
                f"namespace name {self.name!r} must be lower-case ASCII letters, digits, "
                f"'_' or '-', starting with a letter, at most {MAX_NAMESPACE_BYTES} bytes"
            )
        if self.max_ttl_us <= 0:
            raise ValueError(f"namespace {self.name!r}: max_ttl_us must be positive")
        if self.set_cap < 1 or (not self.multi and self.set_cap != 1):
            raise ValueError(
                f"namespace {self.name!r}: set_cap must be 1 for a single-value "
                "namespace and at least 1 for a set namespace"
            )


class NamespaceRegistry:
    """Namespace specs by name; safe to read while another thread registers."""

    def __init__(self, specs: tuple[NamespaceSpec, ...] = ()) -> None:
        self._specs: dict[str, NamespaceSpec] = {}
        self._lock = threading.Lock()
        for spec in specs:
            self.register(spec)

    def register(self, spec: NamespaceSpec, *, replace: bool = False) -> None:
        """Add ``spec``; ``ValueError`` if the name is taken and not ``replace``."""
        with self._lock:
            if spec.name in self._specs and not replace:
                raise ValueError(f"namespace {spec.name!r} is already registered")
            self._specs = {**self._specs, spec.name: spec}

    def get(self, name: str) -> NamespaceSpec | None:
        """The spec of ``name``, or None when it is not registered."""
        return self._specs.get(name)

    def names(self) -> tuple[str, ...]:
        """Registered namespace names, sorted."""
        return tuple(sorted(self._specs))

    def copy(self) -> NamespaceRegistry:
        """An independent registry holding the same specs (for tests)."""
        return NamespaceRegistry(tuple(self._specs.values()))


#: The process-wide registry used by ``SignedRecordPolicy`` by default.
DEFAULT_REGISTRY = NamespaceRegistry()


def register_namespace(spec: NamespaceSpec, *, replace: bool = False) -> None:
    """Register ``spec`` in the process-wide registry."""
    DEFAULT_REGISTRY.register(spec, replace=replace)
