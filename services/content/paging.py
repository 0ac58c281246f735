"""ListContent page tokens.

A token is URL-safe base64 (no padding) of 50 bytes: a version byte, u64
since_us, u64 until_us (the window end as resolved by the first page, so
"until now" stays fixed while paging), the order byte and the 32-byte
HashTimer of the last entry sent (the cursor, exclusive). A token is only
accepted for the window and order it was issued for. It carries no secret:
a hand-made token can only move the cursor inside its own window.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from services.content import hashtimer
from services.content.constants import TOKEN_VERSION
from services.core.errors import InvalidArgument

_LAYOUT = struct.Struct(">BQQB32s")


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next page starts."""

    since_us: int
    until_us: int
    order: int
    #: HashTimer text of the last entry sent; the next page starts after it.
    after: str


def encode(cursor: Cursor) -> str:
    raw = _LAYOUT.pack(
        TOKEN_VERSION,
        cursor.since_us,
        cursor.until_us,
        cursor.order,
        bytes.fromhex(cursor.after),
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode(token: str, since_us: int, until_us: int, order: int) -> Cursor:
    """The cursor of ``token``, checked against the request's window and order."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        raise InvalidArgument("page_token is not a token from a previous page") from None
    if len(raw) != _LAYOUT.size:
        raise InvalidArgument("page_token is not a token from a previous page")
    version, since, until, token_order, after = _LAYOUT.unpack(raw)
    if version != TOKEN_VERSION:
        raise InvalidArgument("page_token is from an older version of the service")
    if since != since_us or order != token_order or (until_us not in (0, until)):
        raise InvalidArgument(
            "page_token was issued for another window or order; "
            "send the same since_us, until_us and order as for the first page"
        )
    return Cursor(
        since,
        until,
        order,
        hashtimer.HashTimer(
            int.from_bytes(after[: hashtimer.TIME_BYTES], "big"), after[hashtimer.TIME_BYTES :]
        ).hex,
    )
