"""The read side of a DhtNode: gather records from several holders, judge
each with the node's policy, select the best, push it back.

A get gathers valid answers until ``quorum`` of them (the local copy
counts as one) agree on the best record seen, or the lookup runs out of
candidates; selection is by ``policy.better``, never by majority. A
provider read merges the sets of up to ``quorum`` holders with the local
set, one record per signer.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from kademlia.node import Node

from services.core.dht.constants import PUSHBACK_MAX
from services.core.dht.lookup import LookupOutcome
from services.core.dht.store import now_us
from services.core.dht.wire import valid_key
from services.core.errors import InvalidArgument, StoreFull
from services.core.records.policy import RecordInfo

if TYPE_CHECKING:
    from services.core.dht.node import DhtNode


class Reads:
    """``get`` and ``get_providers`` of one DhtNode."""

    def __init__(self, node: DhtNode) -> None:
        self._node = node

    async def get(self, dht_key: bytes) -> bytes | None:
        """The best valid record of ``dht_key`` or None.

        Gathers valid answers until ``quorum`` of them (the local copy
        counts as one) agree on the best record seen, or the lookup runs out
        of candidates; drops invalid ones, picks the best with
        ``policy.better``, and pushes it back to holders that returned a
        worse one or none.
        """
        dht = self._node
        if not valid_key(dht_key):
            raise InvalidArgument("a DHT key must be 20 bytes")
        now = now_us()
        check = dht._proto().check_record
        local = dht.storage.get_info(dht_key, now)
        seen: list[tuple[Node, RecordInfo]] = []
        # The best record so far and how many answers (the local copy
        # included) agree on it: a better record resets the count, so a few
        # holders replaying an old version cost extra queries, not a wrong answer.
        lead: list[Any] = [local, 1 if local is not None else 0]

        # Holders mostly return the same bytes: each distinct record is
        # validated (signature checks included) once per get.
        judged: dict[bytes, RecordInfo | None] = {local.raw: local} if local else {}

        def on_value(node: Node, payload: Any) -> int:
            if isinstance(payload, bytes) and payload in judged:
                info = judged[payload]
                if info is None:
                    dht.counters.invalid_values_seen += 1
            else:
                info = check(dht_key, payload, now)
                if isinstance(payload, bytes):
                    judged[payload] = info
            if info is None or info.multi:
                return 0
            seen.append((node, info))
            best = lead[0]
            if best is None or dht.policy.better(info, best):
                lead[0], lead[1] = info, 1
            elif info.raw == best.raw:
                lead[1] += 1
            return 1

        quorum = dht.config.quorum
        outcome = LookupOutcome()
        if lead[1] < quorum:
            outcome = await dht._lookup(
                dht_key,
                "find_value",
                on_value=on_value,
                done=lambda: lead[1] >= quorum,
                wanted=lambda: quorum - lead[1],
            )
        candidates = [info for _, info in seen] + ([local] if local is not None else [])
        if not candidates:
            return None
        best = candidates[0]
        for cand in candidates[1:]:
            if dht.policy.better(cand, best):
                best = cand
        self._push_back(best, seen, outcome)
        if local is not None and local.raw != best.raw:
            with contextlib.suppress(StoreFull):
                dht.storage.put_single(best, mine=False)
        return best.raw

    def _push_back(
        self, best: RecordInfo, seen: list[tuple[Node, RecordInfo]], outcome: LookupOutcome
    ) -> None:
        dht = self._node
        proto = dht._proto()
        key = Node(best.dht_key)
        targets = [node for node, info in seen if info.raw != best.raw]
        if seen:
            farthest = max(node.distance_to(key) for node, _ in seen)
            targets += [n for n in outcome.without_value if n.distance_to(key) < farthest]
        targets = targets[: PUSHBACK_MAX + dht.config.quorum]
        if not targets:
            return
        dht.counters.pushbacks_sent += len(targets)

        async def push() -> None:
            await asyncio.gather(*(proto.call_store(n, best.dht_key, best.raw) for n in targets))

        proto.spawn(push())

    async def get_providers(self, dht_key: bytes, limit: int = 20) -> list[bytes]:
        """Valid provider records of ``dht_key``, newest first, at most ``limit``.

        Merges answers of up to ``quorum`` holders with the local set: one
        record per signer (the better one), expired and invalid dropped.
        """
        dht = self._node
        if not valid_key(dht_key):
            raise InvalidArgument("a DHT key must be 20 bytes")
        if limit < 1:
            raise InvalidArgument("limit must be at least 1")
        now = now_us()
        check = dht._proto().check_record
        merged: dict[bytes, RecordInfo] = {}

        def merge(info: RecordInfo) -> None:
            held = merged.get(info.signer)
            if held is None or dht.policy.better(info, held):
                merged[info.signer] = info

        for info in dht.storage.get_providers(dht_key, limit, now):
            merge(info)

        def on_value(_node: Node, payload: Any) -> int:
            if not isinstance(payload, list):
                return 0
            got = 0
            for raw in payload[: max(limit, 1) * 2]:
                info = check(dht_key, raw, now)
                if info is not None and info.multi:
                    merge(info)
                    got += 1
            return got

        await dht._lookup(
            dht_key, "get_providers", on_value=on_value, quorum=dht.config.quorum, extra=[limit]
        )
        ordered = sorted(merged.values(), key=lambda i: (i.issued_at_us, i.seq), reverse=True)
        if ordered:
            limit = min(limit, dht.policy.set_cap(ordered[0].namespace))
        return [i.raw for i in ordered[:limit]]
