"""``ipndht handle ...``: register, resolve and manage @handles.

Writes are signed with the --key file; the registry countersigns. Each write
prints the record as stored (or the whole response with --json).
"""

from __future__ import annotations

import sys
from typing import Any

import click
import grpc

from ipndht.v1 import common_pb2, handles_pb2
from ipndht_client.cli_context import State, duration_param, pass_state, split_pairs
from ipndht_client.cli_errors import EXIT_BY_STATUS, UNEXPECTED, CliFailure
from ipndht_client.cli_output import decode_payload, to_jsonable
from ipndht_client.cli_times import format_time
from ipndht_client.errors import InvalidArgument

#: 64 hex digits: an Ed25519 public key as Resolve and transfer take it.
PUBLIC_KEY_HEX_LEN = 64


def _enum_name(enum: Any, number: int, prefix: str) -> str:
    try:
        return str(enum.Name(number)).removeprefix(prefix)
    except ValueError:
        return str(number)


def record_rows(record: common_pb2.SignedRecord) -> list[tuple[str, Any]]:
    """The fields of a handle record worth showing, decoded."""
    payload = decode_payload(record)
    rows: list[tuple[str, Any]] = []
    if isinstance(payload, handles_pb2.HandleRecord):
        rows += [
            ("handle", payload.handle),
            (
                "operation",
                _enum_name(handles_pb2.HandleOperation, payload.operation, "HANDLE_OPERATION_"),
            ),
            ("owner", payload.owner_key),
            ("target", payload.target_key),
            ("addresses", list(payload.addresses)),
            ("metadata", dict(payload.metadata)),
            ("alias", payload.alias),
        ]
    rows += [
        ("seq", record.seq),
        ("signer", record.signer),
        ("issued", format_time(record.issued_at_us)),
        ("expires", format_time(record.expires_at_us)),
        ("registrar", [c.signer for c in record.countersignatures]),
    ]
    return rows


def _show_write(state: State, verb: str, reply: Any) -> None:
    if state.as_json:
        state.output.document(to_jsonable(reply))
        return
    state.output.fields(
        f"{verb} (stored on {reply.holders} DHT holders)", record_rows(reply.record)
    )


@click.group()
def handle() -> None:
    """Register, resolve and manage @label.ipn handles."""


@handle.command()
@click.argument("name")
@click.option(
    "--address", "-a", "addresses", multiple=True, help="Address for the handle (repeatable)."
)
@click.option(
    "--meta", "-m", multiple=True, metavar="KEY=VALUE", help="Metadata entry (repeatable)."
)
@click.option("--alias", default="", help="Alias (validator id) resolvable like the handle.")
@click.option(
    "--period",
    callback=duration_param,
    help="Registration period, e.g. 365d (default: the registry's).",
)
@pass_state
def register(
    state: State,
    name: str,
    addresses: tuple[str, ...],
    meta: tuple[str, ...],
    alias: str,
    period: int | None,
) -> None:
    """Claim the free handle NAME, such as @alice.ipn, for your key."""
    metadata = split_pairs(meta, "--meta")
    key = state.key()
    reply = state.client("handles").handles.register(
        key, name, addresses=addresses, metadata=metadata, alias=alias, period_s=period
    )
    _show_write(state, "registered", reply)


def _resolve_rows(reply: handles_pb2.ResolveResponse) -> list[tuple[str, Any]]:
    rows: list[tuple[str, Any]] = [
        ("kind", _enum_name(handles_pb2.QueryKind, reply.kind, "QUERY_KIND_")),
        ("public key", reply.public_key),
        ("handle", reply.handle),
        ("source", _enum_name(handles_pb2.ResolveSource, reply.source, "RESOLVE_SOURCE_")),
    ]
    if reply.kind == handles_pb2.QUERY_KIND_PUBLIC_KEY:
        rows.append(("owns", list(reply.owned_handles)))
    elif reply.HasField("record"):
        rows += [row for row in record_rows(reply.record) if row[0] != "handle"]
    return rows


@handle.command()
@click.argument("queries", nargs=-1, required=True)
@pass_state
def resolve(state: State, queries: tuple[str, ...]) -> None:
    """Resolve handles, hex public keys or aliases.

    Several queries go in one batch call.

    With several queries the exit code is that of the first failed one."""
    handles = state.client("handles").handles
    if len(queries) == 1:
        reply = handles.resolve(queries[0])
        if state.as_json:
            state.output.document(to_jsonable(reply))
        else:
            state.output.fields(queries[0], _resolve_rows(reply))
        return
    batch = handles.batch_resolve(list(queries))
    if state.as_json:
        state.output.document(to_jsonable(batch))
    else:
        state.output.table(
            "resolved",
            ["query", "status", "public key", "handle", "source / error"],
            (
                (
                    r.query,
                    grpc.StatusCode.OK.name if r.code == 0 else _status_name(r.code),
                    r.result.public_key if r.code == 0 else "",
                    r.result.handle if r.code == 0 else "",
                    _enum_name(handles_pb2.ResolveSource, r.result.source, "RESOLVE_SOURCE_")
                    if r.code == 0
                    else r.message,
                )
                for r in batch.results
            ),
        )
    failed = [r for r in batch.results if r.code != 0]
    if failed:
        code = _exit_for_status_number(failed[0].code)
        raise CliFailure(
            f"{len(failed)} of {len(batch.results)} queries failed; first: "
            f"{failed[0].query}: {_status_name(failed[0].code)}: {failed[0].message}",
            code,
            as_json=state.as_json,
        )


def _status(number: int) -> grpc.StatusCode | None:
    for code in grpc.StatusCode:
        if code.value[0] == number:
            return code
    return None


