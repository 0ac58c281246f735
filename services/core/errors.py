"""Every domain error of ipndht, in one module.

Domain code raises these; it knows nothing of gRPC. The server interceptor
(``services.core.interceptors``) maps each class to a gRPC status code with
``STATUS_BY_ERROR``; messages are written for a person and sent as they are.
"""

from __future__ import annotations


class IpndhtError(Exception):
    """Base of every domain error; ``str(error)`` is the client-facing message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(IpndhtError):
    """The request is malformed or breaks a documented limit."""


class InvalidRecord(InvalidArgument):
    """A signed record fails validation (signature, namespace, expiry, size)."""


class RecordTooLarge(InvalidRecord):
    """A record is over the size limit; the message names the limit."""


class InvalidHandle(InvalidArgument):
    """A handle breaks a naming rule; the message names the rule."""


class NotFound(IpndhtError):
    """The thing asked for does not exist (or has expired)."""


class AlreadyExists(IpndhtError):
    """The thing to create exists already (a handle held by someone)."""


class PermissionDenied(IpndhtError):
    """The signer may not make this change (not the owner)."""


class FailedPrecondition(IpndhtError):
    """The system is not in a state that allows the request (an expired handle)."""


class SeqConflict(IpndhtError):
    """The record's ``seq`` is not the one expected; carries the current one."""

    def __init__(self, message: str, current_seq: int) -> None:
        super().__init__(message)
        self.current_seq = current_seq


class ResourceExhausted(IpndhtError):
    """A quota or capacity is used up (store full, rate limited)."""


class StoreFull(ResourceExhausted):
    """The durable record store is at its size cap."""


class Unavailable(IpndhtError):
    """The service cannot serve now; retrying later may succeed."""


class NotEnoughPeers(Unavailable):
    """Writes are refused until the minimum number of live peers is met."""

    def __init__(self, have: int, need: int) -> None:
        super().__init__(
            f"not enough DHT peers: {have} live, {need} needed before writes are accepted"
        )
        self.have = have
        self.need = need


class ShuttingDown(Unavailable):
    """The service is shutting down and takes no new work."""


class DeadlineExceeded(IpndhtError):
    """The work did not finish within its deadline."""


class Unimplemented(IpndhtError):
    """The RPC exists in the contract but this server does not serve it."""
