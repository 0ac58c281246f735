"""Building the content service's domain objects on a DHT node and a cache."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from services.content import index_records
from services.content.handles_client import HandleResolver
from services.content.index_log import IndexReader, IndexWriter, RecordDht
from services.content.providers import ProviderIndex, Resolver
from services.content.published import PublishedStore
from services.content.republish import Republisher
from services.content.resources import Resources
from services.content.timeline import Timeline
from services.core import keyfile, nodes
from services.core.cache import Cache
from services.core.records.rules import SignedRecordPolicy
from services.core.settings import Settings

#: The content service's own key (signs its index pages); a restart keeps it
#: so it goes on extending its own pages.
INDEX_KEY_FILE = "index-key"


def wall_clock_us() -> int:
    return time.time_ns() // 1000


@dataclass
class ContentDomain:
    """Everything the servicer calls, and what shutdown must close."""

    providers: ProviderIndex
    timeline: Timeline
    resources: Resources
    republisher: Republisher
    published: PublishedStore
    handles: HandleResolver | None

    async def close(self) -> None:
        if self.handles is not None:
            await self.handles.close()
        self.published.close()


def make_domain(
    dht: RecordDht,
    cache: Cache,
    settings: Settings,
    data_dir: Path | None,
    *,
    resolver: Resolver | None = None,
    policy: SignedRecordPolicy | None = None,
    clock: Callable[[], int] = wall_clock_us,
) -> ContentDomain:
    """The domain on ``dht`` and ``cache``; state under ``data_dir`` (None:
    in memory, with a fresh index key)."""
    policy = policy or nodes.build_policy(settings)
    if data_dir is None:
        from services.core.records import keys

        key = keys.generate_private_key()
        published = PublishedStore(None)
    else:
        key = keyfile.load_or_create(data_dir / INDEX_KEY_FILE)
        published = PublishedStore(data_dir / "published.sqlite3")
    timeline = Timeline(
        IndexWriter(dht, key, index_records.TIMELINE, published, clock),
        IndexReader(dht, index_records.TIMELINE),
        cache,
        bucket_s=settings.timeline_bucket_s,
        retention_s=settings.provider_ttl_s,
        clock=clock,
    )
    handles: HandleResolver | None = None
    if resolver is None:
        handles = HandleResolver(settings.handles_addr)
        resolver = handles
    providers = ProviderIndex(dht, policy, cache, timeline, published, resolver, clock)
    resources = Resources(
        dht,
        policy,
        cache,
        IndexWriter(dht, key, index_records.RESOURCE_INDEX, published, clock),
        IndexReader(dht, index_records.RESOURCE_INDEX),
        published,
        clock,
    )
    republisher = Republisher(dht, published, timeline, clock)
    return ContentDomain(providers, timeline, resources, republisher, published, handles)
