"""Malformed datagrams and protocol hygiene (behaviour 4 and the wire facts):
no unobserved task exceptions, bad node ids never reach the routing table,
handler exceptions get a refusal, responses matched by id AND address,
typos raise AttributeError."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import umsgpack

from services.core.dht.adversary import RawPeer
from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner
from services.core.dht.node import DhtNode
from services.core.dht.wire import REQUEST, RESPONSE, encode

FAST = DhtConfig(rpc_timeout_s=0.5)


@pytest.fixture
async def loop_errors() -> AsyncIterator[list[dict[str, Any]]]:
    """Everything the loop's exception handler sees during the test."""
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, ctx: errors.append(ctx))
    try:
        yield errors
    finally:
        loop.set_exception_handler(previous)


@pytest.fixture
async def node() -> AsyncIterator[DhtNode]:
    n = DhtNode(FAST, JsonRecordPolicy([JsonSigner()]))
    try:
        await n.start()
        yield n
    finally:
        await n.stop()


MID = b"m" * 20


async def test_malformed_datagrams_raise_nothing_anywhere(
    node: DhtNode, raw: RawPeer, loop_errors: list[dict[str, Any]]
) -> None:
    """Truncated msgpack, wrong types, 60,000-deep nesting, oversized, wrong arity:
    dropped or refused, counted, no "Task exception was never retrieved"."""
    good = encode(REQUEST, MID, ["ping", [b"i" * 20]])
    bad = [
        good[:25],
        b"\x00" + MID + b"\x91" * 60_000 + b"\xc0",
        b"\x00" + MID + umsgpack.packb({"not": "a list"}),
        b"\x00" + MID + umsgpack.packb(["ping"]),
        b"\x05" + MID + umsgpack.packb(1),
        b"\x00" + MID + b"\x00" * 9000,
        b"\x00" * 10,
    ]
    for data in bad:
        raw.send(data, node.address)
    raw.request(node.address, "ping", [b"i" * 20, b"extra", b"args"])  # wrong arity
    assert await raw.reply() == {"refused": "error"}
    raw.request(node.address, "find_node", [b"i" * 20, 12345])  # wrong type of key
    assert await raw.reply() == {"refused": "invalid"}
    await asyncio.sleep(0.1)
    gc.collect()
    await asyncio.sleep(0)
    assert loop_errors == []
    assert node.stats()["rejected_datagrams"] >= 6
    raw.request(node.address, "ping", [b"i" * 20])
    assert await raw.reply() == node.node_id  # still serving


@pytest.mark.parametrize("bad_id", [b"x", b"x" * 100, "text", 5, None])
async def test_bad_node_ids_are_refused_and_never_added(
    node: DhtNode, raw: RawPeer, bad_id: object
) -> None:
    """A ping with a 1-byte or 100-byte id is refused and the sender is not added
    (the package answers and adds it, then lookups time out on it)."""
    raw.request(node.address, "ping", [bad_id])
    assert await raw.reply() == {"refused": "invalid"}
    raw.request(node.address, "find_node", [bad_id, b"k" * 20])
    assert await raw.reply() == {"refused": "invalid"}
    assert node.neighbours() == []


async def test_find_node_replies_with_bad_triples_never_reach_the_table(
    node: DhtNode, raw: RawPeer
) -> None:
    """A peer answering find_node with malformed triples only adds itself."""
    node.protocol.router.add_contact(_node_for(raw, b"p" * 20))  # type: ignore[union-attr]
    lookup = asyncio.ensure_future(node.bootstrap([]))
    data, _ = await asyncio.wait_for(raw.replies.get(), 2)
    junk = [[b"a", "127.0.0.1", 1], [b"b" * 100, "127.0.0.1", 2], [b"c" * 20, "host", 3]]
    raw.send(encode(RESPONSE, data[1:21], junk), node.address)
    await lookup
    assert [n[0] for n in node.neighbours()] == [b"p" * 20]


def _node_for(raw: RawPeer, node_id: bytes) -> Any:
    from kademlia.node import Node

    return Node(node_id, *raw.address)


async def test_unknown_rpc_gets_a_refusal(node: DhtNode, raw: RawPeer) -> None:
    """An unknown rpc name is answered at once with a refusal, not silence."""
    raw.request(node.address, "steal_keys", [])
    assert await raw.reply(0.5) == {"refused": "unknown-rpc"}


async def test_handler_exception_is_answered_with_a_refusal(node: DhtNode, raw: RawPeer) -> None:
    """An exception inside an rpc handler sends a refusal without the error text,
    so the caller does not wait for its timeout (the package sends nothing)."""

    def broken(*_: object) -> None:
        raise RuntimeError("secret internals")

    node.protocol._handlers["ping"] = broken  # type: ignore[union-attr]
    t0 = time.monotonic()
    raw.request(node.address, "ping", [b"i" * 20])
    reply = await raw.reply()
    assert reply == {"refused": "error"}
    assert "secret" not in repr(reply)
    assert time.monotonic() - t0 < 0.2


