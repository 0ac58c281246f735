"""The records this content service accepted or wrote, kept durably.

Every provider record, resource record and index page the service stores
goes here too: the republish loop stores them again before they expire, and
Provide reads the last accepted ``seq`` per (key, signer) from here without
a DHT lookup. One SQLite file in the service's data directory.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from services.core.records.model import u64_from_sqlite, u64_to_sqlite


@dataclass(frozen=True, slots=True)
class Published:
    """One record to keep alive."""

    dht_key: bytes
    signer: bytes
    raw: bytes
    seq: int
    expires_at_us: int
    stored_at_us: int


def _row(row: tuple[bytes, bytes, bytes, int, int, int]) -> Published:
    dht_key, signer, raw, seq, expires_at_us, stored_at_us = row
    return Published(dht_key, signer, raw, u64_from_sqlite(seq), expires_at_us, stored_at_us)


class PublishedStore:
    """(dht_key, signer) -> the latest record, with when it was last stored."""

    def __init__(self, path: Path | None) -> None:
        self._db = sqlite3.connect(
            ":memory:" if path is None else str(path), check_same_thread=False
        )
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS published (dht_key BLOB, signer BLOB, raw BLOB,"
                " seq INTEGER, expires_at_us INTEGER, stored_at_us INTEGER,"
                " PRIMARY KEY (dht_key, signer))"
            )

    def get(self, dht_key: bytes, signer: bytes) -> Published | None:
        with self._lock:
            row = self._db.execute(
                "SELECT dht_key, signer, raw, seq, expires_at_us, stored_at_us FROM published"
                " WHERE dht_key = ? AND signer = ?",
                (dht_key, signer),
            ).fetchone()
        return None if row is None else _row(row)

    def put(self, item: Published) -> None:
        with self._lock, self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO published VALUES (?, ?, ?, ?, ?, ?)",
                (
                    item.dht_key,
                    item.signer,
                    item.raw,
                    u64_to_sqlite(item.seq),
                    item.expires_at_us,
                    item.stored_at_us,
                ),
            )

    def due(self, now_us: int, fraction: float) -> list[Published]:
        """Unexpired records stored longer ago than ``fraction`` of their life."""
        with self._lock:
            rows = self._db.execute(
                "SELECT dht_key, signer, raw, seq, expires_at_us, stored_at_us FROM published"
                " WHERE expires_at_us > ? AND ? - stored_at_us >= (expires_at_us - stored_at_us)"
                " * ?",
                (now_us, now_us, fraction),
            ).fetchall()
        return [_row(row) for row in rows]

    def touch(self, dht_key: bytes, signer: bytes, stored_at_us: int) -> None:
        with self._lock, self._db:
            self._db.execute(
                "UPDATE published SET stored_at_us = ? WHERE dht_key = ? AND signer = ?",
                (stored_at_us, dht_key, signer),
            )

    def purge_expired(self, now_us: int) -> int:
        with self._lock, self._db:
            return self._db.execute(
                "DELETE FROM published WHERE expires_at_us <= ?", (now_us,)
            ).rowcount

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM published").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()
