"""Routing-table state on disk: JSON, atomically replaced, never pickle."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from services.core.dht.constants import STATE_VERSION
from services.core.dht.wire import parse_node_triple, valid_node_id
from services.core.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class SavedState:
    node_id: bytes
    neighbours: list[tuple[bytes, str, int]]


def save_state(path: Path, node_id: bytes, neighbours: list[tuple[bytes, str, int]]) -> None:
    """Write the state to ``path`` atomically (temp file, fsync, rename)."""
    doc = {
        "version": STATE_VERSION,
        "node_id": node_id.hex(),
        "neighbours": [[n.hex(), ip, port] for n, ip, port in neighbours],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def load_state(path: Path) -> SavedState | None:
    """The saved state, or None when absent or unreadable (logged)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc.get("version") != STATE_VERSION:
            raise ValueError(f"unknown state version {doc.get('version')!r}")
        node_id = bytes.fromhex(doc["node_id"])
        if not valid_node_id(node_id):
            raise ValueError("node id is not 20 bytes")
        neighbours = []
        for item in doc.get("neighbours", []):
            parsed = parse_node_triple([bytes.fromhex(item[0]), item[1], item[2]])
            if parsed is not None:
                neighbours.append(parsed)
        return SavedState(node_id, neighbours)
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        log.warning("ignoring unreadable DHT state file", path=str(path), error=str(exc))
        return None
