"""A UDP flooder process: junk datagrams (services.core.dht.adversary.junk_datagrams)
from several source sockets at DHT nodes on 127.0.0.1, at a fixed total rate,
while a switch file exists.

    python -m tests.support.fuzz_flood --switch PATH --rate N --sources S PORT...

Being a process of its own, it loads the nodes only as real attackers do (by
what they receive), not by sharing their interpreter. It stops by itself
after ``--max-s`` seconds; ``Flooder`` starts, switches and stops it.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

from services.core.dht.adversary import junk_datagrams

#: Datagrams sent per burst: bursts are paced to the rate every few ms.
BURST = 20
#: Seconds between checks of the switch file while it is absent.
IDLE_POLL_S = 0.02
#: Seconds the process may take to import and set up: generous for a
#: loaded 2-core machine.
START_TIMEOUT_S = 60.0
READY = "ready"
REPO = Path(__file__).resolve().parents[2]


def _flood(ports: list[int], switch: Path, rate: float, sources: int, max_s: float) -> int:
    rng = random.Random(os.getpid())
    socks = []
    for _ in range(sources):
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        socks.append(sock)
    pool = junk_datagrams(rng, 2_000, os.urandom(20))
    print(READY, flush=True)
    sent = 0
    end = time.monotonic() + max_s
    while time.monotonic() < end:
        if not switch.exists():
            time.sleep(IDLE_POLL_S)
            continue
        started = time.monotonic()
        for _ in range(BURST):
            sock = socks[sent % sources]
            try:
                sock.sendto(rng.choice(pool), ("127.0.0.1", rng.choice(ports)))
                sock.recv(65_536)
            except OSError:
                pass  # a full buffer or nothing to read: a lost packet, as on a network
            sent += 1
        pause = BURST / rate - (time.monotonic() - started)
        if pause > 0:
            time.sleep(pause)
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--switch", type=Path, required=True)
    parser.add_argument("--rate", type=float, default=4_000.0)
    parser.add_argument("--sources", type=int, default=8)
    parser.add_argument("--max-s", type=float, default=600.0)
    parser.add_argument("ports", type=int, nargs="+")
    args = parser.parse_args()
    sent = _flood(args.ports, args.switch, args.rate, args.sources, args.max_s)
    print(f"sent {sent}")
    return 0


class Flooder:
    """The flooder process; ``on()``/``off()`` switch the flood; ``stop()`` ends it."""

    def __init__(self, switch: Path, ports: list[int], rate: float, sources: int) -> None:
        self.switch = switch
        self.switch.unlink(missing_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.support.fuzz_flood", "--switch", str(switch)]
            + ["--rate", str(rate), "--sources", str(sources)]
            + [str(p) for p in ports],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._wait_ready()

    def _wait_ready(self) -> None:
        """Block until the process says it is ready (it floods at once when
        switched on); raise with its output if it ends first."""
        assert self.proc.stdout is not None
        line = ""
        deadline = time.monotonic() + START_TIMEOUT_S
        while line.strip() != READY:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"flooder did not start: {line!r}")
            line = self.proc.stdout.readline()

    def on(self) -> None:
        self.switch.touch()

    def off(self) -> None:
        self.switch.unlink(missing_ok=True)

    def stop(self) -> None:
        self.off()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def alive(self) -> bool:
        return self.proc.poll() is None


if __name__ == "__main__":
    sys.exit(main())
