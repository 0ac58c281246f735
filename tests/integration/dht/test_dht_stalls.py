"""A stall of this node's own event loop (a long callback, a GC pause, a
descheduled process) is not the peers' fault: RPCs in flight are owed the
stall, so they do not fail, peers stay in the routing table and a put made
across the stall still reaches every holder."""

from __future__ import annotations

import asyncio
import time

from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner
from services.core.dht.node import DhtNode
from services.core.dht.swarm import Swarm

#: Hard RPC timeouts of 0.3 s at most: the stalls below are longer.
SHORT = DhtConfig(rpc_timeout_s=0.3)


def hold_loop(seconds: float) -> None:
    """Block the event loop, as a long callback or a GC pause would."""
    time.sleep(seconds)


async def test_an_rpc_out_during_a_stall_longer_than_its_timeout_still_succeeds(
    nodes: list[DhtNode], policy: JsonRecordPolicy
) -> None:
    a = DhtNode(SHORT, policy)
    nodes.append(a)
    await a.start()
    b = DhtNode(SHORT, policy)
    nodes.append(b)
    await b.start()
    assert a.protocol is not None
    reply = a.protocol.request(b.address, "ping", [a.node_id])
    hold_loop(0.6)  # the loop is held twice as long as the RPC timeout
    ok, answer = await reply
    assert ok and answer == b.node_id
    assert a.stats()["rpc_failures"] == 0
    assert a.stats()["rpc_stall_extensions"] >= 1


async def test_an_rpc_to_a_silent_peer_still_fails_after_a_stall(
    nodes: list[DhtNode], policy: JsonRecordPolicy
) -> None:
    """The stall is owed once, up to one RPC timeout: a dead peer is still
    declared dead."""
    a = DhtNode(SHORT, policy)
    nodes.append(a)
    await a.start()
    assert a.protocol is not None
    t0 = time.monotonic()
    reply = a.protocol.request(("127.0.0.1", 9), "ping", [a.node_id])
    hold_loop(0.5)
    assert await reply == (False, None)
    # Given up one timeout after its own deadline at most, not the whole stall again.
    assert time.monotonic() - t0 < 0.5 + SHORT.rpc_timeout_s + 0.2
    assert a.stats()["rpc_failures"] == 1


async def _stall_once(node: DhtNode, counter: str, seconds: float) -> None:
    """Hold the loop for ``seconds`` as soon as ``node``'s ``counter`` moves."""
    start = node.stats()[counter]
    for _ in range(10_000):
        if node.stats()[counter] > start:
            hold_loop(seconds)
            return
        await asyncio.sleep(0)
    raise AssertionError(f"{counter} never moved")


async def test_a_put_across_a_stall_reaches_every_holder_and_no_peer_is_failed(
    signer: JsonSigner,
) -> None:
    """Stalls of 0.5 s just after a put's lookup, then while its STOREs are
    out: no RPC times out and the put reaches its holders. (Read one
    datagram per loop pass, as asyncio's transport does, 19 of the 20
    answers were read after their timers had fired: 1 holder.)"""
    sw = Swarm(JsonRecordPolicy([signer]), template=SHORT, seed=5)
    try:
        await sw.start(30)
        writer = sw.nodes[0]
        for i, counter in enumerate(["lookup_rpcs", "stores_sent"] * 2):
            put = asyncio.ensure_future(writer.put(signer.make("handle", f"stall-{i}", "v", 1)))
            await _stall_once(writer, counter, 0.5)
            accepted = await put
            # No RPC of the put timed out; a holder may still refuse a key it
            # does not count itself responsible for, so not always all k.
            assert writer.stats()["rpc_failures"] == 0
            assert accepted >= writer.ksize // 2
        assert sum(n.stats()["rpc_failures"] for n in sw.nodes) == 0
    finally:
        await sw.stop()
