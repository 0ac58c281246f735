"""Hostile peers for tests and benchmarks: forgers, replayers, oversize
senders and datagram flooders, plus a raw UDP peer to send anything.

A ``MaliciousNode`` routes like an honest node (so honest nodes add it to
their tables and ask it for values), accepts every STORE unchecked, and:

- ``forge``: answers find_value with a forged variant of the record it holds
  (made by the ``forge`` callable: higher seq, bad signature) and pushes
  that forgery to the nodes closest to the key;
- ``stale``: keeps the first version it saw of each key, serves it forever
  and, once a newer version arrives, replays the old one to the nodes
  closest to the key;
- ``oversize``: answers find_value with a datagram far over 8 KB.

Provider records get the same treatment, per (key, signer): a forger
answers get_providers with forgeries and spreads them with add_provider at
once; a replayer serves and, once superseded, spreads the first version it
saw of each signer's record; an oversize node answers with 60 KB.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import Awaitable, Callable
from typing import Any

import umsgpack
from kademlia.node import Node

from services.core.dht.config import DhtConfig
from services.core.dht.node import DhtNode
from services.core.dht.protocol import DhtProtocol
from services.core.dht.wire import REQUEST, RESPONSE, encode
from services.core.records.policy import RecordPolicy

Forge = Callable[[bytes], bytes]
KINDS = ("forge", "stale", "oversize")


class MaliciousProtocol(DhtProtocol):
    """See the module docstring."""

    kind = "forge"
    forge: Forge = staticmethod(lambda raw: raw)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first_seen: dict[bytes, bytes] = {}
        self.latest: dict[bytes, bytes] = {}
        self.replayed: set[bytes] = set()
        # Provider records by (key, signer): first version seen, latest one.
        self.first_provider: dict[tuple[bytes, bytes], bytes] = {}
        self.latest_provider: dict[tuple[bytes, bytes], bytes] = {}
        self.replayed_providers: set[tuple[bytes, bytes]] = set()
        self.attacks_sent = 0

    def _bad(self, first: bytes, latest: bytes) -> bytes:
        """What this node serves and spreads in place of a record whose
        versions it saw first as ``first`` and last as ``latest``."""
        if self.kind == "stale":
            return first
        if self.kind == "oversize":
            return os.urandom(60_000)
        return self.forge(latest)

    def _bad_single(self, key: bytes) -> bytes:
        return self._bad(self.first_seen[key], self.latest[key])

    def _bad_provider(self, slot: tuple[bytes, bytes]) -> bytes:
        return self._bad(self.first_provider[slot], self.latest_provider[slot])

    def rpc_store(self, sender: Any, nodeid: object, key: object, value: object) -> bool:
        self._welcome(sender, nodeid)
        if not isinstance(key, bytes) or not isinstance(value, bytes):
            return True
        fresh = key not in self.first_seen
        self.first_seen.setdefault(key, value)
        self.latest[key] = value
        superseded = self.kind == "stale" and value != self.first_seen[key]
        if (self.kind == "forge" and fresh) or (superseded and key not in self.replayed):
            self.replayed.add(key)
            # Forge at once; replay once superseded.
            self.spawn(self._spread(key, lambda: self._bad_single(key), self.call_store))
        return True

    def rpc_find_value(self, sender: Any, nodeid: object, key: object) -> Any:
        self._welcome(sender, nodeid)
        if isinstance(key, bytes) and key in self.first_seen:
            return {"value": self._bad_single(key)}
        return super().rpc_find_value(sender, nodeid, key)

    def rpc_add_provider(self, sender: Any, nodeid: object, key: object, value: object) -> bool:
        self._welcome(sender, nodeid)
        if not isinstance(key, bytes) or not isinstance(value, bytes):
            return True
        info = self.check_record(key, value)
        if info is None:
            return True
        slot = (key, info.signer)
        fresh = slot not in self.first_provider
        self.first_provider.setdefault(slot, value)
        self.latest_provider[slot] = value
        superseded = self.kind == "stale" and value != self.first_provider[slot]
        replay_due = superseded and slot not in self.replayed_providers
        if (self.kind == "forge" and fresh) or replay_due:
            self.replayed_providers.add(slot)
            self.spawn(self._spread(key, lambda: self._bad_provider(slot), self.call_add_provider))
        return True

    def rpc_get_providers(
        self, sender: Any, nodeid: object, key: object, limit: object, first: object = None
    ) -> Any:
        self._welcome(sender, nodeid)
        # The asked-for signer's bad record first, as an honest holder orders them.
        slots = sorted(
            (slot for slot in self.first_provider if slot[0] == key),
            key=lambda slot: slot[1] != first,
        )
        if not slots or not isinstance(key, bytes):
            return super().rpc_get_providers(sender, nodeid, key, limit, first)
        bad = [self._bad_provider(slot) for slot in slots]
        return {"providers": bad, "nodes": self._neighbours(sender, key)}

    def _reply(self, msg_id: bytes, reply: Any, address: Any) -> None:
        if self.kind == "oversize" and self.transport is not None:
            self.transport.sendto(encode(RESPONSE, msg_id, reply), address)
            return
        super()._reply(msg_id, reply, address)

    async def _spread(
        self,
        key: bytes,
        bad: Callable[[], bytes],
        call: Callable[[Node, bytes, bytes], Awaitable[bool]],
    ) -> None:
        """Send ``bad()`` (read after a short wait, when the newer version
        has landed) with ``call`` to the nodes this node knows closest to ``key``."""
        await asyncio.sleep(0.05)
        payload = bad()
        targets = self.router.find_neighbors(Node(key))
        self.attacks_sent += len(targets)
        await asyncio.gather(*(call(n, key, payload) for n in targets))


class MaliciousNode(DhtNode):
    """A DhtNode whose protocol is a ``MaliciousProtocol`` of ``kind``."""

    def __init__(
        self, config: DhtConfig, policy: RecordPolicy, *, kind: str, forge: Forge | None = None
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown malicious kind {kind!r}")
        super().__init__(config, policy)
        self.kind = kind
        self.forge = forge or (lambda raw: raw)

    def _create_protocol(self) -> DhtProtocol:
        proto = MaliciousProtocol(
            self.node,
            self.storage,
            self.ksize,
            config=self.config,
            policy=self.policy,
            counters=self.counters,
            on_new_node=self._on_new_node,
        )
        proto.kind = self.kind
        proto.forge = self.forge
        return proto


class RawPeer(asyncio.DatagramProtocol):
    """A bare UDP socket on 127.0.0.1 that sends anything and keeps replies."""

    def __init__(self) -> None:
        self.replies: asyncio.Queue[tuple[bytes, tuple[str, int]]] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None

    @classmethod
    async def open(cls) -> RawPeer:
        loop = asyncio.get_running_loop()
        _, peer = await loop.create_datagram_endpoint(cls, local_addr=("127.0.0.1", 0))
        return peer

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.replies.qsize() < 10_000:
            self.replies.put_nowait((data, addr))

    @property
    def address(self) -> tuple[str, int]:
        assert self.transport is not None
        sock = self.transport.get_extra_info("sockname")
        return (sock[0], sock[1])

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        self.transport.sendto(data, addr)

    def request(self, addr: tuple[str, int], name: str, args: list[Any]) -> bytes:
        """Send a request; returns its message id."""
        msg_id = os.urandom(20)
        self.send(encode(REQUEST, msg_id, [name, args]), addr)
        return msg_id

    async def reply(self, wait_s: float = 1.0) -> Any:
        """The body of the next response, skipping requests (None on timeout)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while True:
            try:
                data, _ = await asyncio.wait_for(
                    self.replies.get(), max(0.0, deadline - loop.time())
                )
            except TimeoutError:
                return None
            if data[:1] == bytes((RESPONSE,)):
                return umsgpack.unpackb(data[21:])

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


