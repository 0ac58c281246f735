"""A DHT node in its own process, for the kill -9 test (not a test module).

Usage: python dht_node_proc.py PORT STORE_DIR SIGNER_HEX SECRET_HEX
Prints "ready" once listening; runs until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from services.core.dht.config import DhtConfig
from services.core.dht.jsonrecords import JsonRecordPolicy, JsonSigner
from services.core.dht.node import DhtNode
from services.core.logging import configure_logging


async def main() -> None:
    configure_logging("warning", "json")
    port, store_dir, signer_hex, secret_hex = sys.argv[1:5]
    signer = JsonSigner(signer=bytes.fromhex(signer_hex), secret=bytes.fromhex(secret_hex))
    config = DhtConfig(
        port=int(port),
        rpc_timeout_s=0.5,
        store_path=Path(store_dir) / "records.sqlite",
        state_path=Path(store_dir) / "routing.json",
    )
    node = DhtNode(config, JsonRecordPolicy([signer]))
    await node.start()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    try:
        await asyncio.Event().wait()
    finally:
        await node.stop()


if __name__ == "__main__":
    asyncio.run(main())
