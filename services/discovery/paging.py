"""Opaque ListPeers page tokens: a keyset cursor (score and key of the last
peer sent) bound to the filter, MAC'd with a per-process secret, base64url.

A token that was altered, belongs to another filter, or comes from before
a restart is refused with InvalidArgument; it never reaches a query.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

from services.core.errors import InvalidArgument
from services.discovery import constants as k

_MAC_BYTES = 16


@dataclass(frozen=True, slots=True)
class Cursor:
    """Position after the last peer of a page: its ranking key."""

    score: float
    tie: str


def filter_digest(sources: Iterable[int], states: Iterable[int]) -> str:
    text = ",".join(map(str, sorted(set(sources)))) + "|" + ",".join(map(str, sorted(set(states))))
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


class PageTokens:
    """Issues and checks page tokens for one process."""

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or os.urandom(32)

    def _mac(self, body: bytes) -> bytes:
        return hmac.new(self._secret, body, hashlib.sha256).digest()[:_MAC_BYTES]

    def issue(self, cursor: Cursor, digest: str) -> str:
        body = json.dumps([cursor.score, cursor.tie, digest], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(self._mac(body) + body).decode().rstrip("=")

    def check(self, token: str, digest: str) -> Cursor:
        bad = InvalidArgument(
            "page_token is not valid: pass next_page_token from the previous ListPeers "
            "reply unchanged, with the same filters (tokens do not survive a restart)"
        )
        if len(token) > k.PAGE_TOKEN_MAX_CHARS:
            raise bad
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise bad from None
        mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, self._mac(body)):
            raise bad
        try:
            score, tie, token_digest = json.loads(body)
        except (ValueError, TypeError):
            raise bad from None
        if token_digest != digest:
            raise InvalidArgument(
                "page_token was issued for other filters: keep sources and states the same "
                "while paging"
            )
        if (
            not isinstance(score, float | int)
            or not math.isfinite(score)
            or not isinstance(tie, str)
        ):
            raise bad
        return Cursor(float(score), tie)
