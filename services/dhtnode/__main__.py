"""`python -m services.dhtnode`: run a DHT-only node (health and metrics over gRPC/HTTP)."""

from services.core.app import main
from services.core.host import ServiceHost


async def build(host: ServiceHost) -> None:
    """Nothing beyond the host's own DHT node, health and metrics."""


if __name__ == "__main__":
    main("dht-node", build)
