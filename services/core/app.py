"""Process entry point shared by every service: settings, logging, serve."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable

from services.core import constants as c
from services.core.errors import IpndhtError
from services.core.host import SPECS, ServiceHost
from services.core.logging import configure_logging
from services.core.settings import load_settings_or_exit

Build = Callable[[ServiceHost], Awaitable[None]]


def main(service: str, build: Build) -> None:
    """Run ``service`` until SIGTERM or SIGINT; exit 0 after a clean stop.

    A bad setting exits with code 2 and a message naming it; a start-up that
    cannot proceed (a port in use, an unreadable key file) exits with code 1
    and one line saying why, never a traceback.
    """
    settings = load_settings_or_exit()
    configure_logging(settings.log_level, settings.log_format, service=service)

    async def run() -> None:
        host = ServiceHost(settings, SPECS[service])
        await host.serve(build)

    try:
        asyncio.run(run())
    except (IpndhtError, OSError) as exc:
        reason = exc.message if isinstance(exc, IpndhtError) else str(exc)
        print(f"ipndht: {service} cannot start: {reason}", file=sys.stderr)
        raise SystemExit(c.EXIT_START_FAILED) from None
