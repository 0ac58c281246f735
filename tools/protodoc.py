"""`python -m tools.protodoc > docs/api.md`: the gRPC API reference, from the protos.

Compiles ``protos/ipndht/v1/*.proto`` with ``grpc_tools.protoc
--include_source_info`` into a FileDescriptorSet and renders every service,
rpc, message, field and enum value with its comment as markdown, after the
hand-written introduction in ``tools/api_intro.md``. The output depends only
on those files (no dates, declaration order), so tests/unit/test_api_doc.py
can compare it with the committed docs/api.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from google.protobuf import descriptor_pb2 as d

REPO = Path(__file__).resolve().parent.parent
PROTO_ROOT = REPO / "protos"
PROTO_DIR = PROTO_ROOT / "ipndht" / "v1"
INTRO = Path(__file__).with_name("api_intro.md")

#: The command that regenerates docs/api.md (the staleness test prints it).
COMMAND = ".venv/bin/python -m tools.protodoc > docs/api.md"

#: The proto package whose type names are shown without their package prefix.
PACKAGE = "ipndht.v1"

#: Files in reading order: the services a client calls first, shared types last.
FILE_ORDER = ("discovery.proto", "handles.proto", "content.proto", "common.proto")

#: A protoc run over four small files takes well under a second; a minute
#: means something is wrong with the toolchain.
PROTOC_TIMEOUT_S = 60.0

# Field numbers of descriptor.proto that make up SourceCodeInfo paths.
_FILE_MESSAGE = 4
_FILE_ENUM = 5
_FILE_SERVICE = 6
_FILE_SYNTAX = 12
_MESSAGE_FIELD = 2
_MESSAGE_NESTED = 3
_MESSAGE_ENUM = 4
_ENUM_VALUE = 2
_SERVICE_METHOD = 2

_F = d.FieldDescriptorProto
_SCALARS = {
    _F.TYPE_DOUBLE: "double",
    _F.TYPE_FLOAT: "float",
    _F.TYPE_INT64: "int64",
    _F.TYPE_UINT64: "uint64",
    _F.TYPE_INT32: "int32",
    _F.TYPE_FIXED64: "fixed64",
    _F.TYPE_FIXED32: "fixed32",
    _F.TYPE_BOOL: "bool",
    _F.TYPE_STRING: "string",
    _F.TYPE_BYTES: "bytes",
    _F.TYPE_UINT32: "uint32",
    _F.TYPE_SFIXED32: "sfixed32",
    _F.TYPE_SFIXED64: "sfixed64",
    _F.TYPE_SINT32: "sint32",
    _F.TYPE_SINT64: "sint64",
}

Path_ = tuple[int, ...]


class ProtoDocError(Exception):
    """The protos cannot be compiled or rendered; the message says why."""


def compile_protos(root: Path = PROTO_ROOT) -> d.FileDescriptorSet:
    """The descriptors, with comments, of every .proto under ``root``/ipndht/v1."""
    files = sorted(p.relative_to(root).as_posix() for p in (root / "ipndht" / "v1").glob("*.proto"))
    if not files:
        raise ProtoDocError(f"no .proto files under {root / 'ipndht' / 'v1'}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "api.binpb"
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "grpc_tools.protoc",
                    f"-I{root}",
                    "--include_source_info",
                    f"--descriptor_set_out={out}",
                    *files,
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=PROTOC_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            raise ProtoDocError(f"protoc did not finish within {PROTOC_TIMEOUT_S:.0f} s") from None
        if proc.returncode != 0:
            why = proc.stderr.strip() or f"exit code {proc.returncode}"
            raise ProtoDocError(f"protoc failed (is grpcio-tools installed?): {why}")
        return d.FileDescriptorSet.FromString(out.read_bytes())


# -- text ---------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Proto comment text made literal in markdown (angle brackets, pipes, stars)."""
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("|", "\\|")
        .replace("*", "\\*")
    )


def _paragraphs(comment: str) -> list[str]:
    """The paragraphs of a proto comment, each one line."""
    lines = [line[1:] if line.startswith(" ") else line for line in comment.split("\n")]
    out: list[str] = []
    current: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            out.append(" ".join(current))
            current = []
    return out


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


