"""Datagram checks before unpacking: size, msgpack shape, node ids (notes, behaviour 4)."""

from __future__ import annotations

import umsgpack

from services.core.dht.constants import MAX_DATAGRAM_BYTES, MAX_MSGPACK_DEPTH
from services.core.dht.wire import (
    REQUEST,
    decode_datagram,
    encode,
    msgpack_shape_ok,
    parse_node_triple,
    subnet_of,
)


def test_shape_accepts_every_message_we_send() -> None:
    """Requests and replies of every rpc pass the shape check unchanged."""
    samples = [
        ["ping", [b"x" * 20]],
        ["store", [b"x" * 20, b"k" * 20, b"v" * 7000]],
        [(b"i" * 20, "127.0.0.1", 8468)] * 20,
        {"value": b"r" * 500},
        {"providers": [b"p" * 300] * 10, "nodes": [(b"i" * 20, "::1", 1)] * 20},
        {"refused": "invalid"},
        True,
        None,
        -5,
        2**63,
        1.5,
    ]
    for body in samples:
        assert msgpack_shape_ok(umsgpack.packb(body)), body


def test_shape_rejects_deep_nesting_without_recursing() -> None:
    """60,000-deep nesting is refused by a linear scan (no RecursionError, no unpack)."""
    deep = b"\x91" * 60_000 + b"\xc0"
    assert not msgpack_shape_ok(deep)
    nested = umsgpack.packb([[[[[[[[[[1]]]]]]]]]])
    assert not msgpack_shape_ok(nested)
    ok = b"\x91" * (MAX_MSGPACK_DEPTH - 1) + b"\xc0"
    assert msgpack_shape_ok(ok)


def test_shape_rejects_truncated_trailing_and_huge_counts() -> None:
    """Truncated payloads, trailing bytes, claimed counts beyond the data, ext types."""
    good = umsgpack.packb(["find_node", [b"a" * 20, b"b" * 20]])
    assert not msgpack_shape_ok(good[:-3])
    assert not msgpack_shape_ok(good + b"\x00")
    assert not msgpack_shape_ok(b"\xdd\xff\xff\xff\xff")  # array32 of 4 billion
    assert not msgpack_shape_ok(b"\xc6\xff\xff\xff\xff")  # bin32 longer than the data
    assert not msgpack_shape_ok(b"\xd4\x01\x00")  # fixext1
    assert not msgpack_shape_ok(b"\xc1")  # never-used byte
    assert not msgpack_shape_ok(b"")
    assert not msgpack_shape_ok(umsgpack.packb(list(range(5000))))  # too many objects


def test_decode_datagram_refuses_oversized_and_short() -> None:
    """Over 8192 bytes or under the 21-byte header: refused before any unpacking."""
    assert decode_datagram(b"\x00" * 21) is None
    big = encode(REQUEST, b"m" * 20, ["store", [b"v" * MAX_DATAGRAM_BYTES]])
    assert decode_datagram(big) is None
    assert decode_datagram(b"\x07" + b"m" * 20 + umsgpack.packb(1)) is None
    ok = decode_datagram(encode(REQUEST, b"m" * 20, ["ping", [b"i" * 20]]))
    assert ok is not None and ok.body == ["ping", [b"i" * 20]]


def test_decode_datagram_refuses_invalid_utf8_string() -> None:
    """A str with invalid UTF-8 is malformed, not an exception."""
    assert decode_datagram(b"\x00" + b"m" * 20 + b"\xa2\xff\xfe") is None


def test_node_triples_need_20_byte_ids_ip_literals_and_ports() -> None:
    """1-byte and 100-byte ids, host names, bad ports are refused."""
    assert parse_node_triple([b"i" * 20, "127.0.0.1", 9]) == (b"i" * 20, "127.0.0.1", 9)
    assert parse_node_triple([b"i", "127.0.0.1", 9]) is None
    assert parse_node_triple([b"i" * 100, "127.0.0.1", 9]) is None
    assert parse_node_triple([b"i" * 20, "example.com", 9]) is None
    assert parse_node_triple([b"i" * 20, "127.0.0.1", 0]) is None
    assert parse_node_triple([b"i" * 20, "127.0.0.1", True]) is None
    assert parse_node_triple([b"i" * 20, "127.0.0.1"]) is None
    assert parse_node_triple("x") is None


def test_subnet_of_groups_by_24_and_48() -> None:
    """IP diversity groups IPv4 by /24 and IPv6 by /48."""
    assert subnet_of("10.1.2.3") == subnet_of("10.1.2.200") != subnet_of("10.1.3.1")
    assert subnet_of("2001:db8:1::1") == subnet_of("2001:db8:1:ffff::1")
    assert subnet_of("2001:db8:1::1") != subnet_of("2001:db8:2::1")
