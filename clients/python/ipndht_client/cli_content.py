"""``ipndht content ...``: announce, find, list and withdraw content.

``provide`` takes a file (hashed here, streaming, with a progress bar for a
large file on a terminal) or a content hash ("blake3:<hex>",
"sha2-256:<hex>", or 64 bare hex digits for BLAKE3).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from ipndht.v1 import common_pb2, content_pb2
from ipndht_client.cli_context import State, duration_param, pass_state, time_param
from ipndht_client.cli_output import stderr_console, to_jsonable
from ipndht_client.cli_times import format_time
from ipndht_client.content import (
    BLAKE3,
    SHA2_256,
    format_content_hash,
    hash_stream,
    parse_content_hash,
)

#: Files at least this large get a progress bar while hashed: below it,
#: hashing takes well under a second and a bar would only flicker.
PROGRESS_MIN_BYTES = 64 * 1024 * 1024
#: Providers and entries shown by default: a screenful; --limit 0 for all.
DEFAULT_LIST_LIMIT = 100
#: Default start of ``content list``: announcements stay listed for the
#: provider TTL (48 h by default), so older windows are empty anyway.
DEFAULT_SINCE = "48h"

ALGORITHMS = {"blake3": BLAKE3, "sha2-256": SHA2_256}


def _content_hash(text: str, param: str = "HASH") -> common_pb2.ContentHash:
    try:
        return parse_content_hash(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=param) from None


@contextmanager
def _progress(total: int, label: str, show: bool) -> Iterator[Callable[[int], None]]:
    if not show:
        yield lambda done: None
        return
    columns = (
        TextColumn("[bold]hashing[/] {task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr_console(), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


def hash_file_with_progress(
    path: Path, algorithm: int, *, show: bool
) -> tuple[common_pb2.ContentHash, int]:
    """Hash ``path`` streaming; a rich bar on stderr when ``show`` and the
    file is at least PROGRESS_MIN_BYTES."""
    with open(path, "rb") as stream:
        total = os.fstat(stream.fileno()).st_size
        with _progress(total, path.name, show and total >= PROGRESS_MIN_BYTES) as report:
            digest = hash_stream(
                stream, algorithm, progress=lambda done, _total: report(done), total=total
            )
        return digest, stream.tell()


def progress_wanted(state: State) -> bool:
    return not state.as_json and sys.stderr.isatty()


@click.group()
def content() -> None:
    """Announce, find, list and withdraw content."""


@content.command()
@click.argument("target")
@click.option(
    "--algorithm",
    type=click.Choice(sorted(ALGORITHMS)),
    default="blake3",
    show_default=True,
    help="Digest of a FILE.",
)
@click.option(
    "--address", "-a", "addresses", multiple=True, help="Where you serve it (repeatable)."
)
@click.option("--handle", default="", help="Your @handle, shown to finders; must be your key's.")
@click.option("--ttl", callback=duration_param, help="Lifetime of the announcement, e.g. 48h.")
@click.option(
    "--size", type=click.IntRange(min=0), default=None, help="Size in bytes (for a HASH)."
)
@pass_state
def provide(
    state: State,
    target: str,
    algorithm: str,
    addresses: tuple[str, ...],
    handle: str,
    ttl: int | None,
    size: int | None,
) -> None:
    """Announce that you serve TARGET: a file (hashed here) or a content hash."""
    path = Path(target).expanduser()
    if path.is_file():
        try:
            digest, total = hash_file_with_progress(
                path, ALGORITHMS[algorithm], show=progress_wanted(state)
            )
        except OSError as exc:
            raise click.BadParameter(
                f"cannot read {path}: {exc.strerror or exc}", param_hint="TARGET"
            ) from None
        if size is not None and size != total:
            raise click.UsageError(f"--size {size} differs from the file's {total} bytes")
        size = total
    elif path.exists():
        raise click.BadParameter(f"{path} is not a regular file", param_hint="TARGET")
    else:
        digest = _content_hash(target, "TARGET (neither a file nor a content hash)")
    key = state.key()
    reply = state.client("content").content.provide(
        key, digest, size=size or 0, handle=handle, addresses=addresses, ttl_s=ttl
    )
    name = format_content_hash(digest)
    if state.as_json:
        state.output.document({"content": name, "size": size or 0, **to_jsonable(reply)})
        return
    state.output.fields(
        f"providing {name}",
        [
            ("content", name),
            ("size", size or 0),
            ("hash timer", reply.hash_timer.hex),
            ("announced", format_time(reply.hash_timer.time_us)),
            ("expires", format_time(reply.expires_at_us)),
            ("holders", reply.holders),
        ],
    )


def _provider_row(item: content_pb2.FindProvidersResponse) -> list[Any]:
    record = item.provider
    return [
        item.provider_key,
        record.handle,
        list(record.addresses),
        record.size_bytes,
        format_time(record.hash_timer.time_us),
        format_time(item.record.expires_at_us),
    ]


@content.command()
@click.argument("hash_text", metavar="HASH")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Most providers."
)
@pass_state
def find(state: State, hash_text: str, limit: int) -> None:
    """The providers of HASH, newest first."""
    digest = _content_hash(hash_text)
    found = state.client("content").content.find_providers(digest, limit=limit)
    name = format_content_hash(digest)
    if state.as_json:
        state.output.document({"content": name, "providers": [to_jsonable(p) for p in found]})
        return
    state.output.table(
        f"providers of {name}",
        ["provider key", "handle", "addresses", "size", "announced", "expires"],
        (_provider_row(p) for p in found),
        empty=f"no providers of {name}",
    )


@content.command(name="list")
@click.option(
    "--since",
    callback=time_param,
    default=DEFAULT_SINCE,
    show_default=True,
    help="Window start: ISO-8601, unix seconds, or relative (30m, 1h, 2d ago).",
)
@click.option(
    "--until", callback=time_param, default=None, help="Window end (exclusive); default now."
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIST_LIMIT,
    show_default=True,
    help="Most entries shown; 0 for all.",
)
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="Entries fetched per call.",
)
@pass_state
def list_content(state: State, since: int, until: int, limit: int, page_size: int) -> None:
    """Content announced in a time window, oldest first."""
    if until and until <= since:
        raise click.BadParameter("--until must be after --since", param_hint="--until")
    entries: list[content_pb2.ContentEntry] = []
    truncated = False
    for entry in state.client("content").content.iter_content(
        since_us=since, until_us=until, page_size=page_size
    ):
        if limit and len(entries) >= limit:
            truncated = True
            break
        entries.append(entry)
    if state.as_json:
        state.output.document(
            {
                "since_us": since,
                "until_us": until,
                "truncated": truncated,
                "entries": [to_jsonable(e) for e in entries],
            }
        )
        return
    window = f"{format_time(since) or 'the start'} .. {format_time(until) or 'now'}"
    state.output.table(
        f"content announced {window}",
        ["announced", "content", "provider key", "handle"],
        (
            (
                format_time(e.hash_timer.time_us),
                format_content_hash(e.content),
                e.provider_key,
                e.handle,
            )
            for e in entries
        ),
        empty=f"nothing announced {window}",
    )
    if truncated:
        state.output.line(f"(first {limit} entries; --limit 0 lists all)")


@content.command()
@click.argument("hash_text", metavar="HASH")
@pass_state
def stop(state: State, hash_text: str) -> None:
    """Withdraw your announcement of HASH."""
    digest = _content_hash(hash_text)
    key = state.key()
    reply = state.client("content").content.stop_providing(key, digest)
    name = format_content_hash(digest)
    if state.as_json:
        state.output.document({"content": name, **to_jsonable(reply)})
        return
    state.output.line(f"stopped providing {name} ({reply.holders} DHT holders)")
