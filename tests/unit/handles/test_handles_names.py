"""Handle name rules: normalisation, and one named rule per refusal."""

from __future__ import annotations

import pytest

from services.core.errors import InvalidHandle
from services.handles.names import check_label, normalize_handle


@pytest.mark.parametrize(
    ("given", "normal"),
    [
        ("@alice.ipn", "@alice.ipn"),
        ("@Alice.IPN", "@alice.ipn"),
        ("@a_b-c9.ipn", "@a_b-c9.ipn"),
        ("@abc.ipn", "@abc.ipn"),
        ("@" + "x" * 32 + ".ipn", "@" + "x" * 32 + ".ipn"),
    ],
)
def test_valid_handles_normalise_to_lower_case(given: str, normal: str) -> None:
    assert normalize_handle(given) == normal


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ("", "form"),
        ("alice.ipn", "form"),
        ("@alice.eth", "form"),
        ("@alice", "form"),
        ("@ab.ipn", "length"),
        ("@" + "x" * 33 + ".ipn", "length"),
        ("@al ice.ipn", "character set"),
        ("@al.ice.ipn", "character set"),
        ("@alice!.ipn", "character set"),
        ("@-alice.ipn", "hyphens"),
        ("@alice-.ipn", "hyphens"),
        ("@al--ice.ipn", "hyphens"),
        ("@admin.ipn", "reserved"),
        ("@Root.ipn", "reserved"),
        ("@xn--80ak6aa92e.ipn", "no confusables"),
        ("@\u0430lice.ipn", "no confusables"),  # Cyrillic a
        ("@\uff41lice.ipn", "no confusables"),  # fullwidth a
        ("@alic\u00e9.ipn", "ascii"),
        ("@ali\U0001f600ce.ipn", "ascii"),
    ],
)
def test_each_refusal_names_its_rule(given: str, rule: str) -> None:
    with pytest.raises(InvalidHandle) as info:
        normalize_handle(given)
    assert f"(rule: {rule})" in str(info.value)


def test_confusable_message_names_the_look_alike() -> None:
    """A Cyrillic a (U+0430) is reported as a look-alike of 'a', with its code point."""
    with pytest.raises(InvalidHandle) as info:
        normalize_handle("@\u0430lice.ipn")
    assert "U+0430" in str(info.value) and "'a'" in str(info.value)


def test_labels_follow_the_same_rules() -> None:
    check_label("validator_7")
    with pytest.raises(InvalidHandle):
        check_label("no")
