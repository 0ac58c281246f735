"""Durable record store: SQLite (WAL), single values and provider sets.

A write returns only after its transaction committed. WAL with
synchronous=NORMAL: a committed transaction is in the WAL file (in the OS
page cache at least) before the call returns, so an acknowledged record
survives kill -9 of the process; only a power loss could lose the last
commits, which the other holders of the record cover. Expiry is
the record's own ``expires_at_us``; expired rows are never returned and are
purged in the background. The total number of rows is capped: a write over
the cap raises ``StoreFull`` naming the cap. Rows this node published itself
are flagged ``mine`` so the node republishes them (and only them).

It also implements the package's ``IStorage`` interface for single-value
records (``store[key] = raw`` validates through the policy first).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from kademlia.storage import IStorage

from services.core.errors import SeqConflict, StoreFull
from services.core.records.model import u64_from_sqlite, u64_to_sqlite
from services.core.records.policy import RecordInfo, RecordPolicy

_SCHEMA = """
CREATE TABLE IF NOT EXISTS records (
    dht_key BLOB PRIMARY KEY, namespace TEXT NOT NULL, signer BLOB NOT NULL,
    seq INTEGER NOT NULL, issued_at_us INTEGER NOT NULL, expires_at_us INTEGER NOT NULL,
    signature BLOB NOT NULL, raw BLOB NOT NULL, mine INTEGER NOT NULL,
    stored_at_us INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS providers (
    dht_key BLOB NOT NULL, signer BLOB NOT NULL, namespace TEXT NOT NULL,
    seq INTEGER NOT NULL, issued_at_us INTEGER NOT NULL, expires_at_us INTEGER NOT NULL,
    signature BLOB NOT NULL, raw BLOB NOT NULL, mine INTEGER NOT NULL,
    stored_at_us INTEGER NOT NULL, PRIMARY KEY (dht_key, signer)
);
CREATE INDEX IF NOT EXISTS records_expiry ON records (expires_at_us);
CREATE INDEX IF NOT EXISTS providers_expiry ON providers (expires_at_us);
"""

_COLS = "namespace, dht_key, signer, seq, issued_at_us, expires_at_us, signature, raw"

Row = tuple[str, bytes, bytes, int, int, int, bytes, bytes]


def now_us() -> int:
    return time.time_ns() // 1000


def _info(row: Row, multi: bool) -> RecordInfo:
    ns, key, signer, seq, iat, exp, sig, raw = row
    return RecordInfo(
        ns, bytes(key), bytes(signer), u64_from_sqlite(seq), iat, exp, bytes(sig), multi, bytes(raw)
    )


class RecordStore(IStorage):  # type: ignore[misc]
    """SQLite-backed record store; see the module docstring."""

    def __init__(self, path: Path | None, max_records: int, policy: RecordPolicy) -> None:
        self._path = path
        self._max = max_records
        self._policy = policy
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(path) if path else ":memory:", isolation_level=None)
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._count = self._count_rows()

    # -- counts and capacity --------------------------------------------------

    def _count_rows(self) -> int:
        a = self._db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        b = self._db.execute("SELECT COUNT(*) FROM providers").fetchone()[0]
        return int(a) + int(b)

    def __len__(self) -> int:
        return self._count

    @property
    def max_records(self) -> int:
        return self._max

    def _make_room(self) -> None:
        if self._count < self._max:
            return
        self.purge_expired()
        if self._count >= self._max:
            raise StoreFull(
                f"record store full: cap of {self._max} records reached; "
                "refusing new records until some expire"
            )

    def purge_expired(self, at_us: int | None = None) -> int:
        """Delete expired rows; the number deleted."""
        t = now_us() if at_us is None else at_us
        with self._db:
            a = self._db.execute("DELETE FROM records WHERE expires_at_us <= ?", (t,)).rowcount
            b = self._db.execute("DELETE FROM providers WHERE expires_at_us <= ?", (t,)).rowcount
        self._count -= a + b
        return int(a + b)

    # -- single-value records -------------------------------------------------

    def get_info(self, key: bytes, at_us: int | None = None) -> RecordInfo | None:
        t = now_us() if at_us is None else at_us
        row = self._db.execute(
            f"SELECT {_COLS} FROM records WHERE dht_key = ? AND expires_at_us > ?", (key, t)
        ).fetchone()
        return None if row is None else _info(row, False)

    def put_single(self, info: RecordInfo, *, mine: bool, only_newer: bool = False) -> bool:
        """Store ``info`` (already validated) unless a better one is held.

        True when stored or identical to the held record; False when the
        held record is better, or with ``only_newer`` of the same seq or
        higher whichever is better. Raises ``StoreFull`` at the cap.
        """
        held = self.get_info(info.dht_key)
        if held is not None:
            if held.raw == info.raw:
                if mine:
                    self._set_mine("records", info.dht_key, None)
                return True
            if only_newer and held.seq >= info.seq:
                return False
            if not self._policy.better(info, held):
                return False
        else:
            self._make_room()
        existed = self._db.execute(
            "SELECT 1 FROM records WHERE dht_key = ?", (info.dht_key,)
        ).fetchone()
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO records (namespace, dht_key, signer, seq, issued_at_us,"
                " expires_at_us, signature, raw, mine, stored_at_us)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
                " COALESCE((SELECT mine FROM records WHERE dht_key = ?), 0) | ?, ?)",
                (*_values(info), info.dht_key, int(mine), now_us()),
            )
        if existed is None:
            self._count += 1
        return True

    def held_seq(self, key: bytes) -> int | None:
        held = self.get_info(key)
        return None if held is None else held.seq

    def put_single_or_raise(
        self, info: RecordInfo, *, mine: bool, only_newer: bool = False
    ) -> None:
        if not self.put_single(info, mine=mine, only_newer=only_newer):
            seq = self.held_seq(info.dht_key) or 0
            raise SeqConflict(
                f"a newer or competing record is held for this key (held seq {seq}, "
                f"offered seq {info.seq})",
                current_seq=seq,
            )

    # -- provider sets --------------------------------------------------------

    def get_providers(self, key: bytes, limit: int, at_us: int | None = None) -> list[RecordInfo]:
        """Unexpired provider records of ``key``, newest first."""
        t = now_us() if at_us is None else at_us
        rows = self._db.execute(
            f"SELECT {_COLS} FROM providers WHERE dht_key = ? AND expires_at_us > ?"
            " ORDER BY issued_at_us DESC, seq DESC LIMIT ?",
            (key, t, limit),
        ).fetchall()
        return [_info(r, True) for r in rows]

    def get_provider(self, key: bytes, signer: bytes) -> RecordInfo | None:
        """The unexpired record of ``signer`` in ``key``'s set, if held."""
        row = self._db.execute(
            f"SELECT {_COLS} FROM providers WHERE dht_key = ? AND signer = ? AND expires_at_us > ?",
            (key, signer, now_us()),
        ).fetchone()
        return None if row is None else _info(row, True)

    def put_provider(self, info: RecordInfo, *, mine: bool) -> bool:
        """Add or replace the record of (key, signer); capped per key.

        At the cap a new signer replaces the soonest-expiring record if it
        expires later; otherwise it is refused (False).
        """
        t = now_us()
        row = self._db.execute(
            f"SELECT {_COLS} FROM providers WHERE dht_key = ? AND signer = ? AND expires_at_us > ?",
            (info.dht_key, info.signer, t),
        ).fetchone()
        evict: bytes | None = None
        if row is not None:
            held = _info(row, True)
            if held.raw == info.raw:
                if mine:
                    self._set_mine("providers", info.dht_key, info.signer)
                return True
            if not self._policy.better(info, held):
                return False
        else:
            with self._db:
                self._count -= self._db.execute(
                    "DELETE FROM providers WHERE dht_key = ? AND signer = ?",
                    (info.dht_key, info.signer),
                ).rowcount
            cap = self._policy.set_cap(info.namespace)
            live = self._db.execute(
                "SELECT signer, expires_at_us FROM providers WHERE dht_key = ? AND"
                " expires_at_us > ? ORDER BY expires_at_us ASC",
                (info.dht_key, t),
            ).fetchall()
            if len(live) >= cap:
                if live[0][1] >= info.expires_at_us:
                    return False
                evict = bytes(live[0][0])
            else:
                self._make_room()
        with self._db:
            if evict is not None:
                self._count -= self._db.execute(
                    "DELETE FROM providers WHERE dht_key = ? AND signer = ?",
                    (info.dht_key, evict),
                ).rowcount
            if row is None:
                self._count += 1
            self._db.execute(
                "INSERT OR REPLACE INTO providers (namespace, dht_key, signer, seq, issued_at_us,"
                " expires_at_us, signature, raw, mine, stored_at_us)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_values(info), int(mine), now_us()),
            )
        return True

    # -- republishing and hand-off --------------------------------------------

    def mine(self, at_us: int | None = None) -> list[RecordInfo]:
        """Unexpired records this node published itself."""
        t = now_us() if at_us is None else at_us
        a = self._db.execute(
            f"SELECT {_COLS} FROM records WHERE mine = 1 AND expires_at_us > ?", (t,)
        ).fetchall()
        b = self._db.execute(
            f"SELECT {_COLS} FROM providers WHERE mine = 1 AND expires_at_us > ?", (t,)
        ).fetchall()
        return [_info(r, False) for r in a] + [_info(r, True) for r in b]

    def keys(self, at_us: int | None = None) -> list[bytes]:
        """Distinct keys with at least one unexpired record."""
        t = now_us() if at_us is None else at_us
        rows = self._db.execute(
            "SELECT dht_key FROM records WHERE expires_at_us > ?"
            " UNION SELECT dht_key FROM providers WHERE expires_at_us > ?",
            (t, t),
        ).fetchall()
        return [bytes(r[0]) for r in rows]

    def records_for(self, key: bytes, at_us: int | None = None) -> list[RecordInfo]:
        """Every unexpired record held under ``key`` (single and providers)."""
        single = self.get_info(key, at_us)
        return ([single] if single else []) + self.get_providers(key, 1 << 30, at_us)

    def _set_mine(self, table: str, key: bytes, signer: bytes | None) -> None:
        with self._db:
            if signer is None:
                self._db.execute(f"UPDATE {table} SET mine = 1 WHERE dht_key = ?", (key,))
            else:
                self._db.execute(
                    f"UPDATE {table} SET mine = 1 WHERE dht_key = ? AND signer = ?", (key, signer)
                )

    def delete(self, key: bytes) -> int:
        """Drop every record held under ``key``; the number dropped."""
        with self._db:
            a = self._db.execute("DELETE FROM records WHERE dht_key = ?", (key,)).rowcount
            b = self._db.execute("DELETE FROM providers WHERE dht_key = ?", (key,)).rowcount
        self._count -= a + b
        return int(a + b)

    def close(self) -> None:
        self._db.close()

    # -- the package's IStorage interface (single values) ---------------------

    def __setitem__(self, key: bytes, value: bytes) -> None:
        info = self._policy.check(key, value, now_us())
        if info.multi:
            self.put_provider(info, mine=False)
        else:
            self.put_single(info, mine=False)

    def __getitem__(self, key: bytes) -> bytes:
        info = self.get_info(key)
        if info is None:
            raise KeyError(key)
        return info.raw

    def get(self, key: bytes, default: bytes | None = None) -> bytes | None:
        info = self.get_info(key)
        return default if info is None else info.raw

    def iter_older_than(self, seconds_old: float) -> list[tuple[bytes, bytes]]:
        cutoff = now_us() - int(seconds_old * 1_000_000)
        rows = self._db.execute(
            "SELECT dht_key, raw FROM records WHERE stored_at_us <= ? AND expires_at_us > ?",
            (cutoff, now_us()),
        ).fetchall()
        return [(bytes(k), bytes(v)) for k, v in rows]

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        rows = self._db.execute(
            "SELECT dht_key, raw FROM records WHERE expires_at_us > ?", (now_us(),)
        ).fetchall()
        return iter([(bytes(k), bytes(v)) for k, v in rows])


def _values(info: RecordInfo) -> tuple[str, bytes, bytes, int, int, int, bytes, bytes]:
    return (
        info.namespace,
        info.dht_key,
        info.signer,
        u64_to_sqlite(info.seq),
        info.issued_at_us,
        info.expires_at_us,
        info.signature,
        info.raw,
    )
