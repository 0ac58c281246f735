"""``ipndht resource ...``: announce and discover typed resources."""

from __future__ import annotations

from pathlib import Path

import click

from ipndht.v1 import content_pb2
from ipndht_client.cli_context import State, duration_param, pass_state, split_pairs
from ipndht_client.cli_output import to_jsonable
from ipndht_client.cli_times import format_time

#: Largest resource data the service accepts (ResourceRecord.data).
MAX_DATA_BYTES = 4096


def show_data(data: bytes) -> str:
    """Resource data as text when it is printable UTF-8, else hex."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + data.hex()
    return text if text.isprintable() else "0x" + data.hex()


@click.group()
def resource() -> None:
    """Announce and discover typed resources."""


@resource.command()
@click.argument("type_", metavar="TYPE")
@click.argument("resource_id", metavar="ID")
@click.option("--data", default=None, help="Data as text (UTF-8).")
@click.option(
    "--data-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Data read from a file.",
)
@click.option("--attr", multiple=True, metavar="KEY=VALUE", help="Attribute (repeatable).")
@click.option("--ttl", callback=duration_param, help="Lifetime, e.g. 1h (default 1 h).")
@pass_state
def announce(
    state: State,
    type_: str,
    resource_id: str,
    data: str | None,
    data_file: Path | None,
    attr: tuple[str, ...],
    ttl: int | None,
) -> None:
    """Publish resource ID of type TYPE, signed by the --key file's key."""
    if data is not None and data_file is not None:
        raise click.UsageError("give --data or --data-file, not both")
    raw = data.encode("utf-8") if data is not None else b""
    if data_file is not None:
        raw = data_file.read_bytes()
    if len(raw) > MAX_DATA_BYTES:
        raise click.BadParameter(
            f"{len(raw)} bytes of data; at most {MAX_DATA_BYTES}", param_hint="data"
        )
    attributes = split_pairs(attr, "--attr")
    key = state.key()
    reply = state.client("content").content.announce_resource(
        key, type_, resource_id, data=raw, attributes=attributes, ttl_s=ttl
    )
    if state.as_json:
        state.output.document({"type": type_, "id": resource_id, **to_jsonable(reply)})
        return
    state.output.fields(
        f"announced {type_}/{resource_id}",
        [
            ("type", type_),
            ("id", resource_id),
            ("attributes", attributes),
            ("hash timer", reply.hash_timer.hex),
            ("holders", reply.holders),
        ],
    )


def _row(item: content_pb2.DiscoverResourcesResponse) -> list[object]:
    res = item.resource
    return [
        res.id,
        dict(res.attributes),
        show_data(res.data),
        item.announcer_key,
        format_time(item.record.expires_at_us),
    ]


@resource.command()
@click.argument("type_", metavar="TYPE")
@click.option("--filter", "filters", multiple=True, metavar="KEY=VALUE", help="Attribute match.")
@click.option(
    "--limit", type=click.IntRange(1, 1000), default=100, show_default=True, help="Most results."
)
@pass_state
def discover(state: State, type_: str, filters: tuple[str, ...], limit: int) -> None:
    """Unexpired resources of TYPE matching every --filter, newest first."""
    wanted = split_pairs(filters, "--filter")
    found = state.client("content").content.discover_resources(type_, filters=wanted, limit=limit)
    if state.as_json:
        state.output.document({"type": type_, "resources": [to_jsonable(r) for r in found]})
        return
    state.output.table(
        f"resources of type {type_}",
        ["id", "attributes", "data", "announcer key", "expires"],
        (_row(r) for r in found),
        empty=f"no resources of type {type_}",
    )
