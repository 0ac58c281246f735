"""DHT benchmark: the bare kademlia package and DhtNode side by side.

For each N in (50, 200, 500, 1000) both run in this process on 127.0.0.1:
N nodes bootstrapped and 200 puts from random nodes (one swarm after the
other), then 200 gets from random nodes, alternating one bare get and one
DhtNode get so that the machine speeding up or slowing down during the run
moves both sides alike; at N=200 also 30% of each swarm killed, then 200
gets and 100 puts of new records (one swarm after the other). Both use the
same 1 s RPC timeout (the package's default is 5 s) and the same record
bytes. DhtNode reads gather quorum=3 valid answers (the default); the
package stops at the first round that returns any value, and its store/ping
storm copies values onto most nodes, so many of its reads are local.
DhtNode gets start once the puts' background work (freshness checks,
hand-offs) has drained. Each N also
records the scale curve: get p50 in ms and lookup RPCs per get
(``dht_get_p50_ms_nN``, ``dht_rpcs_per_get_nN``) beside the bare package's.
RSS per node (N=500) is measured in a fresh subprocess. Results go to
bench/results.json.

    .venv/bin/python -m bench.bench_dht [--sizes 50,200,500,1000] [--ops 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import logging
import math
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import structlog
from kademlia.network import Server
from kademlia.protocol import KademliaProtocol

from bench.results import record
from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, json_dht_key
from services.core.dht.swarm import Swarm

RPC_TIMEOUT_S = 1.0
CHURN = 0.3
CHURN_CONCURRENCY = 8
#: New records put after the churn (the bare package's sets are slow there).
CHURN_PUTS = 100
#: The package's lookup RPCs, counted for the RPCs-per-get curve.
_BARE_LOOKUP_RPCS = ("call_find_value", "call_find_node")


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@contextlib.contextmanager
def _bare_rpc_count() -> Iterator[list[int]]:
    """Count the package's find_value / find_node RPCs (it keeps no counter)
    while the block runs; the package is restored afterwards. The wrapper is
    a plain call returning the package's own coroutine, so the counted RPCs
    cost no extra await."""
    count = [0]
    originals = {name: getattr(KademliaProtocol, name) for name in _BARE_LOOKUP_RPCS}

    def counting(original: Any) -> Any:
        def counted(self: Any, *args: Any) -> Any:
            count[0] += 1
            return original(self, *args)

        return counted

    for name, original in originals.items():
        setattr(KademliaProtocol, name, counting(original))
    try:
        yield count
    finally:
        for name, original in originals.items():
            setattr(KademliaProtocol, name, original)


class BareSwarm:
    """N bare ``kademlia.network.Server`` nodes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.nodes: list[Server] = []
        self.dead: set[int] = set()

    async def start(self, n: int, batch: int = 25) -> None:
        while len(self.nodes) < n:
            group = []
            for _ in range(min(batch, n - len(self.nodes))):
                server = Server()
                await server.listen(0, interface="127.0.0.1")
                server.protocol._wait_timeout = RPC_TIMEOUT_S
                group.append(server)
            known = self.nodes or group[:1]
            self.nodes.extend(group)

            await asyncio.gather(*(self._join(s, known) for s in group))

    async def _join(self, server: Server, known: list[Server]) -> None:
        peers = [p for p in known if p is not server]
        if peers:
            chosen = self.rng.sample(peers, min(3, len(peers)))
            await server.bootstrap([addr(p) for p in chosen])

    def alive(self) -> list[Server]:
        return [n for i, n in enumerate(self.nodes) if i not in self.dead]

    def kill(self, fraction: float) -> None:
        alive = [i for i in range(len(self.nodes)) if i not in self.dead]
        for i in self.rng.sample(alive, int(len(alive) * fraction)):
            self.nodes[i].stop()
            self.dead.add(i)

    def stop(self) -> None:
        """Stop every live node; safe to call twice."""
        for i, node in enumerate(self.nodes):
            if i not in self.dead:
                node.stop()
        self.dead = set(range(len(self.nodes)))


def addr(server: Server) -> tuple[str, int]:
    sock = server.transport.get_extra_info("sockname")
    return (sock[0], sock[1])


