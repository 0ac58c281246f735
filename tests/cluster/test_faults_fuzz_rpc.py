"""Fuzzing every RPC of the three services with requests built from the
protobuf descriptors (tests/support/fuzz_proto.py): random and extreme
strings, bytes, integers and enum numbers, nested signed records (random,
valid, validly signed over random payloads, valid with one field changed).

Every call ends with a status the error contract allows (never INTERNAL or
UNKNOWN), no task of the services' loop fails unhandled, and every service
still answers health checks as SERVING afterwards. ``make test`` runs a fixed
set of 50 cases per RPC; the fault suite thousands of random ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings

from tests.support.faults import figure as record
from tests.support.fuzz_hosts import SERVICES, FuzzHosts, call, fuzz_hosts
from tests.support.fuzz_proto import messages

pytestmark = pytest.mark.cluster

#: make test: the same 50 cases per RPC every run (derandomized).
FAST = settings(
    max_examples=50,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
#: The fault suite: 400 random cases per RPC (9,200 over the 23 RPCs), which
#: keeps `make test-faults` within its 30 minutes on 2 cores.
LONG = settings(FAST, max_examples=400, derandomize=False)
#: Statuses that mean a bug: the error contract never sends them.
BUG_CODES = {grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN}
#: Client deadline of one fuzz call: no bad request may make a service hang
#: this long. WatchPeers never ends by itself; it is cut at WATCH_S.
CALL_TIMEOUT_S = 10.0
WATCH_S = 0.15

METHODS = [
    pytest.param(service, method, id=f"{service}.{method.name}")
    for service, descriptor in SERVICES.items()
    for method in descriptor.methods
]


@pytest.fixture(scope="module")
def hosts(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzHosts]:
    with fuzz_hosts(tmp_path_factory.mktemp("fuzz-rpc")) as started:
        yield started


def _fuzz(hosts: FuzzHosts, service: str, method: MethodDescriptor, profile: settings) -> None:
    codes: dict[str, int] = {}
    bugs: list[tuple[grpc.StatusCode, Message]] = []
    watch = method.name == "WatchPeers"

    @profile
    @given(messages(method.input_type))
    def one(request: Message) -> None:
        code = call(hosts.channels[service], method, request, WATCH_S if watch else CALL_TIMEOUT_S)
        codes[code.name] = codes.get(code.name, 0) + 1
        hung = code == grpc.StatusCode.DEADLINE_EXCEEDED and not watch
        if code in BUG_CODES or hung:
            bugs.append((code, request))
        assert code not in BUG_CODES and not hung, (code, str(request)[:2000])

    one()
    total = sum(codes.values())
    record(f"fuzz_rpc_{service}_{method.name}_cases", total, "count")
    assert bugs == []
    assert hosts.runner.errors == [], hosts.runner.errors[:3]
    assert hosts.serving(service)


@pytest.mark.parametrize(("service", "method"), METHODS)
def test_fuzzed_requests_never_get_internal_or_unknown(
    hosts: FuzzHosts, service: str, method: MethodDescriptor
) -> None:
    """50 fixed fuzz cases of this RPC: no INTERNAL/UNKNOWN, no hang, no
    unhandled task exception, the service still SERVING."""
    _fuzz(hosts, service, method, FAST)


@pytest.mark.faults
@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize(("service", "method"), METHODS)
def test_thousands_of_fuzzed_requests_never_get_internal_or_unknown(
    hosts: FuzzHosts, service: str, method: MethodDescriptor
) -> None:
    """2,000 random fuzz cases of this RPC: no INTERNAL/UNKNOWN, no hang, no
    unhandled task exception, the service still SERVING."""
    _fuzz(hosts, service, method, LONG)
