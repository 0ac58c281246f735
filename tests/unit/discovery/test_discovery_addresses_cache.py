"""Address validation and the on-disk peer cache (SQLite)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from services.core.errors import InvalidArgument
from services.discovery.addresses import check_host, parse_host_port
from services.discovery.model import Peer, Source, State
from services.discovery.peercache import SqlitePeerStore


@pytest.mark.parametrize(
    "host",
    ["", "bad_host", "a..b", "-a.b", "1.2.3.999", "0.0.0.0", "::", "ff02::1", "x" * 254, "a" * 64],
)
def test_bad_hosts_are_refused(host: str) -> None:
    """Garbage, unspecified, multicast and over-long hosts are InvalidArgument."""
    with pytest.raises(InvalidArgument):
        check_host(host)


def test_good_hosts_are_normalised() -> None:
    """IP literals come back in normal form; host names in lower case without the dot."""
    assert check_host("::0001") == "::1"
    assert check_host("Seed.Example.") == "seed.example"
    assert parse_host_port("[::1]:8468") == ("::1", 8468)
    with pytest.raises(InvalidArgument, match="out of range"):
        parse_host_port("127.0.0.1:0")


async def test_sqlite_cache_round_trip_skips_bad_rows(tmp_path: Path) -> None:
    """Saved peers load back (as SUSPECT, scores recomputed); a corrupted row is skipped."""
    store = SqlitePeerStore(tmp_path / "peers.sqlite3")
    peers = [
        Peer(
            "127.0.0.1", 4000 + i, Source.BOOTSTRAP, bytes([i]) * 20, State.LIVE, 1, 2, 0, 5, 1, 3.0
        )
        for i in range(3)
    ]
    for p in peers:
        p.rescore()
    assert await store.save(peers)
    with sqlite3.connect(tmp_path / "peers.sqlite3") as db:
        db.execute("UPDATE peers SET host = 'not an ip' WHERE port = 4001")
    loaded = await store.load()
    assert [p.port for p in loaded] == [4000, 4002]
    assert all(p.state == State.SUSPECT and p.successes == 5 for p in loaded)
    assert loaded[0].node_id == bytes([0]) * 20
    with sqlite3.connect(tmp_path / "peers.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.parametrize("entry", ["10.0.0.1:\u00b2", "host:\u0661\u0662", "host\n:80", "a.b\n:80"])
def test_non_ascii_ports_and_trailing_newlines_are_invalid_argument(entry: str) -> None:
    """Digits int() refuses and a newline that '$' would allow are refused
    as InvalidArgument, never a ValueError."""
    with pytest.raises(InvalidArgument):
        parse_host_port(entry)
