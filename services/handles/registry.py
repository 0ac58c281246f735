"""Owner-signed writes of handles: register, update, transfer, renew, release.

``Registry.write`` checks the request record, decides against the handle's
current record (rules.py), claims (handle, seq) so that two registries never
both accept one step, countersigns with the registrar key, stores in the DHT,
then in the local store and the caches, and announces the write.

Claim: Redis ``SET NX`` on (handle, seq) is the fast path; the claim waits
up to CLAIM_WAIT_S for Redis, since a slow answer read as "Redis down" would
let this registry race another that holds the claim. With Redis down, the
DHT is the check: the record is stored, read back, and kept only if the
DHT's selection (higher seq, earlier issued_at, smaller signature) chose it.
A claimed write that no holder took is read back the same way, and no write
displaces a record of the same seq that this registry's node holds.
docs/handles.md describes what a network partition does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from weakref import WeakValueDictionary

from ipndht.v1 import handles_pb2
from services.core.errors import (
    AlreadyExists,
    FailedPrecondition,
    InvalidArgument,
    InvalidRecord,
    SeqConflict,
)
from services.core.logging import get_logger
from services.core.records import keys, signing
from services.core.records.keys import Ed25519PrivateKey
from services.core.records.model import Record
from services.handles import constants as c
from services.handles.lookup import Found, HandleLookup, dht_key_of
from services.handles.model import HandleEntry, State, entry_of_raw
from services.handles.rules import check_shape, check_transition

log = get_logger(__name__)

Notify = Callable[[str], Awaitable[object]]


class Registry:
    """The write side of the handle registry."""

    def __init__(
        self,
        lookup: HandleLookup,
        registrar: Ed25519PrivateKey,
        *,
        period_s: int,
        grace_s: int,
        writable: Callable[[], None],
        notify: Notify,
    ) -> None:
        self._lookup = lookup
        self._registrar = registrar
        self.registrar_key = keys.public_key_bytes(registrar)
        self._period_us = period_s * 1_000_000
        self._grace_us = grace_s * 1_000_000
        self._writable = writable
        self._notify = notify
        self._locks: WeakValueDictionary[str, asyncio.Lock] = WeakValueDictionary()

    def _lock(self, handle: str) -> asyncio.Lock:
        lock = self._locks.get(handle)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[handle] = lock
        return lock

    async def write(self, operation: int, request: Record) -> tuple[Record, int]:
        """Accept ``request`` as the next record of its handle; the
        countersigned record and the number of DHT holders that took it."""
        self._writable()
        entry = check_shape(request, operation)
        if not signing.verify_signature(request):
            raise InvalidRecord(
                "signature: the owner signature does not verify over the record's "
                "canonical bytes (docs/records.md)"
            )
        if self.registrar_key not in self._lookup.policy.trusted_registrars:
            raise FailedPrecondition(
                f"this registry's registrar key {self.registrar_key.hex()} is not in the "
                "trusted registrar set (IPNDHT_TRUSTED_REGISTRARS): DHT nodes would refuse "
                "its records"
            )
        signed = signing.countersign(request, self._registrar)
        accepted = HandleEntry(signed, entry.payload)
        async with self._lock(entry.handle):
            current = await self._lookup.find_for_write(entry.handle)
            now = self._lookup.now_us()
            # The transition first: a stranger's write to a held handle is
            # PERMISSION_DENIED even when its record is also malformed.
            check_transition(entry, current, now, self._period_us, self._grace_us)
            self._lookup.policy.validate_record(signed)
            await self._check_alias(accepted, now)
            claimed = await self._claim(accepted)
            holders = await self._store(accepted, current)
            if claimed is None or holders == 0:
                # Without a claim, or with every asked holder refusing (a
                # competing record of this seq, written without a claim, may
                # be held): the DHT's choice decides.
                await self._confirm(accepted, current)
            self._lookup.store.put(accepted)
            if accepted.operation == handles_pb2.HANDLE_OPERATION_RELEASE:
                await self._lookup.forget(accepted.handle)
            else:
                await self._lookup.remember(accepted)
            await self._notify(accepted.handle)
        log.info(
            "handle_write_accepted",
            handle=accepted.handle,
            seq=accepted.seq,
            operation=handles_pb2.HandleOperation.Name(accepted.operation),
            holders=holders,
            claim="redis" if claimed else "dht",
        )
        return signed, holders

    async def _check_alias(self, entry: HandleEntry, now_us: int) -> None:
        alias = entry.payload.alias
        if not alias or entry.operation == handles_pb2.HANDLE_OPERATION_RELEASE:
            return
        for found in await alias_holders(self._lookup, alias):
            other = found.entry
            if other.handle != entry.handle and other.state(now_us, self._grace_us) in (
                State.ACTIVE,
                State.GRACE,
            ):
                raise AlreadyExists(f"alias {alias!r} is used by {other.handle}")

    def _lost(self, entry: HandleEntry, current_seq: int, why: str) -> Exception:
        if entry.operation == handles_pb2.HANDLE_OPERATION_REGISTER:
            return AlreadyExists(f"{entry.handle} {why}")
        return SeqConflict(
            f"seq {entry.seq} of {entry.handle} {why}; current seq is {current_seq}",
            current_seq=current_seq,
        )

    async def _claim(self, entry: HandleEntry) -> bool | None:
        """True: this registry holds the claim; None: Redis is down."""
        cache = self._lookup.cache
        name = f"{entry.handle}#{entry.seq}"
        token = entry.record.signature
        # True also for the same request again (a client retry holds its own claim).
        got = await cache.claim(c.KIND_CLAIM, name, token, c.CLAIM_TTL_S, wait_s=c.CLAIM_WAIT_S)
        if got is False:
            raise self._lost(entry, entry.seq - 1, "is being written through another registry")
        return got

    async def _store(self, entry: HandleEntry, current: HandleEntry | None) -> int:
        try:
            # A record of this seq already held by this node came from another
            # registry, which may have acknowledged it: it is not displaced,
            # even when ours would win the DHT's selection.
            return await self._lookup.dht.put(entry.record.encode(), only_newer=True)
        except SeqConflict as exc:
            held = current.seq if current is not None else entry.seq
            raise self._lost(entry, max(held, exc.current_seq), "was written concurrently") from exc
        except InvalidArgument:
            raise

    async def _confirm(self, entry: HandleEntry, current: HandleEntry | None) -> None:
        """Without Redis: read back from the DHT; the DHT's choice decides."""
        raw = await self._lookup.dht.get(dht_key_of(entry.handle))
        if raw is None or raw == entry.record.encode():
            return
        winner = entry_of_raw(raw)
        if winner.better_than(entry):
            self._lookup.store.put(winner)
            raise self._lost(entry, winner.seq, "was written concurrently; an earlier write won")


async def alias_holders(lookup: HandleLookup, alias: str) -> list[Found]:
    """Current records of the handles that may hold ``alias`` (checked)."""
    names = set(lookup.store.handles_once_aliased(alias))
    cached = await lookup.cache.get(c.KIND_ALIAS, alias)
    if cached is not None:
        names.add(cached.decode("ascii", "replace"))
    found = await asyncio.gather(*(lookup.find(name) for name in sorted(names)))
    return [f for f in found if f is not None and f.entry.payload.alias == alias]
