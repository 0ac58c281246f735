"""``ipndht status`` helpers: where the cache cell comes from, and the
``python -m ipndht_client`` entry point."""

from __future__ import annotations

import subprocess
import sys

from ipndht_client.cli_status import cache_state, metrics_url
from tests.support.services import REPO

METRICS = """\
# HELP ipndht_cache_up 1 when the Redis cache is reachable, else 0
# TYPE ipndht_cache_up gauge
ipndht_cache_up{service="handle-registry"} 1.0
ipndht_cache_up{service="content-routing"} 0.0
ipndht_serving{service="handle-registry"} 1.0
"""


def test_cache_state_reads_the_gauge_of_the_services_label() -> None:
    assert cache_state(METRICS, "handles") is True
    assert cache_state(METRICS, "content") is False


def test_cache_state_is_unknown_without_the_gauge() -> None:
    assert cache_state("ipndht_serving 1.0\n", "discovery") is None
    assert cache_state(METRICS, "discovery") is None


def test_a_lone_gauge_counts_whatever_its_label() -> None:
    only = 'ipndht_cache_up{service="discovery-test"} 1.0\n'
    assert cache_state(only, "discovery") is True


def test_metrics_urls_default_to_the_endpoint_host_and_the_services_port() -> None:
    assert metrics_url("discovery", "10.0.0.5:50051", {}) == "http://10.0.0.5:9101/metrics"
    assert metrics_url("content", "127.0.0.1:50053", {}) == "http://127.0.0.1:9103/metrics"
    assert metrics_url("handles", "h:1", {"handles": "http://x/m"}) == "http://x/m"


def test_python_dash_m_runs_the_cli() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ipndht_client", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Usage: ipndht" in proc.stdout
    assert "Exit codes:" in proc.stdout
