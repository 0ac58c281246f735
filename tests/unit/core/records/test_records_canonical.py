"""The canonical signing and countersigning bytes (docs/records.md)."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidRecord
from services.core.records import canonical


def _example() -> bytes:
    return canonical.signing_bytes("peer", b"\x01\x02", b"v", b"\xaa" * 32, 7, 1000, 2000)


def test_signing_bytes_follow_the_documented_layout_byte_for_byte() -> None:
    expected = (
        b"ipndht-record-v1\x00"
        + b"\x00\x00\x00\x04peer"
        + b"\x00\x00\x00\x02\x01\x02"
        + b"\x00\x00\x00\x01v"
        + b"\x00\x00\x00\x20"
        + b"\xaa" * 32
        + (7).to_bytes(8, "big")
        + (1000).to_bytes(8, "big")
        + (2000).to_bytes(8, "big")
    )
    assert _example() == expected


def test_signing_bytes_start_with_the_domain_separation_prefix_and_a_zero_byte() -> None:
    assert _example().startswith(b"ipndht-record-v1\x00")


def test_length_prefixes_make_field_boundaries_unambiguous() -> None:
    """Moving a byte from the key to the value changes the signed bytes."""
    a = canonical.signing_bytes("ns", b"ab", b"c", b"", 0, 0, 0)
    b = canonical.signing_bytes("ns", b"a", b"bc", b"", 0, 0, 0)
    assert a != b


def test_namespace_is_length_prefixed_as_utf8_bytes_not_characters() -> None:
    data = canonical.signing_bytes("é", b"", b"", b"", 0, 0, 0)
    prefix = len(b"ipndht-record-v1\x00")
    assert data[prefix : prefix + 6] == b"\x00\x00\x00\x02\xc3\xa9"


def test_empty_fields_are_encoded_as_zero_length() -> None:
    data = canonical.signing_bytes("", b"", b"", b"", 0, 0, 0)
    assert data == b"ipndht-record-v1\x00" + b"\x00" * 16 + b"\x00" * 24


def test_integers_are_u64_big_endian_up_to_the_maximum() -> None:
    top = 2**64 - 1
    data = canonical.signing_bytes("n", b"", b"", b"", top, top, top)
    assert data.endswith(b"\xff" * 24)


@pytest.mark.parametrize("field", ["seq", "issued_at_us", "expires_at_us"])
@pytest.mark.parametrize("number", [-1, 2**64])
def test_integers_outside_u64_raise_invalid_record_naming_the_field(
    field: str, number: int
) -> None:
    args = {"seq": 0, "issued_at_us": 0, "expires_at_us": 0, field: number}
    with pytest.raises(InvalidRecord, match=field):
        canonical.signing_bytes("n", b"", b"", b"", **args)


def test_a_namespace_that_is_not_valid_unicode_raises_invalid_record() -> None:
    with pytest.raises(InvalidRecord, match="UTF-8"):
        canonical.signing_bytes("\udc80", b"", b"", b"", 0, 0, 0)


def test_countersigning_bytes_are_prefix_then_signing_bytes_then_the_signature() -> None:
    signing = _example()
    signature = b"\x55" * 64
    expected = b"ipndht-countersign-v1\x00" + signing + b"\x00\x00\x00\x40" + signature
    assert canonical.countersigning_bytes(signing, signature) == expected


def test_countersigning_bytes_never_look_like_signing_bytes() -> None:
    """Domain separation: the two prefixes differ from the first byte on
    which they disagree, so no countersignature can pass for a signature."""
    data = canonical.countersigning_bytes(_example(), b"\x00" * 64)
    assert not data.startswith(b"ipndht-record-v1\x00")
