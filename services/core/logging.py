"""The one logger set-up: structlog, JSON off a terminal, readable on one.

Request ids are bound per RPC with ``structlog.contextvars`` by the server
interceptor, so every line logged while serving an RPC carries one.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO, cast

import structlog

from services.core.settings import LogFormat, LogLevel

#: The one processor chain, changed in place by each configure_logging call:
#: loggers cached on first use keep a reference to the list they were built
#: with, so a new list would leave them on the old configuration.
_PROCESSORS: list[structlog.types.Processor] = []


def configure_logging(level: LogLevel = "info", fmt: LogFormat = "auto", **static: Any) -> None:
    """Configure structlog and the standard library logging for the process.

    ``static`` key/values (such as ``service="discovery"``) go on every line.
    Calling it again changes the lines of loggers already in use too (their
    level filter excepted: a cached logger keeps the level it first saw).
    """
    use_json = fmt == "json" or (fmt == "auto" and not sys.stderr.isatty())
    numeric = getattr(logging, level.upper())
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if static:
        shared.append(_StaticFields(static))
    renderer: structlog.types.Processor
    if use_json:
        renderer = structlog.processors.JSONRenderer()
        shared.append(structlog.processors.format_exc_info)
    else:
        renderer = structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())
    _PROCESSORS[:] = [*shared, renderer]
    structlog.configure(
        processors=_PROCESSORS,
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=structlog.PrintLoggerFactory(file=cast(TextIO, _CurrentStderr())),
        cache_logger_on_first_use=True,
    )
    # Libraries (kademlia, rpcudp, asyncio) log through the standard library;
    # route them through the same output, quieter than our own lines.
    logging.basicConfig(
        level=max(numeric, logging.WARNING),
        stream=sys.stderr,
        format="%(name)s: %(message)s",
        force=True,
    )


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is at the time of the write, so that
    loggers cached on first use never hold a stream that was replaced or closed."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


class _StaticFields:
    def __init__(self, fields: dict[str, Any]) -> None:
        self._fields = fields

    def __call__(
        self, _logger: Any, _name: str, event: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        for key, value in self._fields.items():
            event.setdefault(key, value)
        return event


def get_logger(name: str) -> Any:
    """A logger whose lines carry ``module=name``."""
    return structlog.get_logger(module=name)
