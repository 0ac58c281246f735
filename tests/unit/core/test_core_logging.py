"""Logging: JSON lines off a terminal, each line of an RPC carrying its request id."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from services.core.host import DISCOVERY, ServiceHost
from services.core.logging import configure_logging
from tests.support.probe import add_probe, probe_call
from tests.support.services import make_settings, start_host


async def test_lines_logged_during_an_rpc_carry_its_request_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A line logged while serving an RPC is JSON with the request id the client sent."""
    configure_logging("info", "json", service="test")

    async def build(h: ServiceHost) -> None:
        add_probe(h)

    host = await start_host(make_settings(tmp_path), DISCOVERY, build)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
            reply = await probe_call(channel, "Log")(
                b"hello", timeout=5, metadata=(("x-request-id", "rid-42"),)
            )
            assert reply == b"logged"
            await probe_call(channel, "Log")(b"second", timeout=5)
    finally:
        await host.stop(grace_s=0)
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    probe_lines = [x for x in lines if x.get("event") == "probe_logged"]
    assert [x["note"] for x in probe_lines] == ["hello", "second"]
    assert probe_lines[0]["request_id"] == "rid-42"
    assert probe_lines[1]["request_id"] not in ("", "rid-42")  # a fresh id per RPC
    assert all(x["service"] == "test" and x["method"] == "Log" for x in probe_lines)


def test_loggers_follow_a_replaced_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    """A logger used once keeps writing to the current sys.stderr, not the one
    it first saw (so a closed or replaced stream never breaks logging)."""
    import io
    import sys

    import structlog

    configure_logging("info", "json")
    logger = structlog.get_logger()
    logger.info("first")
    replaced = io.StringIO()
    saved, sys.stderr = sys.stderr, replaced
    try:
        logger.info("second")
    finally:
        sys.stderr = saved
    assert '"second"' in replaced.getvalue()
    assert '"first"' in capsys.readouterr().err


def test_a_second_configuration_reaches_loggers_already_in_use(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Loggers are cached on first use; configuring again still changes what
    they write (here the static fields), so one process never logs in two
    formats and test log capture sees every logger."""
    from services.core.logging import get_logger

    logger = get_logger("tests.reconfigured")
    configure_logging("info", "json", service="first")
    logger.info("one")
    configure_logging("info", "json", service="second")
    logger.info("two")
    lines = [json.loads(x) for x in capsys.readouterr().err.splitlines() if x.startswith("{")]
    assert [(x["event"], x["service"]) for x in lines] == [("one", "first"), ("two", "second")]
