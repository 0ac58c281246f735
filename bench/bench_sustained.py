"""resolve_sustained_*: Resolve at 80% of its measured maximum for 5 minutes.

One handle-registry process with a real redis-server. First the maximum:
a closed loop (32 in flight) for a few seconds. Then an open loop offers
80% of that rate for ``IPNDHT_BENCH_SUSTAINED_S`` seconds (default 300):
every 10 ms a tick sends its share of requests, whatever the previous ones
are doing. Recorded: the rate served (floor: the measured maximum), every
call that did not end OK (target 0), p99 latency, and the growth of the
service's resident memory from the end of the first minute to the end
(target near 0; the first minute is warm-up: caches and allocator pools).

    .venv/bin/python -m bench.bench_sustained
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import grpc

from bench.bench_handles import HANDLE, METHOD, _prepare, _resolve, _service_env
from bench.load import free_port, measure, percentile, server_process
from bench.results import record
from ipndht.v1 import handles_pb2

#: Fraction of the measured maximum offered during the sustained run.
LOAD_FRACTION = 0.8
#: Seconds of the closed-loop maximum measurement.
MAX_SECONDS = 5.0
#: The sustained run; the issue asks for five minutes.
DURATION_S = float(os.environ.get("IPNDHT_BENCH_SUSTAINED_S", "300"))
#: Memory growth is measured from here on (earlier: warm-up).
WARMUP_S = min(60.0, DURATION_S / 5)
TICK_S = 0.01
#: Requests in flight beyond this are counted as errors, not queued: an open
#: loop must not hide a service that falls behind.
MAX_IN_FLIGHT = 2000


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


async def _sustain(port: int, rate: float, pid: int) -> tuple[dict[str, float], dict[str, int]]:
    """The figures of the run, and the status codes of the failed calls."""
    ok = errors = shed = 0
    codes: dict[str, int] = {}
    latencies: list[float] = []
    in_flight = 0
    rss_warm = rss_end = 0.0
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        # One callable and one request for the whole run: the generator shares
        # the 2 cores with the service, so it spends as little as it can.
        resolve = channel.unary_unary(
            METHOD,
            request_serializer=handles_pb2.ResolveRequest.SerializeToString,
            response_deserializer=handles_pb2.ResolveResponse.FromString,
        )
        request = handles_pb2.ResolveRequest(query=HANDLE)

        async def one() -> None:
            nonlocal ok, errors, in_flight
            started = time.perf_counter()
            try:
                await resolve(request, timeout=5)
                ok += 1
                latencies.append(time.perf_counter() - started)
            except grpc.aio.AioRpcError as exc:
                errors += 1
                # The code with its details: a bare "CANCELLED" from grpc-core
                # and a servicer's message point at different causes.
                name = f"{exc.code().name}: {(exc.details() or '')[:80]}"
                codes[name] = codes.get(name, 0) + 1
            finally:
                in_flight -= 1

        tasks: set[asyncio.Task[None]] = set()
        start = time.perf_counter()
        sent = 0
        while (now := time.perf_counter() - start) < DURATION_S:
            due = int(now * rate) - sent
            for _ in range(max(0, due)):
                if in_flight >= MAX_IN_FLIGHT:
                    shed += 1
                    continue
                in_flight += 1
                task = asyncio.ensure_future(one())
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            sent += max(0, due)
            if not rss_warm and now >= WARMUP_S:
                rss_warm = _rss_mb(pid)
            await asyncio.sleep(TICK_S)
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
        rss_end = _rss_mb(pid)
    return {
        "served_rps": ok / elapsed,
        "errors": float(errors + shed),
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "rss_growth_mb": rss_end - rss_warm,
        "rss_end_mb": rss_end,
        "sent": float(sent),
        "shed": float(shed),
    }, codes


def run() -> None:
    from tests.support.redis import RedisProcess

    with tempfile.TemporaryDirectory(prefix="ipndht-sustained-") as tmp:
        workdir = Path(tmp)
        redis = RedisProcess(workdir / "redis")
        redis.start()
        port = free_port()
        try:
            with server_process(
                ["services.handles"], port, _service_env(workdir, redis.url, port)
            ) as proc:
                asyncio.run(_prepare(port, redis.url))
                max_rps, _ = measure(port, _resolve, MAX_SECONDS, 32)
                rate = LOAD_FRACTION * max_rps
                print(f"max {max_rps:.0f} rps; offering {rate:.0f} rps for {DURATION_S:.0f} s")
                out, codes = asyncio.run(_sustain(port, rate, proc.pid))
        finally:
            redis.stop()
    config = {
        "duration_s": DURATION_S,
        "offered_rps": round(rate),
        "max_rps": round(max_rps),
        "load_fraction": LOAD_FRACTION,
        "p99_ms": round(out["p99_ms"], 3),
        "requests": int(out["sent"]),
    }
    record(
        "resolve_sustained_rps",
        out["served_rps"],
        "rps",
        floor=max_rps,
        ratio=out["served_rps"] / max_rps,
        config=config,
    )
    record(
        "resolve_sustained_errors",
        out["errors"],
        "calls",
        floor=0.0,
        ratio=None,
        config={
            **config,
            "target": "0",
            "shed_by_generator": int(out["shed"]),
            "status_codes": codes,
        },
    )
    record(
        "resolve_sustained_rss_growth_mb",
        out["rss_growth_mb"],
        "MB",
        floor=0.0,
        ratio=None,
        config={**config, "rss_end_mb": round(out["rss_end_mb"], 1), "warmup_s": WARMUP_S},
    )


if __name__ == "__main__":
    run()