def _status_name(number: int) -> str:
    code = _status(number)
    return code.name if code is not None else str(number)


def _exit_for_status_number(number: int) -> int:
    code = _status(number)
    return EXIT_BY_STATUS.get(code, UNEXPECTED) if code is not None else UNEXPECTED


@handle.command()
@click.argument("name")
@click.option("--address", "-a", "addresses", multiple=True, help="New address list (repeatable).")
@click.option("--clear-addresses", is_flag=True, help="Remove every address.")
@click.option("--meta", "-m", multiple=True, metavar="KEY=VALUE", help="New metadata (repeatable).")
@click.option("--clear-metadata", is_flag=True, help="Remove every metadata entry.")
@click.option("--alias", default=None, help='New alias ("" removes it).')
@click.option(
    "--target", default=None, help="Key the handle resolves to: hex, or a handle or alias."
)
@pass_state
def update(
    state: State,
    name: str,
    addresses: tuple[str, ...],
    clear_addresses: bool,
    meta: tuple[str, ...],
    clear_metadata: bool,
    alias: str | None,
    target: str | None,
) -> None:
    """Change the addresses, metadata, alias or target key of NAME.

    What is not given keeps its current value."""
    if addresses and clear_addresses:
        raise click.UsageError("give --address or --clear-addresses, not both")
    if meta and clear_metadata:
        raise click.UsageError("give --meta or --clear-metadata, not both")
    metadata = split_pairs(meta, "--meta")
    new_addresses = addresses if addresses else (() if clear_addresses else None)
    new_metadata = metadata if metadata else ({} if clear_metadata else None)
    if new_addresses is None and new_metadata is None and alias is None and target is None:
        raise click.UsageError("nothing to change: give --address, --meta, --alias or --target")
    key = state.key()
    target_key = _public_key(state, target, "--target") if target is not None else None
    reply = state.client("handles").handles.update(
        key,
        name,
        addresses=new_addresses,
        metadata=new_metadata,
        alias=alias,
        target_key=target_key,
    )
    _show_write(state, "updated", reply)


def _public_key(state: State, text: str, param: str) -> bytes:
    """A public key given as 64 hex digits, or a handle or alias resolved."""
    cleaned = text.strip().lower()
    if len(cleaned) == PUBLIC_KEY_HEX_LEN:
        try:
            return bytes.fromhex(cleaned)
        except ValueError:
            pass
    try:
        return bytes(state.client("handles").handles.resolve(text).public_key)
    except InvalidArgument as exc:
        raise click.BadParameter(
            f"{text!r} is neither 64 hex digits nor a handle or alias ({exc.message})",
            param_hint=param,
        ) from None


@handle.command()
@click.argument("name")
@click.argument("new_owner")
@pass_state
def transfer(state: State, name: str, new_owner: str) -> None:
    """Hand NAME to another key.

    NEW_OWNER is a hex public key, or a handle or alias that resolves to one."""
    key = state.key()
    owner = _public_key(state, new_owner, "NEW_OWNER")
    reply = state.client("handles").handles.transfer(key, name, owner)
    _show_write(state, "transferred", reply)


@handle.command()
@click.argument("name")
@click.option("--period", callback=duration_param, help="New period from now, e.g. 365d.")
@pass_state
def renew(state: State, name: str, period: int | None) -> None:
    """Extend the expiry of NAME (also within its grace period)."""
    key = state.key()
    reply = state.client("handles").handles.renew(key, name, period_s=period)
    _show_write(state, "renewed", reply)


@handle.command()
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@pass_state
def release(state: State, name: str, yes: bool) -> None:
    """Give NAME up; anyone may register it again at once."""
    if not yes and sys.stdin.isatty() and not state.as_json:
        click.confirm(f"Release {name}? Anyone may register it afterwards", abort=True, err=True)
    key = state.key()
    reply = state.client("handles").handles.release(key, name)
    _show_write(state, "released", reply)


@handle.command()
@click.argument("name")
@click.option(
    "--page-size",
    type=click.IntRange(1, 100),
    default=100,
    show_default=True,
    help="Records fetched per call.",
)
@pass_state
def history(state: State, name: str, page_size: int) -> None:
    """The accepted records of NAME, oldest first."""
    handles = state.client("handles").handles
    records: list[common_pb2.SignedRecord] = []
    token = ""
    while True:
        page = handles.history(name, page_size=page_size, page_token=token)
        records.extend(page.records)
        token = page.next_page_token
        if not token:
            break
    if state.as_json:
        state.output.document({"handle": name, "records": [to_jsonable(r) for r in records]})
        return
    rows = []
    for record in records:
        fields = dict(record_rows(record))
        rows.append(
            (
                record.seq,
                fields.get("operation", ""),
                fields.get("owner", b""),
                fields.get("target", b""),
                fields["issued"],
                fields["expires"],
            )
        )
    state.output.table(
        f"history of {name}",
        ["seq", "operation", "owner", "target", "issued", "expires"],
        rows,
        empty=f"no history for {name}",
    )


@handle.command()
@pass_state
def registrar(state: State) -> None:
    """The registry's registrar key, trusted registrars and periods."""
    info = state.client("handles").handles.registrar_info()
    if state.as_json:
        state.output.document(to_jsonable(info))
        return
    state.output.fields(
        "registrar",
        [
            ("registrar key", info.registrar_key),
            ("trusted", [bytes(k) for k in info.trusted_registrars]),
            ("period", f"{info.registration_period_s} s"),
            ("grace", f"{info.grace_period_s} s"),
        ],
    )
