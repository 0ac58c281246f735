"""DhtConfig validation and the JSON routing-table state (never pickle)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from services.core.dht.config import DhtConfig
from services.core.dht.state import load_state, save_state
from services.core.errors import InvalidArgument


def test_config_defaults_and_diversity_auto() -> None:
    """ksize 20, alpha 3, RPC timeout well under 5 s; diversity off on loopback, on elsewhere."""
    cfg = DhtConfig()
    assert (cfg.ksize, cfg.alpha) == (20, 3)
    assert cfg.rpc_timeout_s <= 1.0
    assert not cfg.diversity_enabled
    assert DhtConfig(host="0.0.0.0").diversity_enabled
    assert not DhtConfig(host="0.0.0.0", ip_diversity=False).diversity_enabled


@pytest.mark.parametrize(
    "kwargs",
    [
        {"host": "localhost"},
        {"ksize": 0},
        {"rpc_timeout_s": 10.0},
        {"rpc_timeout_floor_s": 2.0},
        {"node_id": b"short"},
        {"port": 70000},
        {"quorum": 0},
    ],
)
def test_config_refuses_bad_values_with_a_clear_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidArgument, match="DHT"):
        DhtConfig(**kwargs)  # type: ignore[arg-type]


def test_state_round_trips_as_json(tmp_path: Path) -> None:
    """Node id and neighbours are saved as readable JSON and loaded back."""
    path = tmp_path / "state.json"
    save_state(path, b"n" * 20, [(b"a" * 20, "127.0.0.1", 5000)])
    doc = json.loads(path.read_text())
    assert doc["node_id"] == (b"n" * 20).hex()
    state = load_state(path)
    assert state is not None
    assert state.node_id == b"n" * 20
    assert state.neighbours == [(b"a" * 20, "127.0.0.1", 5000)]
    assert not list(tmp_path.glob(".*tmp"))


def test_unreadable_state_is_ignored(tmp_path: Path) -> None:
    """A pickle, garbage or a bad id is ignored (logged), never executed or trusted."""
    path = tmp_path / "state.json"
    path.write_bytes(b"\x80\x04\x95garbage")
    assert load_state(path) is None
    path.write_text(json.dumps({"version": 1, "node_id": "00", "neighbours": []}))
    assert load_state(path) is None
    assert load_state(tmp_path / "absent.json") is None


def test_state_drops_malformed_neighbours(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    doc = {
        "version": 1,
        "node_id": (b"n" * 20).hex(),
        "neighbours": [[(b"a" * 20).hex(), "127.0.0.1", 1], ["00", "127.0.0.1", 2]],
    }
    path.write_text(json.dumps(doc))
    state = load_state(path)
    assert state is not None and len(state.neighbours) == 1
