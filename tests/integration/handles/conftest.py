"""Fixtures of the handle-registry integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from tests.support.handles_hosts import Fixture, Stub, make_registrar, start_registry


@pytest.fixture
async def registry(tmp_path: Path) -> AsyncIterator[Fixture]:
    """One registry trusting its own registrar key, with a connected stub."""
    reg = make_registrar(tmp_path)
    host = await start_registry(tmp_path, reg)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
            yield host, Stub(channel), reg
    finally:
        await host.stop(grace_s=0)