# -- the model ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Comments:
    by_path: dict[Path_, d.SourceCodeInfo.Location]

    def text(self, path: Path_) -> str:
        loc = self.by_path.get(path)
        if loc is None:
            return ""
        return (loc.leading_comments or loc.trailing_comments).rstrip("\n")

    def line(self, path: Path_) -> int:
        loc = self.by_path.get(path)
        return loc.span[0] if loc is not None and loc.span else 0


def _comments(file: d.FileDescriptorProto) -> _Comments:
    return _Comments({tuple(loc.path): loc for loc in file.source_code_info.location})


@dataclass(frozen=True)
class _Message:
    name: str  # relative to the package: "Outer.Inner"
    proto: d.DescriptorProto
    path: Path_


@dataclass(frozen=True)
class _Enum:
    name: str
    proto: d.EnumDescriptorProto
    path: Path_


def _walk(
    messages: Sequence[d.DescriptorProto],
    enums: Sequence[d.EnumDescriptorProto],
    prefix: str,
    base: Path_,
    kinds: tuple[int, int],
) -> Iterator[_Message | _Enum]:
    for index, enum in enumerate(enums):
        yield _Enum(prefix + enum.name, enum, (*base, kinds[1], index))
    for index, message in enumerate(messages):
        path = (*base, kinds[0], index)
        if message.options.map_entry:
            continue
        yield _Message(prefix + message.name, message, path)
        yield from _walk(
            message.nested_type,
            message.enum_type,
            f"{prefix}{message.name}.",
            path,
            (_MESSAGE_NESTED, _MESSAGE_ENUM),
        )


