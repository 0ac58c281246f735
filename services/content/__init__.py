"""The content-routing service (`ipndht.v1.ContentRoutingService`)."""
