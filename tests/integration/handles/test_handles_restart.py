"""A registry process killed with SIGKILL and restarted serves every handle."""

from __future__ import annotations

import signal
from pathlib import Path

import grpc

from ipndht.v1 import handles_pb2, handles_pb2_grpc
from ipndht_client import handles as sdk
from services.core.records import keys
from tests.support.handles_hosts import make_registrar
from tests.support.services import ServiceProcess, wait_serving


def test_kill9_and_restart_every_handle_still_resolves(tmp_path: Path) -> None:
    """Handles registered and updated before a kill -9 resolve after the
    restart (same data dir, no Redis, no peers), with their history."""
    reg = make_registrar(tmp_path)
    env = {
        "IPNDHT_DATA_DIR": str(tmp_path / "data"),
        "IPNDHT_REDIS_URL": "",
        "IPNDHT_REGISTRAR_KEY_FILE": str(reg.path),
        "IPNDHT_TRUSTED_REGISTRARS": reg.public_hex,
        "IPNDHT_LOG_FORMAT": "json",
    }
    owner = keys.generate_private_key()
    names = [f"@kept-{i}.ipn" for i in range(20)]
    proc = ServiceProcess("services.handles", env, tmp_path / "registry.log")
    proc.start()
    try:
        wait_serving(proc.grpc_port)
        with grpc.insecure_channel(f"127.0.0.1:{proc.grpc_port}") as channel:
            stub = handles_pb2_grpc.HandleRegistryServiceStub(channel)
            for name in names:
                rec = stub.Register(
                    handles_pb2.RegisterRequest(record=sdk.register(owner, name)), timeout=10
                ).record
            stub.Update(
                handles_pb2.UpdateRequest(record=sdk.update(owner, rec, metadata={"v": "2"})),
                timeout=10,
            )
        proc.signal(signal.SIGKILL)
        proc.wait(10)
        env["IPNDHT_GRPC_PORT"] = str(proc.grpc_port)
        proc.stop()
        proc = ServiceProcess("services.handles", env, tmp_path / "registry2.log")
        proc.start()
        wait_serving(proc.grpc_port)
        with grpc.insecure_channel(f"127.0.0.1:{proc.grpc_port}") as channel:
            stub = handles_pb2_grpc.HandleRegistryServiceStub(channel)
            for name in names:
                answer = stub.Resolve(handles_pb2.ResolveRequest(query=name), timeout=10)
                assert answer.public_key == keys.public_key_bytes(owner), proc.output()
            page = stub.GetHistory(handles_pb2.GetHistoryRequest(handle=names[-1]), timeout=10)
            assert [r.seq for r in page.records] == [1, 2]
    finally:
        proc.stop()
