"""Handle name rules: one place that normalises and validates ``@label.ipn``.

Rules (docs/handles.md repeats them for clients):

- the form is ``@`` + label + ``.ipn``; case is folded to lower case, so
  ``@Alice.IPN`` is ``@alice.ipn``;
- the label uses a-z, 0-9, ``-`` and ``_`` only: no other ASCII, no non-ASCII
  (confusable look-alikes such as Cyrillic U+0430 are named as such), no
  ``xn--`` (punycode) labels;
- 3 to 32 characters;
- no leading, trailing or doubled hyphen;
- not a reserved label.

Each refusal raises ``InvalidHandle`` naming the rule broken.
"""

from __future__ import annotations

import unicodedata

from services.core.errors import InvalidHandle

PREFIX = "@"
SUFFIX = ".ipn"

#: Shortest label: one- and two-character labels are too easy to squat and to
#: mistake for each other (ENS uses the same floor).
MIN_LABEL = 3
#: Longest label: keeps a handle record small and a handle readable; 32 is
#: the limit of most social-network user names.
MAX_LABEL = 32

ALLOWED = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")

#: Labels nobody may register: names of the system itself and names people
#: would take for an authority.
RESERVED = frozenset(
    {
        "admin",
        "administrator",
        "root",
        "system",
        "sys",
        "ipn",
        "ipndht",
        "ippan",
        "registrar",
        "registry",
        "support",
        "help",
        "security",
        "abuse",
        "official",
        "null",
        "undefined",
        "none",
        "localhost",
        "www",
        "api",
        "dht",
        "node",
        "validator",
    }
)

#: Non-ASCII letters that look like ASCII ones (the most common look-alikes
#: from Unicode's confusables list: Cyrillic, Greek, fullwidth forms are
#: caught by NFKC below).
_CONFUSABLES = {
    "\u0430": "a",
    "\u0435": "e",
    "\u043e": "o",
    "\u0440": "p",
    "\u0441": "c",
    "\u0443": "y",
    "\u0445": "x",
    "\u0456": "i",
    "\u0458": "j",
    "\u0455": "s",
    "\u0501": "d",
    "\u051b": "q",
    "\u051d": "w",
    "\u04bb": "h",
    "\u04cf": "l",
    "\u0261": "g",
    "\u03b1": "a",
    "\u03bf": "o",
    "\u03bd": "v",
    "\u03c4": "t",
    "\u03b9": "i",
    "\u03ba": "k",
    "\u03c1": "p",
    "\u03c5": "u",
    "\u0131": "i",
    "\u2113": "l",
    "\u2010": "-",
    "\u2011": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
}


def _describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"{char!r} (U+{ord(char):04X} {name})"


def _check_ascii(text: str) -> None:
    for char in text:
        if ord(char) < 128:
            continue
        lookalike = _CONFUSABLES.get(char.lower())
        if lookalike is None:
            folded = unicodedata.normalize("NFKC", char).lower()
            if folded.isascii() and folded:
                lookalike = folded
        if lookalike is not None:
            raise InvalidHandle(
                f"handle contains {_describe(char)}, a confusable look-alike of "
                f"{lookalike!r}: handles are ASCII only (rule: no confusables)"
            )
        raise InvalidHandle(
            f"handle contains {_describe(char)}: handles are ASCII only (rule: ascii)"
        )


def normalize_handle(text: str) -> str:
    """The canonical form of ``text`` (``@label.ipn``), or InvalidHandle."""
    if not isinstance(text, str) or not text:
        raise InvalidHandle("handle is empty; expected @label.ipn (rule: form)")
    if len(text) > len(PREFIX) + MAX_LABEL + len(SUFFIX):
        raise InvalidHandle(
            f"handle is {len(text)} characters; a label has at most {MAX_LABEL} (rule: length)"
        )
    _check_ascii(text)
    lowered = text.lower()
    if not lowered.startswith(PREFIX) or not lowered.endswith(SUFFIX):
        raise InvalidHandle(f"{text!r} is not of the form @label.ipn (rule: form)")
    label = lowered[len(PREFIX) : -len(SUFFIX)]
    check_label(label)
    return PREFIX + label + SUFFIX


def check_label(label: str) -> None:
    """Validate a bare label (also used for aliases); raise InvalidHandle."""
    _check_ascii(label)
    if not MIN_LABEL <= len(label) <= MAX_LABEL:
        raise InvalidHandle(
            f"label {label!r} has {len(label)} characters; allowed {MIN_LABEL} to "
            f"{MAX_LABEL} (rule: length)"
        )
    bad = sorted({ch for ch in label if ch not in ALLOWED})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        raise InvalidHandle(
            f"label {label!r} contains {shown}; allowed are a-z, 0-9, '-' and '_' "
            "(rule: character set)"
        )
    if label.startswith("xn--"):
        raise InvalidHandle(f"label {label!r} is a punycode form (rule: no confusables)")
    if label.startswith("-") or label.endswith("-"):
        raise InvalidHandle(f"label {label!r} starts or ends with '-' (rule: hyphens)")
    if "--" in label:
        raise InvalidHandle(f"label {label!r} contains a doubled hyphen (rule: hyphens)")
    if label in RESERVED:
        raise InvalidHandle(f"label {label!r} is reserved (rule: reserved)")


def is_handle_query(text: str) -> bool:
    """True when ``text`` is meant as a handle (starts with '@')."""
    return text.startswith(PREFIX)
