"""Durability: acknowledged records survive kill -9 of the node process; the
routing table is saved as JSON and reloaded to re-bootstrap."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.core.dht.adversary import RawPeer
from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner, json_dht_key
from services.core.dht.node import DhtNode
from tests.support.net import free_udp_port

FAST = DhtConfig(rpc_timeout_s=0.5)
SCRIPT = Path(__file__).with_name("dht_node_proc.py")
ROOT = Path(__file__).resolve().parents[3]


class NodeProcess:
    def __init__(self, port: int, store: Path, signer: JsonSigner) -> None:
        self.args = [
            sys.executable,
            str(SCRIPT),
            str(port),
            str(store),
            signer.signer.hex(),
            signer.secret.hex(),
        ]
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, text=True, env=env)
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def node_process(tmp_path: Path, signer: JsonSigner) -> Iterator[NodeProcess]:
    proc = NodeProcess(free_udp_port(), tmp_path / "proc", signer)
    try:
        yield proc
    finally:
        proc.stop()


async def test_acknowledged_records_survive_kill_9(
    node_process: NodeProcess, signer: JsonSigner, raw: RawPeer
) -> None:
    """Records the process acknowledged are all served after SIGKILL and restart."""
    await asyncio.to_thread(node_process.start)
    addr = ("127.0.0.1", int(node_process.args[2]))
    client = DhtNode(FAST, JsonRecordPolicy([signer]))
    records = {
        json_dht_key("handle", f"d{i}"): signer.make("handle", f"d{i}", "v", 1) for i in range(40)
    }
    try:
        await client.start()
        await client.bootstrap([addr])
        for raw_record in records.values():
            assert await client.put(raw_record) == 1  # acknowledged by the process
    finally:
        await client.stop()
    await asyncio.to_thread(node_process.kill9)
    await asyncio.to_thread(node_process.start)
    for key, raw_record in records.items():
        raw.request(addr, "find_value", [b"c" * 20, key])
        assert await raw.reply() == {"value": raw_record}


async def test_routing_table_is_saved_as_json_and_rebootstraps(
    tmp_path: Path, signer: JsonSigner
) -> None:
    """A node restarted from its state file keeps its id and rejoins its old
    neighbours without any bootstrap address."""
    policy = JsonRecordPolicy([signer])
    seed = DhtNode(FAST, policy)
    config = dataclasses.replace(FAST, state_path=tmp_path / "routing.json")
    node = DhtNode(dataclasses.replace(config, store_path=tmp_path / "r.sqlite"), policy)
    again: DhtNode | None = None
    try:
        await seed.start()
        await node.start()
        await node.bootstrap([seed.address])
        node_id = node.node_id
        await node.stop()
        state = (tmp_path / "routing.json").read_text()
        assert seed.node_id.hex() in state
        again = DhtNode(dataclasses.replace(config, store_path=tmp_path / "r.sqlite"), policy)
        await again.start()
        assert again.node_id == node_id
        assert [n[0] for n in again.neighbours()] == [seed.node_id]
    finally:
        for n in (again, node, seed):
            if n is not None:
                await n.stop()
