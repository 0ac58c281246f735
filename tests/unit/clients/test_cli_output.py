"""How the CLI renders results: JSON conversion of protos and rich tables."""

from __future__ import annotations

import json

import pytest

from ipndht.v1 import common_pb2, content_pb2, discovery_pb2, handles_pb2
from ipndht_client.cli_output import Output, decode_payload, text, to_jsonable


def _handle_record() -> common_pb2.SignedRecord:
    payload = handles_pb2.HandleRecord(
        handle="@alice.ipn",
        owner_key=b"\x01" * 32,
        target_key=b"\x02" * 32,
        addresses=["tcp://a"],
        metadata={"role": "dev"},
        operation=handles_pb2.HANDLE_OPERATION_REGISTER,
    )
    return common_pb2.SignedRecord(
        namespace="handle",
        key=b"@alice.ipn",
        value=payload.SerializeToString(),
        signer=b"\x01" * 32,
        seq=7,
        countersignatures=[common_pb2.Countersignature(signer=b"\x03" * 32)],
    )


def test_bytes_are_hex_enums_are_names_and_defaults_are_present() -> None:
    peer = common_pb2.Peer(node_id=b"\xab\xcd", host="127.0.0.1", port=8468)
    doc = to_jsonable(peer)
    assert doc["node_id"] == "abcd"
    assert doc["source"] == "PEER_SOURCE_UNSPECIFIED"
    assert doc["state"] == "PEER_STATE_UNSPECIFIED"
    assert doc["failures"] == 0
    assert doc["score"] == 0.0
    json.dumps(doc)


def test_signed_records_carry_their_decoded_payload() -> None:
    doc = to_jsonable(_handle_record())
    assert doc["seq"] == 7
    assert doc["signer"] == "01" * 32
    assert doc["countersignatures"] == [{"signer": "03" * 32, "signature": ""}]
    decoded = doc["decoded"]
    assert decoded["handle"] == "@alice.ipn"
    assert decoded["operation"] == "HANDLE_OPERATION_REGISTER"
    assert decoded["metadata"] == {"role": "dev"}
    assert decoded["target_key"] == "02" * 32


def test_a_record_of_an_unknown_namespace_or_bad_value_is_not_decoded() -> None:
    assert decode_payload(common_pb2.SignedRecord(namespace="peer", value=b"x")) is None
    bad = common_pb2.SignedRecord(namespace="handle", value=b"\xff\xff\xff")
    assert decode_payload(bad) is None
    assert "decoded" not in to_jsonable(bad)


def test_an_unset_oneof_member_is_left_out() -> None:
    item = content_pb2.ListContentResponse(page=common_pb2.PageInfo(next_page_token="t"))
    doc = to_jsonable(item)
    assert doc == {"page": {"next_page_token": "t", "count": 0}}


def test_repeated_enums_and_nested_messages_convert() -> None:
    status = discovery_pb2.GetStatusResponse(
        peers_by_source=[discovery_pb2.SourceCount(source=common_pb2.PEER_SOURCE_MANUAL, count=2)],
        counters=discovery_pb2.DhtCounters(records_held=5),
    )
    doc = to_jsonable(status)
    assert doc["peers_by_source"] == [{"source": "PEER_SOURCE_MANUAL", "count": 2}]
    assert doc["counters"]["records_held"] == 5
    request = discovery_pb2.WatchPeersRequest(kinds=[discovery_pb2.PEER_EVENT_KIND_LEFT])
    assert to_jsonable(request)["kinds"] == ["PEER_EVENT_KIND_LEFT"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        (b"\x00\xff", "00ff"),
        (True, "yes"),
        ({"b": "2", "a": "1"}, "a=1, b=2"),
        (["x", b"\x01"], "x, 01"),
        (1.5, "1.5"),
        (3, "3"),
    ],
)
def test_cells_are_plain_text(value: object, shown: str) -> None:
    assert text(value) == shown


def test_tables_print_rows_and_keep_markup_literal(capsys: pytest.CaptureFixture[str]) -> None:
    Output(as_json=False).table("t", ["a", "b"], [("[bold]x[/bold]", b"\x01")])
    out = capsys.readouterr().out
    assert "[bold]x[/bold]" in out
    assert "01" in out


def test_an_empty_table_prints_its_empty_message(capsys: pytest.CaptureFixture[str]) -> None:
    Output(as_json=False).table("t", ["a"], [], empty="nothing here")
    out = capsys.readouterr().out
    assert out.strip() == "nothing here"


def test_documents_are_one_json_line(capsys: pytest.CaptureFixture[str]) -> None:
    out = Output(as_json=True)
    out.document({"b": 1, "a": [1, 2]})
    out.json_line({"x": 1})
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line) for line in lines] == [{"a": [1, 2], "b": 1}, {"x": 1}]
