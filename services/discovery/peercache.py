"""The persistent peer cache: SQLite (WAL) on disk, mirrored in Redis.

Disk is this node's own memory across restarts; Redis is shared by the
three services and is never the source of truth (entries read back are
validated like any other input). Both sit behind ``PeerStore``.
"""

from __future__ import annotations

import asyncio
import json
import math
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from services.core.cache import Cache
from services.core.errors import InvalidArgument
from services.core.logging import get_logger
from services.discovery import constants as k
from services.discovery.addresses import check_ip, check_port
from services.discovery.model import Peer, Source, State

log = get_logger(__name__)

_COLUMNS = (
    "key, host, port, node_id, source, first_seen_us, last_seen_us, failures, "
    "successes, total_failures, rtt_ms, score"
)


class PeerStore(Protocol):
    """Where the peer book is kept between runs."""

    async def load(self) -> list[Peer]: ...

    async def save(self, peers: Sequence[Peer]) -> bool: ...


def peer_to_dict(peer: Peer) -> dict[str, Any]:
    return {
        "host": peer.host,
        "port": peer.port,
        "node_id": peer.node_id.hex(),
        "source": int(peer.source),
        "first_seen_us": peer.first_seen_us,
        "last_seen_us": peer.last_seen_us,
        "failures": peer.failures,
        "successes": peer.successes,
        "total_failures": peer.total_failures,
        "rtt_ms": peer.rtt_ms,
        "score": peer.score,
    }


def peer_from_dict(raw: dict[str, Any]) -> Peer:
    """A peer read from a cache, every field checked; ValueError/KeyError/
    TypeError/InvalidArgument when anything is off."""
    node_id = bytes.fromhex(str(raw["node_id"]))
    if node_id and len(node_id) != k.NODE_ID_BYTES:
        raise ValueError("bad node id length")
    ints = {
        name: int(raw[name])
        for name in ("first_seen_us", "last_seen_us", "failures", "successes", "total_failures")
    }
    if any(v < 0 for v in ints.values()):
        raise ValueError("negative counter")
    rtt = float(raw["rtt_ms"])
    if not math.isfinite(rtt) or rtt < 0:
        raise ValueError("bad rtt")
    peer = Peer(
        host=check_ip(str(raw["host"])),
        port=check_port(int(raw["port"])),
        source=Source(int(raw["source"])),
        node_id=node_id,
        state=State.SUSPECT,
        rtt_ms=rtt,
        **ints,
    )
    peer.rescore()
    return peer


def _valid(raw: dict[str, Any]) -> Peer | None:
    try:
        return peer_from_dict(raw)
    except (ValueError, KeyError, TypeError, InvalidArgument):
        return None


class SqlitePeerStore:
    """The on-disk cache: one table, replaced in one transaction per save."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(
                "CREATE TABLE IF NOT EXISTS peers (key TEXT PRIMARY KEY, host TEXT NOT NULL, "
                "port INTEGER NOT NULL, node_id TEXT NOT NULL, source INTEGER NOT NULL, "
                "first_seen_us INTEGER NOT NULL, last_seen_us INTEGER NOT NULL, "
                "failures INTEGER NOT NULL, successes INTEGER NOT NULL, "
                "total_failures INTEGER NOT NULL, rtt_ms REAL NOT NULL, score REAL NOT NULL)"
            )

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=5.0)
        db.execute("PRAGMA synchronous=NORMAL")
        return db

    def _load(self) -> list[Peer]:
        db = self._connect()
        try:
            db.row_factory = sqlite3.Row
            rows = db.execute(f"SELECT {_COLUMNS} FROM peers ORDER BY score DESC").fetchall()
        finally:
            db.close()
        peers = [_valid(dict(row)) for row in rows]
        return [p for p in peers if p is not None]

    def _save(self, peers: Sequence[Peer]) -> None:
        db = self._connect()
        try:
            with db:
                db.execute("DELETE FROM peers")
                db.executemany(
                    f"INSERT INTO peers ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                    [
                        (
                            p.key,
                            p.host,
                            p.port,
                            p.node_id.hex(),
                            int(p.source),
                            p.first_seen_us,
                            p.last_seen_us,
                            p.failures,
                            p.successes,
                            p.total_failures,
                            p.rtt_ms,
                            p.score,
                        )
                        for p in peers
                    ],
                )
        finally:
            db.close()

    async def load(self) -> list[Peer]:
        try:
            return await asyncio.to_thread(self._load)
        except sqlite3.Error as exc:
            log.warning("peer_cache_unreadable", path=str(self.path), error=str(exc))
            return []

    async def save(self, peers: Sequence[Peer]) -> bool:
        try:
            await asyncio.to_thread(self._save, list(peers))
            return True
        except sqlite3.Error as exc:
            log.warning("peer_cache_write_failed", path=str(self.path), error=str(exc))
            return False


class RedisPeerStore:
    """The shared cache: a sorted set of ``host:port`` by score plus one JSON
    value per peer. Best effort; a down Redis loads nothing and saves nothing."""

    def __init__(self, cache: Cache, load_max: int = k.REDIS_LOAD_MAX) -> None:
        self.cache = cache
        self.load_max = load_max
        self._written: set[str] = set()

    async def load(self) -> list[Peer]:
        rows = await self.cache.zrange_by_score(
            k.REDIS_KIND,
            k.REDIS_INDEX_KEY,
            float("-inf"),
            float("inf"),
            count=self.load_max,
            descending=True,
        )
        if not rows:
            return []
        values = await self.cache.get_many(k.REDIS_KIND, [member for member, _ in rows])
        peers: list[Peer] = []
        for value in values:
            if value is None:
                continue
            try:
                raw = json.loads(value)
            except (ValueError, UnicodeDecodeError):
                continue
            peer = _valid(raw) if isinstance(raw, dict) else None
            if peer is not None:
                peers.append(peer)
        return peers

    async def save(self, peers: Sequence[Peer]) -> bool:
        keys = {p.key for p in peers}
        gone = sorted(self._written - keys)
        ok = await self.cache.zadd(k.REDIS_KIND, k.REDIS_INDEX_KEY, {p.key: p.score for p in peers})
        for peer in peers:
            body = json.dumps(peer_to_dict(peer), separators=(",", ":")).encode()
            ok = await self.cache.set(k.REDIS_KIND, peer.key, body, k.REDIS_TTL_S) and ok
        if gone:
            await self.cache.zrem(k.REDIS_KIND, k.REDIS_INDEX_KEY, gone)
            for key in gone:
                await self.cache.delete(k.REDIS_KIND, key)
        if ok:
            self._written = keys
        return ok
