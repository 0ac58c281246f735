"""host_overhead_ratio: a trivial RPC through the full service host versus a
bare grpc.aio server, same load generator, same run.

Each server runs in its own process; rounds alternate (bare, host, bare, host,
...) and the medians are compared, so drift on a noisy machine hits both.
"""

from __future__ import annotations

import statistics

import grpc

from bench.load import free_port, measure, server_process
from bench.results import record

ROUNDS = 3
SECONDS = 4.0
CONCURRENCY = 32


async def _echo(channel: grpc.aio.Channel) -> object:
    return await channel.unary_unary("/ipndht.test.Probe/Echo")(b"ping", timeout=5)


def run() -> None:
    bare: list[float] = []
    host: list[float] = []
    for _ in range(ROUNDS):
        for mode, sink in (("bare", bare), ("host", host)):
            port = free_port()
            with server_process(["bench.probe_server", mode, str(port)], port):
                rps, _ = measure(port, _echo, SECONDS, CONCURRENCY)
            sink.append(rps)
    floor = statistics.median(bare)
    value = statistics.median(host)
    record(
        "host_overhead_ratio_rps",
        value,
        "rps",
        floor=floor,
        ratio=value / floor,
        config={
            "rounds": ROUNDS,
            "seconds": SECONDS,
            "concurrency": CONCURRENCY,
            "rpc": "unary echo, 4 bytes",
            "floor_is": "bare grpc.aio server",
        },
    )
    record(
        "host_overhead_ratio",
        value / floor,
        "ratio",
        floor=1.0,
        ratio=value / floor,
        config={"target": ">= 0.85", "host_rps": round(value), "bare_rps": round(floor)},
    )


if __name__ == "__main__":
    run()
