"""A service process with the probe service, for signal tests.

Run as ``python -m tests.support.slow_service``; settings from IPNDHT_*.
"""

from __future__ import annotations

from services.core.app import main
from services.core.host import ServiceHost
from tests.support.probe import add_probe


async def build(host: ServiceHost) -> None:
    add_probe(host)


if __name__ == "__main__":
    main("discovery", build)
