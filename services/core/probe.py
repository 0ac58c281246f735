"""`python -m services.core.probe [host:port] [service]`: the health probe.

Exits 0 when ``grpc.health.v1.Health/Check`` answers SERVING, 1 otherwise,
with one line saying what it saw. Used by docker-compose health checks.
"""

from __future__ import annotations

import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

#: A probe that waits longer than this is itself a sign of trouble.
PROBE_TIMEOUT_S = 3.0


def probe(target: str, service: str = "") -> tuple[bool, str]:
    """(serving, what was seen) for ``service`` at ``target``."""
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=PROBE_TIMEOUT_S
            )
        except grpc.RpcError as exc:
            return False, f"{target}: {exc.code().name}: {exc.details()}"
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    return reply.status == health_pb2.HealthCheckResponse.SERVING, f"{target}: {status}"


def main(argv: list[str]) -> int:
    target = argv[0] if argv else "127.0.0.1:50051"
    service = argv[1] if len(argv) > 1 else ""
    ok, seen = probe(target, service)
    print(seen)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
