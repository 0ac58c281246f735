"""Five discovery nodes joined from one bootstrap address find each other;
stopped and restarted with no bootstrap list and no DNS seeds, they rejoin
from their peer caches alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from services.core.settings import Settings
from services.discovery.model import Source
from tests.support.discovery_harness import DiscoveryHost, fast_settings, start_discovery
from tests.support.net import free_udp_port
from tests.support.waiting import eventually

COUNT = 5


def _settings(tmp_path: Path, index: int, port: int, bootstrap: str) -> Settings:
    return fast_settings(
        tmp_path,
        data_dir=tmp_path / f"node{index}",
        dht_port=port,
        bootstrap=bootstrap,
        peer_max_failures=4,
    )


async def _stop_all(hosts: list[DiscoveryHost]) -> None:
    await asyncio.gather(*(h.host.stop(grace_s=0) for h in hosts))


@pytest.mark.cluster
async def test_five_nodes_find_each_other_then_rejoin_from_cache(tmp_path: Path) -> None:
    ports = [free_udp_port() for _ in range(COUNT)]
    seed = f"127.0.0.1:{ports[0]}"
    hosts: list[DiscoveryHost] = []
    try:
        hosts.append(await start_discovery(_settings(tmp_path, 0, ports[0], "")))
        hosts += await asyncio.gather(
            *(start_discovery(_settings(tmp_path, i, ports[i], seed)) for i in range(1, COUNT))
        )
        everyone = lambda: all(h.discovery.book.live_count() == COUNT - 1 for h in hosts)  # noqa: E731
        assert await eventually(everyone, 15), [h.discovery.book.live_count() for h in hosts]
    finally:
        await _stop_all(hosts)

    for index in range(COUNT):  # the DHT's own saved routing table must not help
        (tmp_path / f"node{index}" / "discovery" / "routing.json").unlink(missing_ok=True)
        assert (tmp_path / f"node{index}" / "discovery" / "peers.sqlite3").exists()

    hosts = []
    try:
        hosts += await asyncio.gather(
            *(start_discovery(_settings(tmp_path, i, ports[i], "")) for i in range(COUNT))
        )
        assert await eventually(everyone, 15), [h.discovery.book.live_count() for h in hosts]
        for h in hosts:
            assert h.host.dht is not None and len(h.host.dht.neighbours()) == COUNT - 1
            assert {p.source for p in h.discovery.book.live()} == {Source.CACHE}
    finally:
        await _stop_all(hosts)
