"""docs/api.md is what tools/protodoc.py makes of the protos and tools/api_intro.md."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from google.protobuf import descriptor_pb2

from tests.support.services import REPO
from tools import protodoc


def test_api_doc_is_not_stale() -> None:
    """Regenerating docs/api.md in memory gives exactly the committed file."""
    fresh = protodoc.generate()
    committed = (REPO / "docs" / "api.md").read_text(encoding="utf-8")
    assert fresh == committed, f"docs/api.md is stale: run `{protodoc.COMMAND}`"


def test_every_rpc_field_and_enum_value_is_rendered_with_its_comment() -> None:
    """Each rpc gets a heading, each field and enum value a table row with a
    description (no "-" cell: every one has a comment in the protos)."""
    fds = protodoc.compile_protos()
    text = protodoc.render(fds, "# intro\n")
    for file in fds.file:
        for service in file.service:
            for method in service.method:
                assert f"#### {service.name}.{method.name}\n" in text
        for message in _messages(file.message_type):
            for field in message.field:
                assert re.search(
                    rf"^\| `{field.name}` \| {field.number} \| .+ \| (?!- \|).+ \|$", text, re.M
                ), field.name
        for enum in file.enum_type:
            for value in enum.value:
                assert re.search(
                    rf"^\| `{value.name}` \| {value.number} \| (?!- \|).+ \|$", text, re.M
                ), value.name


def test_comment_text_is_made_literal_in_markdown() -> None:
    """Angle brackets, pipes and stars in comments cannot become HTML or table syntax."""
    assert protodoc._escape("key <type>/<id> | a*b") == "key &lt;type&gt;/&lt;id&gt; \\| a\\*b"


def test_broken_protos_give_a_clear_error(tmp_path: Path) -> None:
    """A proto that does not compile is a ProtoDocError quoting protoc, not a traceback."""
    folder = tmp_path / "ipndht" / "v1"
    folder.mkdir(parents=True)
    (folder / "bad.proto").write_text('syntax = "proto3";\nmessage {\n')
    try:
        protodoc.compile_protos(tmp_path)
    except protodoc.ProtoDocError as exc:
        assert "protoc failed" in str(exc) and "bad.proto" in str(exc)
    else:
        raise AssertionError("compiling a broken proto succeeded")


def _messages(
    messages: Iterable[descriptor_pb2.DescriptorProto],
) -> Iterator[descriptor_pb2.DescriptorProto]:
    for message in messages:
        if not message.options.map_entry:
            yield message
            yield from _messages(message.nested_type)


def test_map_fields_show_their_key_and_value_types() -> None:
    """A map field is rendered as map<K, V>, not as its synthetic entry message."""
    fds = protodoc.compile_protos()
    text = protodoc.render(fds, "")
    assert "| `metadata` | 5 | `map<string, string>` |" in text
    assert "MetadataEntry" not in text


def test_every_link_inside_the_page_has_a_heading() -> None:
    """Each #anchor link of docs/api.md names a heading of the page."""
    text = protodoc.generate()
    anchors = {protodoc.slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}
    missing = sorted(set(re.findall(r"\]\(#([^)]+)\)", text)) - anchors)
    assert not missing, f"links without a heading: {missing}"
