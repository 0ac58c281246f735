"""Resolve: a handle, a raw public key or an alias in, a public key out.

- ``@label.ipn`` (normalised first, so ``@Alice.IPN`` is ``@alice.ipn``):
  the handle's current record; answered from the in-process cache when it
  holds the query (see hotcache.py), else Redis, the DHT or the local store.
- 64 hex digits: the key itself, with the handles it owns.
- anything else is an alias (the validator id of a handle record).
"""

from __future__ import annotations

import asyncio
import string

from ipndht.v1 import handles_pb2
from services.core.errors import InvalidArgument, IpndhtError, NotFound
from services.handles import constants as c
from services.handles.hotcache import HotCache
from services.handles.lookup import Found, HandleLookup, Source
from services.handles.model import HandleEntry, State
from services.handles.names import check_label, is_handle_query, normalize_handle
from services.handles.registry import alias_holders

_SOURCES = {
    Source.CACHE: handles_pb2.RESOLVE_SOURCE_CACHE,
    Source.DHT: handles_pb2.RESOLVE_SOURCE_DHT,
    Source.LOCAL: handles_pb2.RESOLVE_SOURCE_LOCAL,
}
_HEX = frozenset(string.hexdigits)

Answer = handles_pb2.ResolveResponse


class Resolver:
    """The read side of the handle registry."""

    def __init__(self, lookup: HandleLookup, hot: HotCache[Answer]) -> None:
        self._lookup = lookup
        self._hot = hot

    def cached(self, query: str) -> Answer | None:
        """The in-process answer to ``query``, or None (the hot path)."""
        return self._hot.get(query)

    async def resolve(self, query: str) -> Answer:
        if not query:
            raise InvalidArgument(
                "the query is empty; give a handle (@label.ipn), a public key "
                "(64 hex digits) or an alias"
            )
        if len(query.encode("utf-8", "replace")) > c.MAX_QUERY_BYTES:
            raise InvalidArgument(f"the query is over the limit of {c.MAX_QUERY_BYTES} bytes")
        if is_handle_query(query):
            return await self._resolve_handle(query)
        if len(query) == c.PUBLIC_KEY_HEX_LEN and all(ch in _HEX for ch in query):
            return await self._resolve_key(bytes.fromhex(query))
        return await self._resolve_alias(query)

    async def resolve_many(self, queries: list[str]) -> list[Answer | IpndhtError]:
        """Each query's answer or its error, in query order."""
        if not queries:
            raise InvalidArgument("BatchResolve needs at least one query")
        if len(queries) > c.MAX_BATCH:
            raise InvalidArgument(
                f"BatchResolve takes at most {c.MAX_BATCH} queries, got {len(queries)}"
            )

        async def one(query: str) -> Answer | IpndhtError:
            try:
                return self.cached(query) or await self.resolve(query)
            except IpndhtError as exc:
                return exc

        return list(await asyncio.gather(*(one(q) for q in queries)))

    def _active(self, found: Found | None, handle: str) -> Found:
        if found is None:
            raise NotFound(f"{handle} is not registered")
        state = found.entry.state(self._lookup.now_us(), self._lookup.grace_us)
        if state is State.ACTIVE:
            return found
        if found.entry.operation == handles_pb2.HANDLE_OPERATION_RELEASE:
            raise NotFound(f"{handle} was released")
        raise NotFound(f"{handle} has expired")

    def _answer(
        self,
        entry: HandleEntry,
        source: handles_pb2.ResolveSource,
        kind: handles_pb2.QueryKind,
    ) -> Answer:
        return Answer(
            kind=kind,
            public_key=entry.payload.target_key,
            handle=entry.handle,
            record=entry.record.to_proto(),
            source=source,
        )

    async def _resolve_handle(self, query: str) -> Answer:
        handle = normalize_handle(query)
        epoch = self._hot.epoch
        found = self._active(await self._lookup.find(handle), handle)
        kind = handles_pb2.QUERY_KIND_HANDLE
        hot = self._answer(found.entry, handles_pb2.RESOLVE_SOURCE_CACHE, kind)
        self._hot.put(query, handle, hot, found.entry.record.expires_at_us, epoch)
        if found.source is Source.CACHE:
            return hot
        return self._answer(found.entry, _SOURCES[found.source], kind)

    async def _resolve_key(self, key: bytes) -> Answer:
        lookup = self._lookup
        names = set(lookup.store.handles_once_owned_by(key))
        indexed = await lookup.cache.zrange_by_score(
            c.KIND_OWNER, key.hex(), float(lookup.now_us()), float("inf"), count=c.MAX_OWNED_HANDLES
        )
        names.update(name for name, _ in indexed or ())
        chosen = sorted(names)[: c.MAX_OWNED_HANDLES * 2]
        found = await asyncio.gather(*(lookup.find(name) for name in chosen))
        now = lookup.now_us()
        owned = [
            f.entry.handle
            for f in found
            if f is not None
            and f.entry.owner == key
            and f.entry.state(now, lookup.grace_us) is State.ACTIVE
        ]
        return Answer(
            kind=handles_pb2.QUERY_KIND_PUBLIC_KEY,
            public_key=key,
            source=handles_pb2.RESOLVE_SOURCE_DIRECT,
            owned_handles=owned[: c.MAX_OWNED_HANDLES],
        )

    async def _resolve_alias(self, alias: str) -> Answer:
        try:
            check_label(alias.lower())
        except InvalidArgument as exc:
            raise InvalidArgument(
                f"{alias!r} is not a handle (@label.ipn), a public key (64 hex digits) "
                f"or an alias: {exc.message}"
            ) from None
        alias = alias.lower()
        now = self._lookup.now_us()
        holders = [
            f
            for f in await alias_holders(self._lookup, alias)
            if f.entry.state(now, self._lookup.grace_us) is State.ACTIVE
        ]
        if not holders:
            raise NotFound(f"no handle has the alias {alias!r}")
        # After a partition two handles may carry one alias: the older wins.
        chosen = min(holders, key=lambda f: (f.entry.record.issued_at_us, f.entry.handle))
        return self._answer(chosen.entry, _SOURCES[chosen.source], handles_pb2.QUERY_KIND_ALIAS)

    async def history(
        self, query: str, page_size: int, page_token: str
    ) -> tuple[list[HandleEntry], str]:
        """One page of a handle's accepted records, oldest first, and the
        token of the next page ("" when none)."""
        handle = normalize_handle(query)
        if page_size > c.MAX_PAGE_SIZE:
            raise InvalidArgument(f"page_size is at most {c.MAX_PAGE_SIZE}, got {page_size}")
        size = page_size or c.DEFAULT_PAGE_SIZE
        # isascii: str.isdigit() also accepts digits int() refuses (U+00B2
        # superscript two) and other scripts' digits, which this server never gives.
        if page_token and not (
            page_token.isascii() and page_token.isdigit() and len(page_token) <= 9
        ):
            raise InvalidArgument(f"page_token {page_token!r} is not a token this server gave")
        offset = int(page_token) if page_token else 0
        await self._lookup.find(handle, use_cache=False)  # learn the latest record
        entries = self._lookup.store.history(handle, offset, size + 1)
        if not entries and offset == 0:
            raise NotFound(f"{handle} has no history: it was never registered")
        more = len(entries) > size
        return entries[:size], str(offset + size) if more else ""
