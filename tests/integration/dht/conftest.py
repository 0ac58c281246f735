"""Fixtures shared by the DHT integration tests: a signer and its test
policy, a raw UDP peer, and a list of nodes stopped at the end."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from services.core.dht.adversary import RawPeer
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner
from services.core.dht.node import DhtNode


@pytest.fixture
def signer() -> JsonSigner:
    return JsonSigner()


@pytest.fixture
def policy(signer: JsonSigner) -> JsonRecordPolicy:
    return JsonRecordPolicy([signer])


@pytest.fixture
async def raw() -> AsyncIterator[RawPeer]:
    """A bare UDP socket on 127.0.0.1, closed at the end."""
    peer = await RawPeer.open()
    try:
        yield peer
    finally:
        peer.close()


@pytest.fixture
async def nodes() -> AsyncIterator[list[DhtNode]]:
    """Nodes a test creates and starts itself; all stopped at the end."""
    made: list[DhtNode] = []
    try:
        yield made
    finally:
        await asyncio.gather(*(n.stop() for n in made))
