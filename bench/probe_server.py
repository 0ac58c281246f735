"""A server for throughput benchmarks: the full service host, or bare grpc.aio.

``python -m bench.probe_server host|bare PORT`` serves ``ipndht.test.Probe/Echo``
until SIGTERM. ``host`` runs it inside ServiceHost (interceptor, metrics,
health, reflection, logging); ``bare`` on a plain ``grpc.aio`` server.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from typing import Any

import grpc

from services.core.host import DISCOVERY, ServiceHost
from services.core.logging import configure_logging
from services.core.settings import Settings
from tests.support.probe import add_probe


async def _bare(port: int) -> None:
    async def echo(request: bytes, context: Any) -> bytes:
        return request

    server = grpc.aio.server()
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "ipndht.test.Probe", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}
            ),
        )
    )
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop(0)


async def _host(port: int, redis_url: str) -> None:
    settings = Settings(
        grpc_port=port,
        metrics_port=0,
        redis_url=redis_url,  # type: ignore[call-arg]
        log_format="json",
        shutdown_grace_s=0,
    )
    configure_logging("warning", "json")
    host = ServiceHost(settings, DISCOVERY)

    async def build(h: ServiceHost) -> None:
        add_probe(h)

    await host.serve(build)


def main() -> None:
    mode, port = sys.argv[1], int(sys.argv[2])
    redis_url = sys.argv[3] if len(sys.argv) > 3 else ""
    asyncio.run(_bare(port) if mode == "bare" else _host(port, redis_url))


if __name__ == "__main__":
    main()