async def timed(fn: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    t0 = time.perf_counter()
    result = await fn()
    return time.perf_counter() - t0, result


async def run_gets(
    items: list[tuple[Any, bytes]],
    get: Callable[[Any], Awaitable[Any]],
    concurrency: int,
) -> tuple[float, list[float]]:
    """Success ratio and latencies of one get per item, ``concurrency`` at a time."""
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    ok = 0

    async def one(key: Any, want: bytes) -> None:
        nonlocal ok
        async with sem:
            dt, got = await timed(lambda: get(key))
        latencies.append(dt)
        ok += got == want

    await asyncio.gather(*(one(k, v) for k, v in items))
    return ok / len(items), latencies


async def bare_puts(
    swarm: BareSwarm, n: int, ops: int, signer: JsonSigner
) -> tuple[list[tuple[Any, bytes]], list[float]]:
    """Start the bare swarm and put ``ops`` records from random nodes."""
    await swarm.start(n)
    items: list[tuple[Any, bytes]] = []
    puts = []
    for i in range(ops):
        raw = signer.make("handle", f"bench-{n}-{i}", "v" * 64, 1)
        name = f"bench-{n}-{i}"
        node = swarm.rng.choice(swarm.alive())
        dt, _ = await timed(functools.partial(node.set, name, raw))
        puts.append(dt)
        items.append((name, raw))
    return items, puts


async def node_puts(
    swarm: Swarm, n: int, ops: int, signer: JsonSigner
) -> tuple[list[tuple[Any, bytes]], list[float]]:
    """Start the DhtNode swarm, put ``ops`` records from random nodes, and
    wait until the puts' background work (freshness checks, hand-offs) has
    drained, as it has a few seconds after any write."""
    await swarm.start(n)
    items: list[tuple[Any, bytes]] = []
    puts = []
    for i in range(ops):
        raw = signer.make("handle", f"bench-{n}-{i}", "v" * 64, 1)
        dt, _ = await timed(functools.partial(swarm.random_node().put, raw))
        puts.append(dt)
        items.append((json_dht_key("handle", f"bench-{n}-{i}"), raw))
    await swarm.settle()
    return items, puts


async def interleaved_gets(
    bare: BareSwarm,
    bare_items: list[tuple[Any, bytes]],
    ours: Swarm,
    our_items: list[tuple[Any, bytes]],
) -> tuple[dict[str, float], dict[str, float]]:
    """One get per item from each swarm, alternating bare and DhtNode, so a
    machine that speeds up or slows down during the run moves both alike.
    Returns each side's get p50 and lookup RPCs per get."""
    bare_lat: list[float] = []
    our_lat: list[float] = []
    bare_rpcs = 0
    our_before = sum(node.counters.lookup_rpcs for node in ours.nodes)
    for (bkey, _), (okey, _) in zip(bare_items, our_items, strict=True):
        node = bare.rng.choice(bare.alive())
        with _bare_rpc_count() as count:
            dt, _ = await timed(functools.partial(node.get, bkey))
        bare_lat.append(dt)
        bare_rpcs += count[0]
        dt, _ = await timed(functools.partial(ours.random_node().get, okey))
        our_lat.append(dt)
    our_rpcs = sum(node.counters.lookup_rpcs for node in ours.nodes) - our_before
    return (
        {"get_p50": statistics.median(bare_lat), "rpcs_per_get": bare_rpcs / len(bare_items)},
        {"get_p50": statistics.median(our_lat), "rpcs_per_get": our_rpcs / len(our_items)},
    )


async def churn_puts(
    put: Callable[[int], Awaitable[Any]], count: int, concurrency: int
) -> tuple[float, list[float]]:
    """``count`` puts of new records after the churn, ``concurrency`` at a
    time: the share that reached at least one holder and the latencies."""
    sem = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    ok = 0

    async def one(i: int) -> None:
        nonlocal ok
        async with sem:
            dt, result = await timed(lambda: put(i))
        latencies.append(dt)
        ok += bool(result)

    await asyncio.gather(*(one(i) for i in range(count)))
    return ok / count, latencies


async def bench_pair(
    n: int, ops: int, churn: bool, signer: JsonSigner
) -> tuple[dict[str, float], dict[str, float]]:
    """The bare package and DhtNode at ``n`` nodes: puts (one swarm after the
    other), gets interleaved, then churn (one after the other)."""
    rng = random.Random(n)
    bare_swarm = BareSwarm(rng)
    ours_swarm = Swarm(
        JsonRecordPolicy([signer]), template=DhtConfig(rpc_timeout_s=RPC_TIMEOUT_S), seed=n
    )
    bare: dict[str, float] = {}
    ours: dict[str, float] = {}
    try:
        bare_items, bare_put = await bare_puts(bare_swarm, n, ops, signer)
        our_items, our_put = await node_puts(ours_swarm, n, ops, signer)
        bare, ours = await interleaved_gets(bare_swarm, bare_items, ours_swarm, our_items)
        bare["put_p50"] = statistics.median(bare_put)
        ours["put_p50"] = statistics.median(our_put)
        if churn:
            bare_swarm.kill(CHURN)
            success, lat = await run_gets(
                bare_items, lambda k: rng.choice(bare_swarm.alive()).get(k), CHURN_CONCURRENCY
            )
            bare["churn_success"], bare["churn_p99"] = success, pct(lat, 0.99)

            async def bare_churn_put(i: int) -> Any:
                raw = signer.make("handle", f"churn-{n}-{i}", "v" * 64, 1)
                return await rng.choice(bare_swarm.alive()).set(f"churn-{n}-{i}", raw)

            _, lat = await churn_puts(bare_churn_put, CHURN_PUTS, CHURN_CONCURRENCY)
            bare["churn_put_p50"], bare["churn_put_p99"] = statistics.median(lat), pct(lat, 0.99)
            bare_swarm.stop()
            await ours_swarm.kill(CHURN)
            success, lat = await run_gets(
                our_items, lambda k: rng.choice(ours_swarm.alive).get(k), CHURN_CONCURRENCY
            )
            ours["churn_success"], ours["churn_p99"] = success, pct(lat, 0.99)

            async def our_churn_put(i: int) -> int:
                raw = signer.make("handle", f"churn-{n}-{i}", "v" * 64, 1)
                return await rng.choice(ours_swarm.alive).put(raw)

            success, lat = await churn_puts(our_churn_put, CHURN_PUTS, CHURN_CONCURRENCY)
            ours["churn_put_success"] = success
            ours["churn_put_p50"], ours["churn_put_p99"] = statistics.median(lat), pct(lat, 0.99)
    finally:
        bare_swarm.stop()
        await ours_swarm.stop()
        await asyncio.sleep(0.5)
    return bare, ours


async def rss_only(n: int) -> float:
    """RSS growth per node of ``n`` started DhtNodes, in a fresh process."""
    swarm = Swarm(JsonRecordPolicy([JsonSigner()]), template=DhtConfig(rpc_timeout_s=1.0))
    gc.collect()
    before = rss_mb()
    try:
        await swarm.start(n)
        await asyncio.sleep(1.0)
        gc.collect()
        return (rss_mb() - before) / n
    finally:
        await swarm.stop()


def rss_in_subprocess(n: int) -> float:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_dht", "--rss-only", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


async def main(sizes: list[int], ops: int) -> None:
    signer = JsonSigner()
    for n in sizes:
        churn = n == 200
        t0 = time.perf_counter()
        bare, ours = await bench_pair(n, ops, churn, signer)
        config = {
            "nodes": n,
            "ops": ops,
            "rpc_timeout_s": RPC_TIMEOUT_S,
            "bare_ms": {
                k: round(v * 1000, 3) for k, v in bare.items() if k.endswith(("p50", "p99"))
            },
            "dhtnode_ms": {
                k: round(v * 1000, 3) for k, v in ours.items() if k.endswith(("p50", "p99"))
            },
        }
        for what in ("get", "put"):
            ratio = ours[f"{what}_p50"] / bare[f"{what}_p50"]
            record(f"dht_{what}_p50_ratio_n{n}", ratio, "x", floor=1.0, ratio=ratio, config=config)
        # The scale curve: absolute latency and RPCs per get at each N, beside
        # the bare package's (log2 N in the config, for the shape).
        curve = {**config, "log2_n": round(math.log2(n), 2)}
        record(
            f"dht_get_p50_ms_n{n}",
            ours["get_p50"] * 1000,
            "ms",
            floor=bare["get_p50"] * 1000,
            ratio=ours["get_p50"] / bare["get_p50"],
            config=curve,
        )
        record(
            f"dht_rpcs_per_get_n{n}",
            ours["rpcs_per_get"],
            "rpcs",
            floor=bare["rpcs_per_get"],
            ratio=ours["rpcs_per_get"] / max(bare["rpcs_per_get"], 1e-9),
            config=curve,
        )
        if churn:
            churn_cfg = {**config, "killed": CHURN, "concurrency": CHURN_CONCURRENCY}
            record(
                f"dht_churn_get_success_n{n}",
                ours["churn_success"],
                "ratio",
                floor=bare["churn_success"],
                ratio=ours["churn_success"] / max(bare["churn_success"], 1e-9),
                config=churn_cfg,
            )
            p99_ms = ours["churn_p99"] * 1000
            floor_ms = bare["churn_p99"] * 1000
            record(
                f"dht_churn_get_p99_ms_n{n}",
                p99_ms,
                "ms",
                floor=floor_ms,
                ratio=p99_ms / floor_ms,
                config=churn_cfg,
            )
            for q in ("p50", "p99"):
                mine_ms = ours[f"churn_put_{q}"] * 1000
                bare_ms = bare[f"churn_put_{q}"] * 1000
                record(
                    f"dht_churn_put_{q}_ms_n{n}",
                    mine_ms,
                    "ms",
                    floor=bare_ms,
                    ratio=mine_ms / bare_ms,
                    config={**churn_cfg, "puts": CHURN_PUTS},
                )
            record(
                f"dht_churn_put_success_n{n}",
                ours["churn_put_success"],
                "ratio",
                floor=None,
                ratio=None,
                config={**churn_cfg, "puts": CHURN_PUTS},
            )
        if n == 500:
            record(
                f"dht_rss_mb_per_node_n{n}",
                rss_in_subprocess(n),
                "MB",
                floor=None,
                ratio=None,
                config={"nodes": n},
            )
        logging.getLogger(__name__).info("n=%d done in %.1fs", n, time.perf_counter() - t0)


def _quiet() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    logging.basicConfig(level=logging.CRITICAL)


def run() -> None:
    """`make bench`: every size, 200 operations each."""
    _quiet()
    asyncio.run(main([50, 200, 500, 1000], 200))


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,200,500,1000")
    parser.add_argument("--ops", type=int, default=200)
    parser.add_argument("--rss-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    _quiet()
    if args.rss_only:
        print(f"{asyncio.run(rss_only(args.rss_only)):.6f}")
        return
    asyncio.run(main([int(s) for s in args.sizes.split(",")], args.ops))


if __name__ == "__main__":
    cli()
