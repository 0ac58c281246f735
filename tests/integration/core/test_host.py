"""The service host: health, reflection, metrics, logging and graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from ipndht_client import config as sdk_config
from services.content.service import build as build_content
from services.core.constants import ACCEPTING_HEALTH_NAME, SHUTDOWN_DRAIN_S
from services.core.host import CONTENT, DISCOVERY, HANDLES, ServiceHost, ServiceSpec
from services.discovery.service import build as build_discovery
from services.handles.service import build as build_handles
from tests.support.services import ServiceProcess, make_settings, start_host, wait_serving

BUILDS = {DISCOVERY: build_discovery, HANDLES: build_handles, CONTENT: build_content}


@pytest.fixture(params=[DISCOVERY, HANDLES, CONTENT], ids=lambda s: s.name)
async def service(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ServiceHost]:
    spec: ServiceSpec = request.param
    host = await start_host(make_settings(tmp_path), spec, BUILDS[spec])
    try:
        yield host
    finally:
        await host.stop(grace_s=0)


async def test_health_serves_service_name_and_empty(service: ServiceHost) -> None:
    """grpc.health.v1 answers SERVING for the service's full name, for "" and
    for ipndht.accepting."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{service.grpc_port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for name in ("", service.spec.grpc_service, ACCEPTING_HEALTH_NAME):
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_the_service(service: ServiceHost) -> None:
    """Server reflection names the service, so grpcurl and friends work."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{service.grpc_port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        call = stub.ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5
        )
        names: set[str] = set()
        async for reply in call:
            names = {s.name for s in reply.list_services_response.service}
    assert service.spec.grpc_service in names
    assert "grpc.health.v1.Health" in names


async def test_metrics_endpoint_counts_rpcs(service: ServiceHost) -> None:
    """The Prometheus endpoint shows per-method RPC counts with their codes."""
    async with grpc.aio.insecure_channel(f"127.0.0.1:{service.grpc_port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    url = f"http://127.0.0.1:{service.metrics_port}/metrics"
    body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read().decode())
    assert 'ipndht_rpc_total{code="OK",method="/grpc.health.v1.Health/Check"' in body
    assert "ipndht_rpc_latency_seconds_bucket" in body


async def test_metrics_endpoint_exports_the_dht_node_figures(service: ServiceHost) -> None:
    """Every service exports its DHT node's counters, records held and
    routing-table size, read at scrape time."""
    assert service.dht is not None
    name = service.spec.name
    url = f"http://127.0.0.1:{service.metrics_port}/metrics"

    def scrape() -> dict[str, float]:
        body = urllib.request.urlopen(url, timeout=5).read().decode()
        found = {}
        for line in body.splitlines():
            if line.startswith("ipndht_dht_") and f'service="{name}"' in line:
                series, value = line.rsplit(" ", 1)
                found[series.split("{")[0]] = float(value)
        return found

    before = await asyncio.to_thread(scrape)
    service.dht.counters.lookups += 3
    after = await asyncio.to_thread(scrape)
    assert after["ipndht_dht_lookups_total"] == before["ipndht_dht_lookups_total"] + 3
    assert after["ipndht_dht_records_held"] == len(service.dht.storage)
    assert "ipndht_dht_routing_table_size" in after
    assert "ipndht_dht_freshness_upgrades_total" in after
    assert "ipndht_dht_throttled_datagrams_total" in after


async def test_stop_turns_health_not_serving_and_refuses_new_rpcs(tmp_path: Path) -> None:
    """After stop, health watchers see NOT_SERVING and new calls fail UNAVAILABLE."""
    host = await start_host(make_settings(tmp_path), DISCOVERY, build_discovery)
    port = host.grpc_port
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        watch = stub.Watch(health_pb2.HealthCheckRequest(service=""))
        first = await watch.read()
        assert first.status == health_pb2.HealthCheckResponse.SERVING
        stopping = asyncio.create_task(host.stop(grace_s=1))
        second = await asyncio.wait_for(watch.read(), 5)
        assert second.status == health_pb2.HealthCheckResponse.NOT_SERVING
        await stopping
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=2)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_stop_drains_health_watching_clients_before_the_server_closes(
    tmp_path: Path,
) -> None:
    """Once stop starts, a channel configured as the SDK's (watching
    ipndht.accepting) fails new calls with UNAVAILABLE without sending them,
    while the server still answers a plain channel during the drain; the
    accepting entry stays SERVING while the minimum-peer rule is unmet."""
    host = await start_host(make_settings(tmp_path, min_peers=5), DISCOVERY, build_discovery)
    target = f"127.0.0.1:{host.grpc_port}"
    request = health_pb2.HealthCheckRequest(service="")
    async with (
        grpc.aio.insecure_channel(target, options=sdk_config.channel_options(1)) as sdk,
        grpc.aio.insecure_channel(target) as plain,
    ):
        watching, direct = health_pb2_grpc.HealthStub(sdk), health_pb2_grpc.HealthStub(plain)
        reply = await watching.Check(request, timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING  # 0 of 5 peers
        stopping = asyncio.create_task(host.stop(grace_s=2))
        try:
            await asyncio.sleep(SHUTDOWN_DRAIN_S / 3)
            with pytest.raises(grpc.aio.AioRpcError) as info:
                await watching.Check(request, timeout=2)
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE
            assert "unhealthy" in (info.value.details() or "")
            assert (await direct.Check(request, timeout=2)).status == (
                health_pb2.HealthCheckResponse.NOT_SERVING
            )
        finally:
            await stopping


@pytest.mark.slow
def test_sigterm_lets_in_flight_rpcs_finish_and_exits_0(tmp_path: Path) -> None:
    """SIGTERM with RPCs in flight: they complete OK, new ones are refused once
    the drain is over, exit 0 in grace."""
    env = {
        "IPNDHT_REDIS_URL": "",
        "IPNDHT_SHUTDOWN_GRACE_S": "5",
        "IPNDHT_DATA_DIR": str(tmp_path / "data"),
    }
    proc = ServiceProcess("tests.support.slow_service", env, tmp_path / "probe.log")
    proc.start()
    try:
        wait_serving(proc.grpc_port)
        with grpc.insecure_channel(f"127.0.0.1:{proc.grpc_port}") as channel:
            sleep = channel.unary_unary("/ipndht.test.Probe/Sleep")
            futures = [sleep.future(b"1500", timeout=10) for _ in range(5)]
            time.sleep(0.3)  # the calls are in flight
            started = time.monotonic()
            proc.signal(signal.SIGTERM)
            time.sleep(SHUTDOWN_DRAIN_S + 0.2)
            with pytest.raises(grpc.RpcError) as info:
                channel.unary_unary("/ipndht.test.Probe/Echo")(b"x", timeout=2)
            assert info.value.code() == grpc.StatusCode.UNAVAILABLE
            assert [f.result() for f in futures] == [b"slept"] * 5
        assert proc.wait(timeout_s=10) == 0
        assert time.monotonic() - started < 5 + 2
    finally:
        proc.stop()
    lines = [json.loads(line) for line in proc.output().splitlines() if line.startswith("{")]
    assert any(line["event"] == "service_stopped" for line in lines)


async def _burst_during_a_stall(port: int, calls: int) -> list[grpc.StatusCode]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        block = channel.unary_unary("/ipndht.test.Probe/Block")
        echo = channel.unary_unary("/ipndht.test.Probe/Echo")
        stall = asyncio.ensure_future(block(b"2000", timeout=30))
        await asyncio.sleep(0.2)  # the server's event loop is now stalled

        async def one() -> grpc.StatusCode:
            try:
                await echo(b"x", timeout=30)
            except grpc.aio.AioRpcError as exc:
                return exc.code()
            return grpc.StatusCode.OK

        codes = await asyncio.gather(*(one() for _ in range(calls)))
        await stall
        return list(codes)


def test_a_burst_held_up_by_a_stalled_server_is_served_not_dropped(tmp_path: Path) -> None:
    """2,500 calls arrive while the server's event loop is stalled for 2 s
    (grpc-core holds them unrequested): every one is answered OK once it
    resumes. grpc's default pending limit (1,000) would refuse most with a
    bare CANCELLED."""
    env = {"IPNDHT_REDIS_URL": "", "IPNDHT_DATA_DIR": str(tmp_path / "data")}
    proc = ServiceProcess("tests.support.slow_service", env, tmp_path / "probe.log")
    proc.start()
    try:
        wait_serving(proc.grpc_port)
        codes = asyncio.run(_burst_during_a_stall(proc.grpc_port, 2500))
    finally:
        proc.stop()
    assert Counter(code.name for code in codes) == {"OK": 2500}


@pytest.mark.parametrize("module", ["discovery", "handles", "content"])
def test_service_process_serves_and_stops_on_sigint(tmp_path: Path, module: str) -> None:
    """`python -m services.<x>` serves health and exits 0 on SIGINT (Ctrl-C)."""
    proc = ServiceProcess(
        f"services.{module}",
        {"IPNDHT_REDIS_URL": "", "IPNDHT_DATA_DIR": str(tmp_path / "data")},
        tmp_path / f"{module}.log",
    )
    proc.start()
    try:
        wait_serving(proc.grpc_port)
        proc.signal(signal.SIGINT)
        assert proc.wait(timeout_s=15) == 0, proc.output()
    finally:
        proc.stop()
    assert "Traceback" not in proc.output()
