"""The handle-registry service (`ipndht.v1.HandleRegistryService`)."""
