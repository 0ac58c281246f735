"""The durable store of accepted handle records and their history.

``HandleStore`` is what the registry needs; ``SqliteHandleStore`` keeps it
in one SQLite file (WAL, so a ``kill -9`` loses no committed write). Every
record a registry accepts or reads back from the DHT is kept, so a registry
that restarts serves every handle it knew, including their history.

Several records may share one (handle, seq) after a network partition; the
current record and each history step are the best by the DHT's selection
order (higher seq, earlier issued_at, smaller signature).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Protocol

from services.core.records import model
from services.handles.model import HandleEntry, entry_of

_SCHEMA = """
CREATE TABLE IF NOT EXISTS handle_records (
    handle TEXT NOT NULL,
    seq INTEGER NOT NULL,
    issued_at_us INTEGER NOT NULL,
    signature BLOB NOT NULL,
    owner BLOB NOT NULL,
    alias TEXT NOT NULL,
    raw BLOB NOT NULL,
    PRIMARY KEY (handle, seq, issued_at_us, signature)
);
CREATE INDEX IF NOT EXISTS handle_records_owner ON handle_records (owner);
CREATE INDEX IF NOT EXISTS handle_records_alias ON handle_records (alias);
"""

#: The best record of each (handle, seq): selection order of the DHT.
_BEST_PER_SEQ = """
SELECT raw FROM (
    SELECT raw, seq, ROW_NUMBER() OVER (
        PARTITION BY seq ORDER BY issued_at_us ASC, signature ASC
    ) AS rank
    FROM handle_records WHERE handle = ?
) WHERE rank = 1 ORDER BY seq ASC LIMIT ? OFFSET ?
"""

_CURRENT = """
SELECT raw FROM handle_records WHERE handle = ?
ORDER BY seq DESC, issued_at_us ASC, signature ASC LIMIT 1
"""

_CANDIDATES_BY = "SELECT DISTINCT handle FROM handle_records WHERE {column} = ? ORDER BY handle"


class HandleStore(Protocol):
    """What the registry keeps durably."""

    def put(self, entry: HandleEntry) -> bool:
        """Keep ``entry``; False when it was held already."""
        ...

    def current(self, handle: str) -> HandleEntry | None:
        """The best record held for ``handle`` (expired or released included)."""
        ...

    def history(self, handle: str, offset: int, limit: int) -> list[HandleEntry]:
        """The best record of each seq of ``handle``, oldest first."""
        ...

    def handles_once_owned_by(self, owner: bytes) -> list[str]:
        """Handles any held record gives to ``owner`` (the caller checks the
        current record)."""
        ...

    def handles_once_aliased(self, alias: str) -> list[str]:
        """Handles any held record gave ``alias`` (the caller checks)."""
        ...

    def close(self) -> None: ...


class SqliteHandleStore:
    """HandleStore in one SQLite file in WAL mode."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a committed transaction survives a process crash (kill -9);
            # only a power loss may drop the last few, which the DHT still holds.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)

    def put(self, entry: HandleEntry) -> bool:
        record = entry.record
        with self._lock:
            cursor = self._db.execute(
                "INSERT OR IGNORE INTO handle_records "
                "(handle, seq, issued_at_us, signature, owner, alias, raw) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    entry.handle,
                    record.seq,
                    record.issued_at_us,
                    record.signature,
                    entry.owner,
                    entry.payload.alias,
                    record.encode(),
                ),
            )
            return cursor.rowcount == 1

    def current(self, handle: str) -> HandleEntry | None:
        with self._lock:
            row = self._db.execute(_CURRENT, (handle,)).fetchone()
        return None if row is None else entry_of(model.decode(row[0]))

    def history(self, handle: str, offset: int, limit: int) -> list[HandleEntry]:
        with self._lock:
            rows = self._db.execute(_BEST_PER_SEQ, (handle, limit, offset)).fetchall()
        return [entry_of(model.decode(row[0])) for row in rows]

    def handles_once_owned_by(self, owner: bytes) -> list[str]:
        with self._lock:
            rows = self._db.execute(_CANDIDATES_BY.format(column="owner"), (owner,)).fetchall()
        return [str(row[0]) for row in rows]

    def handles_once_aliased(self, alias: str) -> list[str]:
        with self._lock:
            rows = self._db.execute(_CANDIDATES_BY.format(column="alias"), (alias,)).fetchall()
        return [str(row[0]) for row in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()
