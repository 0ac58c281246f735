"""The ipndht Python SDK.

``Client`` (sync) and ``AsyncClient`` (asyncio) call the three services;
``keys`` keeps Ed25519 keys in files; errors are ``IpndhtError`` subclasses.
The signing helpers for each write are in ``handles`` and ``content``.
"""

from ipndht_client.aio import AsyncClient
from ipndht_client.client import Client
from ipndht_client.config import Endpoints
from ipndht_client.errors import (
    Aborted,
    AlreadyExists,
    DeadlineExceeded,
    FailedPrecondition,
    Internal,
    InvalidArgument,
    IpndhtError,
    KeyFileError,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    Unavailable,
)
from ipndht_client.keys import generate_key, load_key, save_key

__all__ = [
    "Aborted",
    "AlreadyExists",
    "AsyncClient",
    "Client",
    "DeadlineExceeded",
    "Endpoints",
    "FailedPrecondition",
    "Internal",
    "InvalidArgument",
    "IpndhtError",
    "KeyFileError",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Unavailable",
    "generate_key",
    "load_key",
    "save_key",
]
