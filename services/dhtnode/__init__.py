"""A DHT-only node: replication capacity for the overlay, no service RPCs."""
