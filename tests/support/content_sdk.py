"""The Python SDK's content helpers for tests, imported from clients/python
(not on the test path, so it is added here once)."""

from __future__ import annotations

import sys
from pathlib import Path

_SDK = str(Path(__file__).resolve().parents[2] / "clients" / "python")
if _SDK not in sys.path:
    sys.path.insert(0, _SDK)

from ipndht_client import content as sdk  # noqa: E402

__all__ = ["sdk"]