def junk_datagrams(rng: random.Random, count: int, node_id: bytes) -> list[bytes]:
    """``count`` random and malformed datagrams of many kinds."""
    mid = b"m" * 20
    makers: list[Callable[[], bytes]] = [
        lambda: bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200))),
        lambda: encode(REQUEST, mid, ["ping", [node_id]])[: rng.randint(1, 30)],
        lambda: b"\x00" + mid + b"\x91" * 5000 + b"\xc0",
        lambda: b"\x00" + mid + b"\xdd\xff\xff\xff\xff",
        lambda: encode(REQUEST, mid, ["ping", [b"x"]]),
        lambda: encode(REQUEST, mid, ["ping", [b"x" * 100]]),
        lambda: encode(REQUEST, mid, ["find_node", [node_id, 5]]),
        lambda: encode(REQUEST, mid, ["store", [node_id, b"k" * 20, [1, 2]]]),
        lambda: encode(REQUEST, mid, ["store", [node_id, b"k" * 20, {"a": 1}]]),
        lambda: encode(REQUEST, mid, ["no_such_rpc", []]),
        lambda: encode(REQUEST, mid, ["ping", "notalist"]),
        lambda: encode(RESPONSE, os.urandom(20), [1, 2, 3]),
        lambda: encode(REQUEST, mid, ["find_value", [os.urandom(20), os.urandom(20), 1, 2]]),
        lambda: b"\x00" + mid + os.urandom(9000),
    ]
    return [rng.choice(makers)() for _ in range(count)]
