"""UdpEndpoint: reads every waiting datagram in one wake-up, sends like
asyncio's transport (queueing what the kernel cannot take now), and closes
cleanly."""

from __future__ import annotations

import asyncio
import itertools
import socket
from typing import Any

import pytest

from services.core.dht.constants import MAX_DATAGRAM_BYTES, UDP_READ_BATCH
from services.core.dht.udp import UdpEndpoint


class Recorder(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.got: list[bytes] = []
        self.errors: list[Exception] = []
        self.lost = asyncio.Event()
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.got.append(data)

    def error_received(self, exc: Exception) -> None:
        self.errors.append(exc)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.set()


@pytest.fixture
def sender() -> Any:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    yield sock
    sock.close()


async def test_a_burst_is_read_in_one_wake_up_not_one_datagram_per_loop_pass(
    sender: socket.socket,
) -> None:
    """50 datagrams waiting are all delivered after a single pass of the loop
    (asyncio's transport delivers one per pass)."""
    endpoint, proto = await UdpEndpoint.open(Recorder, "127.0.0.1", 0)
    try:
        addr = endpoint.get_extra_info("sockname")
        for i in range(50):
            sender.sendto(b"d%d" % i, addr)
        for _ in range(3):  # a few passes of the loop (asyncio's transport: 1 datagram each)
            await asyncio.sleep(0)
        assert proto.got == [b"d%d" % i for i in range(50)]
    finally:
        endpoint.close()


async def test_a_flood_is_read_in_batches_so_other_callbacks_still_run(
    sender: socket.socket,
) -> None:
    """More than one batch waiting: each wake-up reads at most UDP_READ_BATCH
    and yields the loop; the rest follow on later passes."""
    endpoint, proto = await UdpEndpoint.open(Recorder, "127.0.0.1", 0, rcvbuf=1 << 20)
    try:
        addr = endpoint.get_extra_info("sockname")
        count = UDP_READ_BATCH + 16
        for _ in range(count):
            sender.sendto(b"x", addr)
        seen = [0]
        for _ in range(50):
            await asyncio.sleep(0)
            seen.append(len(proto.got))
            if len(proto.got) == count:
                break
        assert len(proto.got) == count
        steps = [b - a for a, b in itertools.pairwise(seen)]
        assert max(steps) == UDP_READ_BATCH  # one full batch, then the rest later
    finally:
        endpoint.close()


async def test_an_oversized_datagram_arrives_truncated_one_byte_over_the_limit(
    sender: socket.socket,
) -> None:
    """The protocol still sees it as over MAX_DATAGRAM_BYTES and drops it."""
    endpoint, proto = await UdpEndpoint.open(Recorder, "127.0.0.1", 0)
    try:
        sender.sendto(b"z" * (MAX_DATAGRAM_BYTES * 2), endpoint.get_extra_info("sockname"))
        for _ in range(100):
            if proto.got:
                break
            await asyncio.sleep(0.01)
        assert [len(d) for d in proto.got] == [MAX_DATAGRAM_BYTES + 1]
    finally:
        endpoint.close()


async def test_sendto_reaches_a_peer_and_close_stops_everything() -> None:
    a, pa = await UdpEndpoint.open(Recorder, "127.0.0.1", 0)
    b, pb = await UdpEndpoint.open(Recorder, "127.0.0.1", 0)
    try:
        a.sendto(b"hello", b.get_extra_info("sockname"))
        for _ in range(100):
            if pb.got:
                break
            await asyncio.sleep(0.01)
        assert pb.got == [b"hello"]
        a.close()
        await asyncio.wait_for(pa.lost.wait(), 1)
        assert a.is_closing()
        a.sendto(b"after close", b.get_extra_info("sockname"))  # ignored, no error
        a.close()  # twice is fine
        assert a.get_extra_info("socket").fileno() == -1
        assert a.get_extra_info("sockname")[0] == "127.0.0.1"
    finally:
        a.close()
        b.close()


class _BusySocket:
    """A socket whose send buffer is full for the first ``busy`` sends."""

    def __init__(self, busy: int) -> None:
        self.busy = busy
        self.sent: list[bytes] = []

    def fileno(self) -> int:
        return 99

    def getsockname(self) -> tuple[str, int]:
        return ("127.0.0.1", 9)

    def sendto(self, data: bytes, addr: Any) -> int:
        if self.busy:
            self.busy -= 1
            raise BlockingIOError
        self.sent.append(data)
        return len(data)


class _Loop:
    def __init__(self) -> None:
        self.writers: dict[int, Any] = {}

    def add_writer(self, fd: int, cb: Any) -> None:
        self.writers[fd] = cb

    def remove_writer(self, fd: int) -> bool:
        return self.writers.pop(fd, None) is not None


def test_datagrams_the_kernel_cannot_take_now_are_queued_in_order_and_sent_later() -> None:
    sock, loop = _BusySocket(busy=2), _Loop()
    endpoint = UdpEndpoint(loop, sock, Recorder())  # type: ignore[arg-type]
    endpoint.sendto(b"1", ("127.0.0.1", 9))
    endpoint.sendto(b"2", ("127.0.0.1", 9))
    assert sock.sent == [] and endpoint.get_write_buffer_size() == 2
    loop.writers[99]()  # still busy once: "1" stays queued
    assert sock.sent == []
    loop.writers[99]()
    assert sock.sent == [b"1", b"2"]
    assert loop.writers == {} and endpoint.get_write_buffer_size() == 0
