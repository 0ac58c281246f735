"""Shared layer of the ipndht services: settings, logging, errors, the
service host, the Redis cache and (from the DHT layer) the hardened node."""
