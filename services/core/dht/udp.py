"""A UDP endpoint that reads every waiting datagram, not one per loop pass.

asyncio's own datagram transport reads one datagram each time the socket
is reported readable, so a node that sent twenty STOREs reads the twenty
answers over twenty passes of the event loop. With many sockets on one
loop (a swarm, or one busy node after a stall) each pass is long, answers
sit unread until their RPC timers fire, and live peers are declared dead:
measured on 200 nodes in one process with short stalls injected, puts
reached as few as 0 holders. This endpoint reads up to ``UDP_READ_BATCH``
datagrams per wake-up. A datagram the kernel cannot take now is queued and
sent when the socket is writable, up to ``UDP_SEND_QUEUE_MAX`` (asyncio's
queue is unbounded); ``close`` drops what is still queued.

It is an ``asyncio.DatagramTransport`` to the protocol, so the package's
``RPCProtocol`` and ``DhtProtocol`` use it unchanged.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import socket
from collections.abc import Callable
from typing import Any

from services.core.dht.constants import MAX_DATAGRAM_BYTES, UDP_READ_BATCH, UDP_SEND_QUEUE_MAX

#: One byte over the datagram limit: a longer datagram arrives truncated to
#: this size and the protocol still sees it as oversized.
_RECV_BYTES = MAX_DATAGRAM_BYTES + 1


class UdpEndpoint(asyncio.DatagramTransport):
    """One bound UDP socket driving one ``asyncio.DatagramProtocol``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sock: socket.socket, protocol: Any) -> None:
        super().__init__()
        self._loop = loop
        self._sock = sock
        self._fd = sock.fileno()
        self._sockname = sock.getsockname()
        self._protocol = protocol
        self._closing = False
        self._queue: collections.deque[tuple[bytes, Any]] = collections.deque()
        #: Datagrams dropped because the send queue was full.
        self.send_drops = 0

    @classmethod
    async def open(
        cls,
        protocol_factory: Callable[[], Any],
        host: str,
        port: int,
        *,
        rcvbuf: int | None = None,
    ) -> tuple[UdpEndpoint, Any]:
        """Bind ``host:port`` (port 0: any free port) and start reading."""
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM, flags=socket.AI_PASSIVE)
        if not infos:
            raise OSError(f"cannot resolve {host!r}")
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setblocking(False)
            if rcvbuf is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.bind(address)
            protocol = protocol_factory()
            endpoint = cls(loop, sock, protocol)
            protocol.connection_made(endpoint)
            loop.add_reader(endpoint._fd, endpoint._read_ready)
        except BaseException:
            sock.close()
            raise
        return endpoint, protocol

    # -- reading ------------------------------------------------------------------

    def _read_ready(self) -> None:
        for _ in range(UDP_READ_BATCH):
            if self._closing:
                return
            try:
                data, addr = self._sock.recvfrom(_RECV_BYTES)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                self._protocol.error_received(exc)
                return
            self._protocol.datagram_received(data, addr)

    # -- sending ------------------------------------------------------------------

    def sendto(self, data: Any, addr: Any = None) -> None:
        if self._closing:
            return
        if not self._queue:
            try:
                self._sock.sendto(data, addr)
                return
            except (BlockingIOError, InterruptedError):
                self._loop.add_writer(self._fd, self._write_ready)
            except OSError as exc:
                self._protocol.error_received(exc)
                return
        if len(self._queue) >= UDP_SEND_QUEUE_MAX:
            self.send_drops += 1
            return
        self._queue.append((bytes(data), addr))

    def _write_ready(self) -> None:
        while self._queue and not self._closing:
            data, addr = self._queue.popleft()
            try:
                self._sock.sendto(data, addr)
            except (BlockingIOError, InterruptedError):
                self._queue.appendleft((data, addr))
                return
            except OSError as exc:
                self._protocol.error_received(exc)
            except Exception as exc:  # a bad address: drop it, keep sending the rest
                self._loop.call_exception_handler(
                    {"message": "UDP send failed", "exception": exc, "transport": self}
                )
        if not self._closing:
            self._loop.remove_writer(self._fd)

    def get_write_buffer_size(self) -> int:
        return sum(len(data) for data, _ in self._queue)

    # -- life cycle -----------------------------------------------------------------

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        if name == "socket":
            return self._sock
        if name == "sockname":
            return self._sockname
        return default

    def is_closing(self) -> bool:
        return self._closing

    def close(self) -> None:
        """Stop reading and writing, close the socket; queued datagrams are dropped."""
        if self._closing:
            return
        self._closing = True
        self._loop.remove_reader(self._fd)
        self._loop.remove_writer(self._fd)
        self._queue.clear()
        self._sock.close()
        self._loop.call_soon(self._protocol.connection_lost, None)

    def abort(self) -> None:
        self.close()
