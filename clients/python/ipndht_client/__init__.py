"""The ipndht Python SDK: signing helpers for handle writes (``handles``)."""
