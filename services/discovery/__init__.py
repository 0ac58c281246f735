"""The discovery service (`ipndht.v1.DiscoveryService`)."""