async def test_response_from_another_address_is_ignored(node: DhtNode) -> None:
    """A reply carrying the right message id from the wrong address is ignored:
    responses are matched by id AND source (the package matches by id only)."""
    target = await RawPeer.open()
    spoofer = await RawPeer.open()
    try:
        fut = node.protocol.request(target.address, "ping", [node.node_id])  # type: ignore[union-attr]
        data, _ = await asyncio.wait_for(target.replies.get(), 1)
        msg_id = data[1:21]
        spoofer.send(encode(RESPONSE, msg_id, b"s" * 20), node.address)
        await asyncio.sleep(0.05)
        assert not fut.done()
        assert node.stats()["unmatched_responses"] == 1
        target.send(encode(RESPONSE, msg_id, b"t" * 20), node.address)
        assert await fut == (True, b"t" * 20)
    finally:
        target.close()
        spoofer.close()


async def test_attribute_typo_is_a_local_error(node: DhtNode) -> None:
    """A misspelt attribute raises AttributeError instead of becoming a remote call
    that waits for a timeout (the package's __getattr__)."""
    with pytest.raises(AttributeError, match="fnd_node"):
        node.protocol.fnd_node  # type: ignore[union-attr]  # noqa: B018


async def test_oversized_reply_is_replaced_by_a_refusal(node: DhtNode, raw: RawPeer) -> None:
    """A reply that would exceed the datagram cap is never sent as is."""
    assert node.protocol is not None
    node.protocol._handlers["ping"] = lambda *_: b"x" * 9000
    raw.request(node.address, "ping", [b"i" * 20])
    assert await raw.reply() == {"refused": "error"}


async def test_flooding_source_is_throttled_while_honest_peers_are_served() -> None:
    """One source sending 1,000 pings gets about its burst answered; another peer
    is still answered at once."""
    config = DhtConfig(rpc_timeout_s=0.5, rate_limit_per_s=50, rate_limit_burst=100)
    node = DhtNode(config, JsonRecordPolicy([]))
    flooder = await RawPeer.open()
    honest = await RawPeer.open()
    try:
        await node.start()
        for _ in range(1000):
            flooder.request(node.address, "ping", [b"f" * 20])
            await asyncio.sleep(0)
        await asyncio.sleep(0.1)
        answered = flooder.replies.qsize()
        assert 100 <= answered < 200
        assert node.stats()["throttled_datagrams"] >= 800
        honest.request(node.address, "ping", [b"h" * 20])
        assert await honest.reply(0.5) == node.node_id
    finally:
        flooder.close()
        honest.close()
        await node.stop()


async def test_answers_to_our_own_requests_are_never_throttled() -> None:
    """A node with a tiny rate limit still gets every answer to the requests
    it sends itself: only unsolicited datagrams count against the limit."""
    tight = DhtConfig(rpc_timeout_s=0.5, rate_limit_per_s=1, rate_limit_burst=5)
    asker = DhtNode(tight, JsonRecordPolicy([]))
    peer = DhtNode(FAST, JsonRecordPolicy([]))
    try:
        await asker.start()
        await peer.start()
        assert asker.protocol is not None
        replies = await asyncio.gather(
            *(asker.protocol.ping(peer.address, asker.node_id) for _ in range(60))
        )
        assert all(ok for ok, _ in replies)
        assert asker.stats()["throttled_datagrams"] == 0
    finally:
        await asker.stop()
        await peer.stop()


async def test_requester_enters_the_routing_table_only_after_answering_a_ping(
    node: DhtNode, raw: RawPeer
) -> None:
    """A request with a well-formed id from a socket that never answers (a
    flooder, a spoofed source) is served, but its sender is only pinged back,
    never added; a sender that answers the ping with the same id is added."""
    silent_id = b"s" * 20
    raw.request(node.address, "find_node", [silent_id, b"k" * 20])
    assert isinstance(await raw.reply(), list)  # served
    deadline = time.monotonic() + 2 * FAST.rpc_timeout_s
    ping = None
    while ping is None and time.monotonic() < deadline:
        data, _ = await asyncio.wait_for(raw.replies.get(), 2.0)
        if data[:1] == bytes((REQUEST,)):
            ping = umsgpack.unpackb(data[21:])
    assert ping is not None and ping[0] == "ping"  # pinged back, left unanswered
    await asyncio.sleep(FAST.rpc_timeout_s + 0.2)
    assert all(nid != silent_id for nid, _, _ in node.neighbours())

    peer = DhtNode(FAST, JsonRecordPolicy([JsonSigner()]))
    await peer.start()
    try:
        assert peer.protocol is not None
        await peer.protocol.request(node.address, "find_node", [peer.node_id, b"k" * 20])
        for _ in range(50):
            if any(nid == peer.node_id for nid, _, _ in node.neighbours()):
                break
            await asyncio.sleep(0.02)
        assert (peer.node_id, *peer.address) in node.neighbours()
    finally:
        await peer.stop()
