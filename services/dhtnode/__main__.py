"""`python -m services.dhtnode`: run a DHT-only node (health and metrics over gRPC/HTTP)."""

from services.core.app import main
from services.core.host import ServiceHost
from services.discovery.join import join_via_discovery


async def build(host: ServiceHost) -> None:
    """Nothing beyond the host's DHT node, health and metrics; it joins the
    overlay through discovery like the services do."""
    host.spawn(join_via_discovery(host), "join-via-discovery")


if __name__ == "__main__":
    main("dht-node", build)
