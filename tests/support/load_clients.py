"""Client load for the fault suite: a few tasks calling Resolve, ListContent,
Register and Provide against a running system, recording every call.

Each call is recorded with its start time, latency and status code; every
write that returned OK is kept as acknowledged (handle -> owner key,
content -> provider key), so a test can check after a fault that nothing
acknowledged was lost. Channels reconnect fast (100 ms to 500 ms backoff):
a restarted server is reached again within a second, not after gRPC's
default backoff of up to two minutes. Like the SDK's, they watch the
server's ``ipndht.accepting`` health entry, but make one attempt per call
(no retry), so every failure is seen.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc

from ipndht.v1 import (
    common_pb2,
    content_pb2,
    content_pb2_grpc,
    handles_pb2,
    handles_pb2_grpc,
)
from ipndht_client import config as sdk_config
from ipndht_client import content as content_sdk
from ipndht_client import handles as handles_sdk
from services.core.records import keys

RESOLVE = "resolve"
LIST = "list"
REGISTER = "register"
PROVIDE = "provide"
KINDS = (RESOLVE, LIST, REGISTER, PROVIDE)

#: Longest one load call may take: a lookup that has to time out on dead DHT
#: peers takes a few RPC timeouts (1 s each); more than this is a hang.
CALL_TIMEOUT_S = 15.0
#: Channel options: reconnect within half a second of a server coming back.
CHANNEL_OPTIONS = [
    ("grpc.service_config", sdk_config.service_config(max_attempts=1)),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 500),
]
#: Pause between a worker's calls: enough load to matter on 2 shared cores,
#: not so much that the test measures CPU starvation instead of the fault.
THINK_S = 0.005
#: Page size of the ListContent calls (a page is read per call).
LIST_LIMIT = 50
#: Address announced by every load provider (never dialled).
PROVIDER_ADDRESS = "127.0.0.1:4001"


@dataclass(frozen=True, slots=True)
class Call:
    """One finished RPC."""

    kind: str
    started: float
    latency_s: float
    code: grpc.StatusCode
    detail: str


@dataclass
class Acked:
    """Writes that returned OK."""

    handles: dict[str, bytes] = field(default_factory=dict)
    contents: dict[bytes, tuple[common_pb2.ContentHash, bytes]] = field(default_factory=dict)


class Load:
    """Load clients against a system's ``endpoints`` (``System.endpoints``)."""

    def __init__(self, endpoints: dict[str, str], tag: str) -> None:
        self.endpoints = endpoints
        self.tag = tag
        self.calls: list[Call] = []
        self.acked = Acked()
        self.started_us = handles_sdk.now_us() - 1_000_000
        self._serial = itertools.count()
        self._channels: list[grpc.aio.Channel] = []
        self._handles: handles_pb2_grpc.HandleRegistryServiceStub | None = None
        self._content: content_pb2_grpc.ContentRoutingServiceStub | None = None
        self._owner = keys.generate_private_key()
        self._provider = keys.generate_private_key()

    async def __aenter__(self) -> Load:
        hc = grpc.aio.insecure_channel(self.endpoints["handles"], options=CHANNEL_OPTIONS)
        cc = grpc.aio.insecure_channel(self.endpoints["content"], options=CHANNEL_OPTIONS)
        self._channels = [hc, cc]
        self._handles = handles_pb2_grpc.HandleRegistryServiceStub(hc)
        self._content = content_pb2_grpc.ContentRoutingServiceStub(cc)
        return self

    async def __aexit__(self, *exc: object) -> None:
        for channel in self._channels:
            await channel.close()

    # -- single calls -------------------------------------------------------------

    async def _timed(self, kind: str, call: Any) -> bool:
        started = time.monotonic()
        code, detail = grpc.StatusCode.OK, ""
        try:
            await call()
        except grpc.aio.AioRpcError as exc:
            code, detail = exc.code(), exc.details() or ""
        self.calls.append(Call(kind, started, time.monotonic() - started, code, detail))
        return bool(code == grpc.StatusCode.OK)

    async def register(self) -> bool:
        assert self._handles is not None
        stub = self._handles
        name = f"@{self.tag}-{next(self._serial)}.ipn"
        record = handles_sdk.register(self._owner, name)

        async def call() -> None:
            await stub.Register(handles_pb2.RegisterRequest(record=record), timeout=CALL_TIMEOUT_S)

        ok = await self._timed(REGISTER, call)
        if ok:
            self.acked.handles[name] = keys.public_key_bytes(self._owner)
        return ok

    async def provide(self) -> bool:
        assert self._content is not None
        stub = self._content
        content = common_pb2.ContentHash(
            algorithm=content_sdk.BLAKE3,
            digest=os.urandom(32),
        )
        record = content_sdk.provider_record(self._provider, content, [PROVIDER_ADDRESS])

        async def call() -> None:
            await stub.Provide(content_pb2.ProvideRequest(record=record), timeout=CALL_TIMEOUT_S)

        ok = await self._timed(PROVIDE, call)
        if ok:
            provider = keys.public_key_bytes(self._provider)
            self.acked.contents[content_sdk.content_key(content)] = (content, provider)
        return ok

    async def resolve(self, name: str) -> bool:
        assert self._handles is not None
        stub = self._handles

        async def call() -> None:
            await stub.Resolve(handles_pb2.ResolveRequest(query=name), timeout=CALL_TIMEOUT_S)

        return await self._timed(RESOLVE, call)

    async def list_content(self) -> bool:
        assert self._content is not None
        stub = self._content
        request = content_pb2.ListContentRequest(since_us=self.started_us, limit=LIST_LIMIT)

        async def call() -> None:
            async for _ in stub.ListContent(request, timeout=CALL_TIMEOUT_S):
                pass

        return await self._timed(LIST, call)

    # -- load -------------------------------------------------------------------------

    async def seed(self, handles: int, contents: int) -> None:
        """Writes to read back under load; every one must succeed."""
        for _ in range(handles):
            assert await self.register(), self.failures()
        for _ in range(contents):
            assert await self.provide(), self.failures()

    async def run(self, clients: int, kinds: Sequence[str], stop: asyncio.Event) -> None:
        """``clients`` tasks, each cycling through ``kinds``, until ``stop`` is set."""
        readable = list(self.acked.handles)

        async def worker(index: int) -> None:
            for n in itertools.count(index):
                if stop.is_set():
                    return
                kind = kinds[n % len(kinds)]
                if kind == RESOLVE:
                    await self.resolve(readable[n % len(readable)])
                elif kind == LIST:
                    await self.list_content()
                elif kind == REGISTER:
                    await self.register()
                else:
                    await self.provide()
                await asyncio.sleep(THINK_S)

        await asyncio.gather(*(worker(i) for i in range(clients)))

    # -- results ----------------------------------------------------------------------

    def between(self, start: float, end: float) -> list[Call]:
        """Calls started in [start, end) (time.monotonic())."""
        return [c for c in self.calls if start <= c.started < end]

    def failures(self, calls: Sequence[Call] | None = None) -> list[Call]:
        return [c for c in (self.calls if calls is None else calls) if c.code != grpc.StatusCode.OK]

    async def unresolved(self) -> list[str]:
        """Acknowledged handles that do not resolve to their owner now. The
        calls wait for the channel to be ready (a service just restarted may
        still be inside the channel's reconnect backoff): what is checked is
        the service's data, not how soon the channel reconnects."""
        assert self._handles is not None
        missing = []
        for name, owner in self.acked.handles.items():
            try:
                answer = await self._handles.Resolve(
                    handles_pb2.ResolveRequest(query=name),
                    timeout=CALL_TIMEOUT_S,
                    wait_for_ready=True,
                )
                if answer.public_key != owner:
                    missing.append(name)
            except grpc.aio.AioRpcError as exc:
                missing.append(f"{name}: {exc.code().name} {exc.details()}")
        return missing

    async def unfound(self) -> list[str]:
        """Acknowledged contents whose provider FindProviders does not list now
        (waiting for the channel to be ready, as ``unresolved``)."""
        assert self._content is not None
        missing = []
        for key, (content, provider) in self.acked.contents.items():
            request = content_pb2.FindProvidersRequest(content=content)
            try:
                found = [
                    item.provider_key
                    async for item in self._content.FindProviders(
                        request, timeout=CALL_TIMEOUT_S, wait_for_ready=True
                    )
                ]
                if provider not in found:
                    missing.append(key.hex())
            except grpc.aio.AioRpcError as exc:
                missing.append(f"{key.hex()}: {exc.code().name} {exc.details()}")
        return missing


@dataclass(frozen=True, slots=True)
class Window:
    """When a fault ran (time.monotonic())."""

    start: float
    end: float


async def under_load(
    load: Load,
    clients: int,
    kinds: Sequence[str],
    fault: Callable[[], Awaitable[None]],
    *,
    before_s: float,
    after_s: float,
) -> Window:
    """Run ``clients`` load tasks; ``before_s`` in, run ``fault``; stop the
    load ``after_s`` after it. Blocking steps of ``fault`` belong in
    ``asyncio.to_thread`` so that the load keeps running through them."""
    stop = asyncio.Event()
    runner = asyncio.ensure_future(load.run(clients, kinds, stop))
    try:
        await asyncio.sleep(before_s)
        start = time.monotonic()
        await fault()
        end = time.monotonic()
        await asyncio.sleep(after_s)
    finally:
        stop.set()
        await runner
    return Window(start, end)