class Renderer:
    """Renders one FileDescriptorSet of the package as markdown."""

    def __init__(self, fds: d.FileDescriptorSet) -> None:
        self.files = sorted(
            (f for f in fds.file if f.package == PACKAGE),
            key=lambda f: (
                FILE_ORDER.index(Path(f.name).name)
                if Path(f.name).name in FILE_ORDER
                else len(FILE_ORDER),
                f.name,
            ),
        )
        if not self.files:
            raise ProtoDocError(f"no file of package {PACKAGE} among the compiled protos")
        self.map_entries: dict[str, d.DescriptorProto] = {}
        for file in self.files:
            self._collect_maps(file.message_type, f".{PACKAGE}.")
        self.headings: set[str] = set()

    def _collect_maps(self, messages: Sequence[d.DescriptorProto], prefix: str) -> None:
        for message in messages:
            name = prefix + message.name
            if message.options.map_entry:
                self.map_entries[name] = message
            self._collect_maps(message.nested_type, name + ".")

    # -- pieces --------------------------------------------------------------------

    def _heading(self, level: int, text: str) -> str:
        anchor = slug(text)
        if anchor in self.headings:
            raise ProtoDocError(f"two headings would share the anchor #{anchor}: {text!r}")
        self.headings.add(anchor)
        return f"{'#' * level} {text}"

    def _type_link(self, type_name: str) -> str:
        short = type_name.removeprefix(f".{PACKAGE}.")
        if short == type_name:
            return f"`{type_name.lstrip('.')}`"
        return f"[`{short}`](#{slug(short)})"

    def _field_type(self, field: d.FieldDescriptorProto) -> str:
        if field.type in (_F.TYPE_MESSAGE, _F.TYPE_ENUM):
            entry = self.map_entries.get(field.type_name)
            if entry is not None:
                key, value = entry.field[0], entry.field[1]
                if value.type in _SCALARS:
                    return f"`map<{_SCALARS[key.type]}, {_SCALARS[value.type]}>`"
                return f"map&lt;`{_SCALARS[key.type]}`, {self._field_type(value)}&gt;"
            shown = self._type_link(field.type_name)
        else:
            shown = f"`{_SCALARS[field.type]}`"
        if field.label == _F.LABEL_REPEATED:
            return f"repeated {shown}"
        return shown

    @staticmethod
    def _cell(comment: str) -> str:
        return "<br><br>".join(_escape(p) for p in _paragraphs(comment)) or "-"

    @staticmethod
    def _block(comment: str) -> list[str]:
        out: list[str] = []
        for paragraph in _paragraphs(comment):
            out += [_escape(paragraph), ""]
        return out

    # -- sections ------------------------------------------------------------------

    def render(self) -> str:
        out = [
            "---",
            "",
            "Everything below is generated from the comments of",
            "[protos/ipndht/v1](../protos/ipndht/v1) by `tools/protodoc.py`: edit the",
            f"protos, then run `{COMMAND}`.",
            "",
        ]
        out += self._services()
        out += self._types()
        return "\n".join(out).rstrip("\n") + "\n"

    def _services(self) -> list[str]:
        out = [self._heading(2, "Services"), ""]
        for file in self.files:
            notes = _comments(file)
            for s_index, service in enumerate(file.service):
                s_path: Path_ = (_FILE_SERVICE, s_index)
                full = f"{PACKAGE}.{service.name}"
                out += [self._heading(3, service.name), ""]
                out += [f"`{full}`, defined in `{Path(file.name).name}`.", ""]
                out += self._block(notes.text(s_path))
                out += ["| rpc | request | response |", "|---|---|---|"]
                for method in service.method:
                    rpc = f"[`{method.name}`](#{slug(f'{service.name}.{method.name}')})"
                    request = self._type_link(method.input_type)
                    response = self._type_link(method.output_type)
                    if method.client_streaming:
                        request = f"stream {request}"
                    if method.server_streaming:
                        response = f"stream {response}"
                    out.append(f"| {rpc} | {request} | {response} |")
                out.append("")
                for m_index, method in enumerate(service.method):
                    out += [self._heading(4, f"{service.name}.{method.name}"), ""]
                    stream_in = "stream " if method.client_streaming else ""
                    stream_out = "stream " if method.server_streaming else ""
                    request = method.input_type.removeprefix(f".{PACKAGE}.")
                    response = method.output_type.removeprefix(f".{PACKAGE}.")
                    out += [
                        f"`rpc {method.name}({stream_in}{request}) returns "
                        f"({stream_out}{response})`, full name `/{full}/{method.name}`",
                        "",
                    ]
                    out += self._block(notes.text((*s_path, _SERVICE_METHOD, m_index)))
        return out

    def _types(self) -> list[str]:
        out = [self._heading(2, "Messages and enums"), ""]
        for file in self.files:
            notes = _comments(file)
            items = list(
                _walk(file.message_type, file.enum_type, "", (), (_FILE_MESSAGE, _FILE_ENUM))
            )
            if not items:
                continue
            name = Path(file.name).name
            out += [self._heading(3, name), ""]
            out += self._block(notes.text((_FILE_SYNTAX,)))
            items.sort(key=lambda item: (notes.line(item.path), item.name))
            for item in items:
                if isinstance(item, _Enum):
                    out += self._enum(item, notes)
                else:
                    out += self._message(item, notes)
        return out

    def _message(self, message: _Message, notes: _Comments) -> list[str]:
        out = [self._heading(4, message.name), ""]
        out += self._block(notes.text(message.path))
        fields = list(message.proto.field)
        if not fields:
            return [*out, "No fields.", ""]
        out += ["| field | number | type | description |", "|---|---|---|---|"]
        oneofs = [o.name for o in message.proto.oneof_decl]
        for index, field in enumerate(fields):
            shown = self._field_type(field)
            if field.proto3_optional:
                shown = f"optional {shown}"
            elif field.HasField("oneof_index"):
                shown = f"oneof `{oneofs[field.oneof_index]}`: {shown}"
            text = self._cell(notes.text((*message.path, _MESSAGE_FIELD, index)))
            out.append(f"| `{field.name}` | {field.number} | {shown} | {text} |")
        return [*out, ""]

    def _enum(self, enum: _Enum, notes: _Comments) -> list[str]:
        out = [self._heading(4, enum.name), ""]
        block = self._block(notes.text(enum.path)) or ["", ""]
        block[0] = f"Enum. {block[0]}".rstrip()
        out += block
        out += ["| value | number | description |", "|---|---|---|"]
        for index, value in enumerate(enum.proto.value):
            text = self._cell(notes.text((*enum.path, _ENUM_VALUE, index)))
            out.append(f"| `{value.name}` | {value.number} | {text} |")
        return [*out, ""]


def render(fds: d.FileDescriptorSet, intro: str) -> str:
    """The whole of docs/api.md: ``intro``, then the generated reference."""
    return intro.rstrip("\n") + "\n\n" + Renderer(fds).render()


def generate() -> str:
    """docs/api.md as the protos and tools/api_intro.md give it now."""
    try:
        intro = INTRO.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtoDocError(f"cannot read {INTRO}: {exc.strerror}") from None
    return render(compile_protos(), intro)


def main() -> int:
    try:
        text = generate()
    except ProtoDocError as exc:
        print(f"protodoc: {exc}", file=sys.stderr)
        return 1
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
