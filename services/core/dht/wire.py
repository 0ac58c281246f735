"""Datagram checks done before and while decoding: size, msgpack shape, ids.

Every inbound datagram goes through ``decode_datagram``; nothing untrusted
reaches the unpacker unless its size, nesting depth and object count are
within bounds, and nothing untrusted reaches the routing table unless
``parse_node_triple`` accepted it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

import msgpack

from services.core.dht.constants import (
    HEADER_BYTES,
    MAX_DATAGRAM_BYTES,
    MAX_MSGPACK_DEPTH,
    MAX_MSGPACK_ITEMS,
    NODE_ID_BYTES,
)

REQUEST = 0
RESPONSE = 1

# Fixed-size msgpack types: extra bytes after the type byte.
_FIXED = {
    0xCA: 4,  # float32
    0xCB: 8,  # float64
    0xCC: 1,
    0xCD: 2,
    0xCE: 4,
    0xCF: 8,  # uint8..64
    0xD0: 1,
    0xD1: 2,
    0xD2: 4,
    0xD3: 8,  # int8..64
}
# Length-prefixed bytes/strings: width of the length field.
_SIZED = {0xC4: 1, 0xC5: 2, 0xC6: 4, 0xD9: 1, 0xDA: 2, 0xDB: 4}
# Arrays and maps with an explicit count: (width, objects per count).
_CONTAINERS = {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}


@dataclass(frozen=True, slots=True)
class Datagram:
    kind: int
    msg_id: bytes
    body: Any


def msgpack_shape_ok(
    buf: bytes, max_depth: int = MAX_MSGPACK_DEPTH, max_items: int = MAX_MSGPACK_ITEMS
) -> bool:
    """True when ``buf`` is exactly one msgpack object within the bounds.

    A linear scan of the type headers with an explicit stack: it never
    recurses and never allocates per object, so a hostile packet costs at
    most one pass over at most ``MAX_DATAGRAM_BYTES`` bytes. Extension types
    are refused (no message of ours uses them).
    """
    n = len(buf)
    pos = 0
    items = 0
    stack = [1]
    while stack:
        if stack[-1] == 0:
            stack.pop()
            continue
        stack[-1] -= 1
        if pos >= n:
            return False
        b = buf[pos]
        pos += 1
        items += 1
        if items > max_items:
            return False
        count = 0
        if b <= 0x7F or b >= 0xE0 or b in (0xC0, 0xC2, 0xC3):
            pass
        elif b <= 0x8F:
            count = 2 * (b & 0x0F)
        elif b <= 0x9F:
            count = b & 0x0F
        elif b <= 0xBF:
            pos += b & 0x1F
        elif b in _FIXED:
            pos += _FIXED[b]
        elif b in _SIZED:
            width = _SIZED[b]
            if pos + width > n:
                return False
            pos += width + int.from_bytes(buf[pos : pos + width], "big")
        elif b in _CONTAINERS:
            width, per = _CONTAINERS[b]
            if pos + width > n:
                return False
            count = per * int.from_bytes(buf[pos : pos + width], "big")
            pos += width
        else:
            return False
        if count:
            if len(stack) > max_depth or count > max_items:
                return False
            stack.append(count)
    return pos == n


def decode_datagram(data: bytes) -> Datagram | None:
    """The decoded datagram, or None when it is malformed in any way."""
    if len(data) <= HEADER_BYTES or len(data) > MAX_DATAGRAM_BYTES:
        return None
    kind = data[0]
    if kind not in (REQUEST, RESPONSE):
        return None
    payload = data[HEADER_BYTES:]
    if not msgpack_shape_ok(payload):
        return None
    try:
        body = msgpack.unpackb(payload, raw=False, strict_map_key=False)
    except Exception:
        return None
    return Datagram(kind, bytes(data[1:HEADER_BYTES]), body)


def encode(kind: int, msg_id: bytes, body: Any) -> bytes:
    """One datagram; may exceed ``MAX_DATAGRAM_BYTES`` (callers check)."""
    packed: bytes = msgpack.packb(body, use_bin_type=True)
    return bytes((kind,)) + msg_id + packed


def valid_node_id(value: object) -> bool:
    """True for exactly 20 bytes: anything else never reaches the routing table."""
    return isinstance(value, bytes) and len(value) == NODE_ID_BYTES


def valid_key(value: object) -> bool:
    """DHT keys have the node-id shape."""
    return valid_node_id(value)


def valid_ip(value: object) -> bool:
    if not isinstance(value, str) or len(value) > 45:
        return False
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def valid_port(value: object) -> bool:
    return type(value) is int and 1 <= value <= 65535


def parse_node_triple(value: object) -> tuple[bytes, str, int] | None:
    """(id, ip, port) from a find_* reply, or None when any field is bad."""
    if not isinstance(value, list | tuple) or len(value) != 3:
        return None
    node_id, ip, port = value
    if not (valid_node_id(node_id) and valid_ip(ip) and valid_port(port)):
        return None
    return node_id, ip, port


def subnet_of(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) an address belongs to, for diversity limits."""
    addr = ipaddress.ip_address(ip)
    prefix = 24 if addr.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
