"""Process entry point shared by every service: settings, logging, serve."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from services.core.host import SPECS, ServiceHost
from services.core.logging import configure_logging
from services.core.settings import load_settings_or_exit

Build = Callable[[ServiceHost], Awaitable[None]]


def main(service: str, build: Build) -> None:
    """Run ``service`` until SIGTERM or SIGINT; exit 0 after a clean stop.

    A bad setting exits with code 2 and a message naming it.
    """
    settings = load_settings_or_exit()
    configure_logging(settings.log_level, settings.log_format, service=service)

    async def run() -> None:
        host = ServiceHost(settings, SPECS[service])
        await host.serve(build)

    asyncio.run(run())
