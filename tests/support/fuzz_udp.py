"""Hypothesis strategies for hostile DHT datagrams (services/core/dht/wire.py):
random bytes, a header over msgpack-shaped garbage, RPCs of the right shape
with arguments of the wrong types, and valid datagrams truncated or with a
byte flipped. Also a synchronous sender that spreads datagrams over many
source sockets, so that per-source rate limiting does not hide them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from typing import Any

from hypothesis import strategies as st

from services.core.dht.constants import HEADER_BYTES, MAX_DATAGRAM_BYTES
from services.core.dht.wire import REQUEST, RESPONSE, decode_datagram, encode

#: RPC names the protocol answers, and some it must refuse.
RPC_NAMES = ["ping", "store", "find_node", "find_value", "add_provider", "get_providers"]
_BAD_NAMES = ["", "rpc_ping", "__init__", "__class__", "welcome", "PING", "ping\x00", "transport"]
#: Source sockets a flood is spread over: with the default limit of 400
#: datagrams/s per source, 32 sources take far more than a fuzz run sends.
SOURCES = 32

_atoms = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(),
    st.binary(max_size=40),
    st.sampled_from([20, 32]).flatmap(lambda n: st.binary(min_size=n, max_size=n)),
    st.text(max_size=20),
)
#: Any msgpack value: atoms in lists and maps, a few levels deep.
values = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers(0, 9)), inner, max_size=4),
    ),
    max_leaves=20,
)


def _header() -> st.SearchStrategy[bytes]:
    kinds = st.one_of(st.sampled_from([REQUEST, RESPONSE]), st.integers(0, 255))
    return st.builds(lambda k, m: bytes((k,)) + m, kinds, st.binary(min_size=20, max_size=20))


def rpc_datagrams(extra_args: list[Any] | None = None) -> st.SearchStrategy[bytes]:
    """Requests and responses of the right outer shape, any argument types."""
    names = st.one_of(st.sampled_from(RPC_NAMES + _BAD_NAMES), st.text(max_size=12))
    args = st.lists(st.one_of(values, st.sampled_from(extra_args or [None])), max_size=5)
    body = st.one_of(st.tuples(names, args).map(list), st.tuples(names, values).map(list), values)
    return st.builds(
        lambda kind, mid, b: encode(kind, mid, b),
        st.sampled_from([REQUEST, RESPONSE]),
        st.binary(min_size=20, max_size=20),
        body,
    )


def _damaged(raw: bytes, cut: int, flip: int, bit: int) -> bytes:
    if not raw:
        return raw
    out = bytearray(raw[: max(1, cut % (len(raw) + 1))])
    out[flip % len(out)] ^= 1 << bit
    return bytes(out)


def datagrams(extra_args: list[Any] | None = None) -> st.SearchStrategy[bytes]:
    """Every kind of hostile datagram (see the module docstring). ``extra_args``
    are values worth placing among RPC arguments (valid node ids, keys, records)."""
    packed = st.builds(
        lambda h, v: h + encode(REQUEST, b"m" * 20, v)[HEADER_BYTES:], _header(), values
    )
    rpcs = rpc_datagrams(extra_args)
    return st.one_of(
        st.binary(max_size=200),
        st.integers(MAX_DATAGRAM_BYTES - 2, MAX_DATAGRAM_BYTES + 2).map(os.urandom),
        packed,
        rpcs,
        st.builds(
            _damaged, rpcs, st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 7)
        ),
        st.builds(lambda h, n: h + b"\x91" * n + b"\xc0", _header(), st.integers(1, 8000)),
    )


class Sender:
    """Plain UDP sockets on 127.0.0.1 taking turns to send."""

    def __init__(self, count: int = SOURCES) -> None:
        self.socks = []
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind(("127.0.0.1", 0))
            sock.setblocking(False)
            self.socks.append(sock)
        self.sent = 0

    def send(self, data: bytes, addr: tuple[str, int]) -> None:
        sock = self.socks[self.sent % len(self.socks)]
        self.sent += 1
        # Too large for UDP, or the buffer is full: the packet is lost, as on a network.
        with contextlib.suppress(OSError):
            sock.sendto(data, addr)
        self._drain(sock)

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        """Drop the node's replies so the receive buffer never fills."""
        while True:
            try:
                sock.recv(65_536)
            except OSError:
                return

    def ping(self, addr: tuple[str, int], node_id: bytes, wait_s: float = 5.0) -> bool:
        """True when the node answers a well-formed ping within ``wait_s``."""
        sock = self.socks[0]
        self._drain(sock)
        mid = os.urandom(20)
        sock.sendto(encode(REQUEST, mid, ["ping", [node_id]]), addr)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65_536)
            except BlockingIOError:
                time.sleep(0.01)
                continue
            reply = decode_datagram(data)
            if reply is not None and reply.kind == RESPONSE and reply.msg_id == mid:
                return True
        return False

    def close(self) -> None:
        for sock in self.socks:
            sock.close()
