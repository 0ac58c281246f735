"""What the CLI prints: JSON documents, or rich tables and lines for people.

With ``--json`` every command writes exactly one JSON document to stdout
(streams write one JSON object per line); without it, output is rich tables
and key/value panels. Protobuf messages become plain JSON with field names as
in the proto, bytes as lower-case hex, enums by name and every field present,
and signed records carry their decoded payload under ``"decoded"``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from rich.console import Console
from rich.table import Table
from rich.text import Text

from ipndht.v1 import common_pb2, content_pb2, handles_pb2

#: Width used when stdout is not a terminal and COLUMNS is unset, so piped
#: tables keep 64-digit keys on one line instead of folding them at rich's
#: default of 80.
PIPE_WIDTH = 200

#: Payload message of each record namespace, for decoding ``value``.
PAYLOADS: dict[str, type[Message]] = {
    "handle": handles_pb2.HandleRecord,
    "provider": common_pb2.ProviderRecord,
    "resource": content_pb2.ResourceRecord,
}


def _scalar(field: Any, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_BYTES:
        return bytes(value).hex()
    if field.type == FieldDescriptor.TYPE_ENUM:
        enum_value = field.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value is not None else value
    if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        return to_jsonable(value)
    return value


def to_jsonable(message: Message) -> dict[str, Any]:
    """``message`` as a JSON-ready dict (see the module docstring)."""
    out: dict[str, Any] = {}
    for field in message.DESCRIPTOR.fields:
        value = getattr(message, field.name)
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            out[field.name] = {str(k): _scalar(value_field, v) for k, v in value.items()}
        elif field.is_repeated:
            out[field.name] = [_scalar(field, item) for item in value]
        elif field.containing_oneof is not None and not message.HasField(field.name):
            continue
        else:
            out[field.name] = _scalar(field, value)
    if isinstance(message, common_pb2.SignedRecord):
        decoded = decode_payload(message)
        if decoded is not None:
            out["decoded"] = to_jsonable(decoded)
    return out


def decode_payload(record: common_pb2.SignedRecord) -> Message | None:
    """The record's value parsed as its namespace's payload, if known."""
    cls = PAYLOADS.get(record.namespace)
    if cls is None:
        return None
    payload = cls()
    try:
        payload.ParseFromString(record.value)
    except DecodeError:
        return None
    return payload


def stdout_console() -> Console:
    """A console on the current stdout (made per command: tests swap it)."""
    tty = sys.stdout.isatty()
    wide = not tty and not os.environ.get("COLUMNS")
    return Console(file=sys.stdout, width=PIPE_WIDTH if wide else None, soft_wrap=not tty)


def stderr_console() -> Console:
    return Console(file=sys.stderr, stderr=True)


class Output:
    """Where one command's results go: JSON on stdout, or rich for people."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self._console: Console | None = None

    @property
    def console(self) -> Console:
        if self._console is None:
            self._console = stdout_console()
        return self._console

    def document(self, doc: Any) -> None:
        """Write one JSON document (a whole command's result)."""
        sys.stdout.write(json.dumps(doc, sort_keys=True) + "\n")
        sys.stdout.flush()

    def json_line(self, doc: Any) -> None:
        """Write one compact JSON line (one item of a stream)."""
        sys.stdout.write(json.dumps(doc, sort_keys=True, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    def fields(self, title: str, rows: Iterable[tuple[str, Any]]) -> None:
        """A two-column table of names and values."""
        table = Table(title=title, show_header=False, title_justify="left")
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        for name, value in rows:
            table.add_row(name, Text(text(value)))
        self.console.print(table)

    def table(
        self, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], *, empty: str = ""
    ) -> None:
        """A table with a header; ``empty`` is printed instead when no rows."""
        table = Table(title=title, title_justify="left")
        for column in columns:
            table.add_column(column, overflow="fold")
        count = 0
        for row in rows:
            table.add_row(*(Text(text(cell)) for cell in row))
            count += 1
        if count == 0 and empty:
            self.line(empty)
            return
        self.console.print(table)

    def line(self, message: str) -> None:
        self.console.print(message, highlight=False, markup=False)


def text(value: Any) -> str:
    """A cell's text: hex for bytes, k=v for mappings, commas for lists."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(text(item) for item in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
