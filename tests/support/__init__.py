"""Test helpers: real redis-server processes, free ports, in-process services."""
