"""A swarm of DhtNodes in one process, for tests and benchmarks.

Nodes bind free loopback ports (port 0), bootstrap from a few random
earlier nodes in concurrent batches, and can be killed (socket closed
without a goodbye, state kept) and restarted with the same id and store.
Adversaries (``services.core.dht.adversary``) join the same way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
from collections.abc import Callable
from pathlib import Path

from services.core.dht.config import DhtConfig
from services.core.dht.node import DhtNode
from services.core.records.policy import RecordPolicy

NodeFactory = Callable[[DhtConfig], DhtNode]


class Swarm:
    """N nodes on 127.0.0.1; every node it starts, ``stop()`` stops."""

    def __init__(
        self,
        policy: RecordPolicy,
        *,
        template: DhtConfig | None = None,
        store_dir: Path | None = None,
        seed: int = 0,
    ) -> None:
        self.policy = policy
        self.template = template or DhtConfig()
        self.store_dir = store_dir
        self.rng = random.Random(seed)
        self.nodes: list[DhtNode] = []
        self.dead: list[DhtNode] = []
        self._serial = 0

    def _config(self, **overrides: object) -> DhtConfig:
        self._serial += 1
        extra: dict[str, object] = {}
        if self.store_dir is not None:
            extra["store_path"] = self.store_dir / f"node{self._serial}.sqlite"
            extra["state_path"] = self.store_dir / f"node{self._serial}.json"
        return dataclasses.replace(self.template, host="127.0.0.1", port=0, **extra, **overrides)  # type: ignore[arg-type]

    @property
    def alive(self) -> list[DhtNode]:
        return [n for n in self.nodes if n not in self.dead]

    def random_node(self) -> DhtNode:
        return self.rng.choice(self.alive)

    async def start(self, count: int, *, fanout: int = 3, batch: int = 25) -> None:
        """Start ``count`` nodes; each bootstraps from ``fanout`` earlier ones."""
        await self.add(count, fanout=fanout, batch=batch)

    async def add(
        self,
        count: int,
        *,
        fanout: int = 3,
        batch: int = 25,
        factory: NodeFactory | None = None,
    ) -> list[DhtNode]:
        """Start ``count`` more nodes (built by ``factory``), bootstrapped."""
        made: list[DhtNode] = []
        try:
            while len(made) < count:
                size = min(batch, count - len(made))
                group = [self._make(factory) for _ in range(size)]
                made.extend(group)
                self.nodes.extend(group)
                await asyncio.gather(*(n.start() for n in group))
                known = [n for n in self.alive if n not in group] or group[:1]
                await asyncio.gather(*(self._join(n, known, fanout) for n in group))
        except BaseException:
            await self.stop()
            raise
        return made

    async def _join(self, node: DhtNode, known: list[DhtNode], fanout: int) -> None:
        peers = [p for p in known if p is not node]
        if peers:
            chosen = self.rng.sample(peers, min(fanout, len(peers)))
            await node.bootstrap([p.address for p in chosen])

    def _make(self, factory: NodeFactory | None) -> DhtNode:
        config = self._config()
        return factory(config) if factory else DhtNode(config, self.policy)

    async def settle(self, timeout_s: float = 30.0, poll_s: float = 0.1) -> bool:
        """Wait until no live node has hand-offs or freshness checks pending
        (True), or ``timeout_s`` passed (False)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while any(n.background_pending for n in self.alive):
            if loop.time() >= deadline:
                return False
            await asyncio.sleep(poll_s)
        return True

    async def kill(self, fraction: float, *, spare: list[DhtNode] | None = None) -> list[DhtNode]:
        """Silently stop a random ``fraction`` of live nodes (not ``spare``)."""
        keep = set(map(id, spare or []))
        pool = [n for n in self.alive if id(n) not in keep]
        victims = self.rng.sample(pool, int(len(self.alive) * fraction))
        for node in victims:
            await node.stop()
            self.dead.append(node)
        return victims

    async def restart(self, node: DhtNode, *, port: int | None = None) -> DhtNode:
        """A new node with ``node``'s id, store and state, at its old address
        (or at ``port``; 0 picks a free one)."""
        port = node.address[1] if port is None else port
        config = dataclasses.replace(node.config, node_id=node.node_id, port=port)
        fresh = DhtNode(config, self.policy)
        try:
            await fresh.start()
        except BaseException:
            await fresh.stop()  # e.g. the port was taken: closes the store it opened
            raise
        self.nodes.append(fresh)
        peers = self.rng.sample(self.alive[:-1], min(3, len(self.alive) - 1))
        await fresh.bootstrap([p.address for p in peers])
        return fresh

    async def stop(self) -> None:
        """Stop every node this swarm started (dead ones are already stopped)."""
        nodes, self.nodes = self.nodes, []
        await asyncio.gather(*(n.stop() for n in nodes if n not in self.dead))
        self.dead = []
