"""The Python SDK's handle helpers for tests, imported from clients/python.

clients/python is not on the test path (pyproject's pytest pythonpath is
"."), so it is added here once.
"""

from __future__ import annotations

import sys
from pathlib import Path

_SDK = str(Path(__file__).resolve().parents[2] / "clients" / "python")
if _SDK not in sys.path:
    sys.path.insert(0, _SDK)

from ipndht_client import handles as sdk  # noqa: E402

__all__ = ["sdk"]
