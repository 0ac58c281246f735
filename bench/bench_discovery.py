"""list_peers_rps_ratio: ListPeers (100 peers, one page of 100) through the
discovery service versus the host-overhead floor RPC (the probe Echo through
the full service host, bench/bench_host.py's "host" mode), same load
generator, same run.

``python -m bench.bench_discovery serve PORT`` runs the discovery server
used here: a discovery host whose book holds 100 peers (never pinged during
the run: the ping interval is an hour).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
from pathlib import Path

import grpc

from bench.load import free_port, measure, server_process
from bench.results import record
from ipndht.v1 import discovery_pb2, discovery_pb2_grpc

ROUNDS = 3
SECONDS = 4.0
CONCURRENCY = 32
PEERS = 100
PAGE = 100


async def _echo(channel: grpc.aio.Channel) -> object:
    return await channel.unary_unary("/ipndht.test.Probe/Echo")(b"ping", timeout=5)


async def _list_peers(channel: grpc.aio.Channel) -> object:
    stub = discovery_pb2_grpc.DiscoveryServiceStub(channel)
    reply = await stub.ListPeers(discovery_pb2.ListPeersRequest(page_size=PAGE), timeout=5)
    if len(reply.peers) != min(PAGE, PEERS):
        raise RuntimeError(f"expected {PAGE} peers, got {len(reply.peers)}")
    return reply


async def _serve(port: int) -> None:
    from services.core.host import DISCOVERY, ServiceHost
    from services.core.logging import configure_logging
    from services.core.settings import Settings
    from services.discovery.model import Peer, Source
    from services.discovery.service import install

    configure_logging("warning", "json")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            grpc_port=port,
            metrics_port=0,
            dht_port=0,
            redis_url="",  # type: ignore[call-arg]
            data_dir=Path(tmp),
            min_peers=0,
            peer_ping_interval_s=3600,
            peer_cache_flush_s=3600,
            log_format="json",
            shutdown_grace_s=0,
        )
        host = ServiceHost(settings, DISCOVERY)

        async def build(h: ServiceHost) -> None:
            discovery = await install(h)
            for i in range(PEERS):
                peer = Peer(
                    host=f"127.0.{i // 250}.{i % 250 + 2}",
                    port=20000 + i,
                    source=Source.CACHE,
                    node_id=os.urandom(20),
                    successes=i % 7,
                    rtt_ms=float(i % 13),
                )
                discovery.book.restore(peer)

        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, host.request_stop)
        await host.serve(build)


def run() -> None:
    floor_runs: list[float] = []
    value_runs: list[float] = []
    for _ in range(ROUNDS):
        port = free_port()
        with server_process(["bench.probe_server", "host", str(port)], port):
            rps, _ = measure(port, _echo, SECONDS, CONCURRENCY)
        floor_runs.append(rps)
        port = free_port()
        with server_process(["bench.bench_discovery", "serve", str(port)], port):
            rps, _ = measure(port, _list_peers, SECONDS, CONCURRENCY)
        value_runs.append(rps)
    floor = statistics.median(floor_runs)
    value = statistics.median(value_runs)
    config = {
        "rounds": ROUNDS,
        "seconds": SECONDS,
        "concurrency": CONCURRENCY,
        "rpc": f"ListPeers, {PEERS} peers, page_size {PAGE}",
        "floor_is": "probe Echo through the full service host",
        "note": "book unchanged during the run, so replies come from the per-version page cache",
    }
    record("list_peers_rps", value, "rps", floor=floor, ratio=value / floor, config=config)
    record(
        "list_peers_rps_ratio",
        value / floor,
        "ratio",
        floor=1.0,
        ratio=value / floor,
        config={"list_peers_rps": round(value), "floor_rps": round(floor), **config},
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "serve":
        asyncio.run(_serve(int(sys.argv[2])))
    else:
        run()
