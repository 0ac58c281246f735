"""Keeping this service's records alive: store again what is due, forget
what expired, trim the Redis timeline mirror."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.content.constants import REPUBLISH_FRACTION, REPUBLISH_POLL_S
from services.content.index_log import RecordDht
from services.content.published import PublishedStore
from services.content.timeline import Timeline
from services.core.errors import IpndhtError
from services.core.logging import get_logger

log = get_logger(__name__)


class Republisher:
    """Stores records again once ``REPUBLISH_FRACTION`` of their remaining
    life has passed since they were last stored."""

    def __init__(
        self,
        dht: RecordDht,
        published: PublishedStore,
        timeline: Timeline,
        clock: Callable[[], int],
    ) -> None:
        self._dht = dht
        self._published = published
        self._timeline = timeline
        self._clock = clock

    async def run_once(self) -> int:
        """One round; returns how many records were stored again."""
        now = self._clock()
        self._published.purge_expired(now)
        count = 0
        for item in self._published.due(now, REPUBLISH_FRACTION):
            try:
                await self._dht.add_provider(item.raw)
            except IpndhtError as exc:
                log.warning("republish_failed", error=str(exc))
                continue
            self._published.touch(item.dht_key, item.signer, self._clock())
            count += 1
        await self._timeline.trim()
        return count

    async def run(self) -> None:
        while True:
            await asyncio.sleep(REPUBLISH_POLL_S)
            try:
                stored = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("republish_round_failed")
                continue
            if stored:
                log.info("records_republished", count=stored)
