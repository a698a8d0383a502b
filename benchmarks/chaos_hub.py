"""Fault/abuse benchmark of the hub (`make chaos`): printed figures, not assertions.

1. **Idle-connection flood.** A real `grouploop hub`; `--flood` idle WebSocket connections
   (default 20,000, from 127.0.0.2, spread over processes so each stays within its descriptor
   limit); the hub's RSS before, at the height of the flood and after it ended, and the
   latency of `/healthz` (from 127.0.0.1) while the flood opens. Run twice: with the default
   caps (1,000 per address) and with the per-address cap off (only the global cap, kept below
   the descriptor limit, stands).
2. **Command amplification.** `--devices` emulated devices (the real core, `grouploop
   emulate`) stream 20 frames/s each; `--attackers` clients each send `--command-rate`
   `cmd:all:status` a second; a subscriber's frame rate before and during the attack.

`--hub-pythonpath DIR` runs the hub from another source tree (e.g. `git archive main` unpacked
in DIR) to measure "before" with the same driver.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

import psutil
from websockets.asyncio.client import connect

from benchmarks.flood import ProcessFlood
from grouploop import fds
from grouploop.frame import is_frame
from grouploop.services import Service, ServiceError, grouploop_argv, start

FLOOD_SOURCE = "127.0.0.2"
#: Connections one flooding process opens at most (its descriptor limit must hold them).
PER_PROCESS = 10_000


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.chaos_hub", description=__doc__)
    p.add_argument("--flood", type=int, default=20_000, help="idle connections (20000)")
    p.add_argument("--devices", type=int, default=20, help="emulated devices (20)")
    p.add_argument("--attackers", type=int, default=20, help="command-flooding clients (20)")
    p.add_argument("--command-rate", type=int, default=200, help="cmd:all/s per attacker (200)")
    p.add_argument("--window", type=float, default=5.0, help="seconds measured per phase (5)")
    p.add_argument("--only", choices=["flood", "commands"], help="run one part only")
    p.add_argument("--hub-pythonpath", type=Path, help="run the hub from this source tree")
    return p.parse_args(argv)


#: Runs `grouploop <argv[2:]>` from the source tree argv[1], ahead of this tree and the
#: editable install.
_FROM_TREE = (
    "import runpy, sys; sys.path.insert(0, sys.argv[1]); "
    "sys.argv = ['grouploop'] + sys.argv[2:]; "
    "runpy.run_module('grouploop.cli', run_name='__main__')"
)


def _start_hub(args: argparse.Namespace, log_dir: Path, name: str, *flags: str) -> Service:
    argv = grouploop_argv("hub", "--host", "127.0.0.1", "--port", "0", "--cdn-url", "", *flags)
    if args.hub_pythonpath:
        argv = [sys.executable, "-c", _FROM_TREE, str(args.hub_pythonpath), *argv[3:]]
    return start(name, argv, log_path=log_dir / f"{name}.log", timeout=60)


def _mb(process: psutil.Process) -> float:
    return process.memory_info().rss / 2**20


class HealthProbe:
    """`/healthz` from 127.0.0.1 every 0.2 s in a thread; latencies in ms (inf: failed)."""

    def __init__(self, http_url: str) -> None:
        self.url = http_url + "/healthz"
        self.latencies: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            start = time.monotonic()
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    response.read()
                self.latencies.append((time.monotonic() - start) * 1000)
            except OSError:
                self.latencies.append(float("inf"))

    def stop(self) -> str:
        self._stop.set()
        self._thread.join()
        done = [x for x in self.latencies if x != float("inf")]
        failed = len(self.latencies) - len(done)
        if not done:
            return f"healthz: all {failed} failed"
        return (
            f"healthz median {statistics.median(done):.1f} ms, max {max(done):.1f} ms, "
            f"{failed} of {len(self.latencies)} failed"
        )


def flood_rows(args: argparse.Namespace, log_dir: Path) -> None:
    for label, flags in (
        ("default caps (1,000 per address)", ()),
        ("per-address cap off", ("--max-connections-per-address", "0")),
    ):
        try:
            hub = _start_hub(args, log_dir, "hub-flood", *flags)
        except ServiceError as exc:  # a hub from another tree may not know the flag
            print(f"flood {args.flood} ({label}): not run: {exc}", flush=True)
            continue
        try:
            process = psutil.Process(hub.process.pid)
            time.sleep(1.0)
            before = _mb(process)
            probe = HealthProbe(hub.url.replace("ws://", "http://"))
            processes = max(1, -(-args.flood // PER_PROCESS))
            started = time.monotonic()
            flood = ProcessFlood("127.0.0.1", hub.port, args.flood, processes, FLOOD_SOURCE)
            upgraded, refused, other = flood.opened()
            opened_s = time.monotonic() - started
            during = _mb(process)
            health = probe.stop()
            flood.close()
            time.sleep(3.0)  # the hub sees the closes, settles, trims
            after = _mb(process)
            print(
                f"flood {args.flood} ({label}): {upgraded} upgraded, {refused} refused (503), "
                f"{other} closed/failed in {opened_s:.0f} s\n"
                f"  hub RSS before {before:.0f} MB, during {during:.0f} MB, "
                f"3 s after {after:.0f} MB; {health}",
                flush=True,
            )
        finally:
            hub.stop()
        log = (log_dir / "hub-flood.log").read_text("utf-8", errors="replace")
        print(
            f"  hub log: {len(log.splitlines())} lines, {log.count('Traceback')} tracebacks",
            flush=True,
        )


async def _attacker(url: str, rate: int, stop: asyncio.Event) -> None:
    async with connect(url, max_queue=None, open_timeout=60) as ws:
        batch = "\n".join(["cmd:all:status"] * max(1, rate // 20))
        while not stop.is_set():
            await ws.send(batch)
            await asyncio.sleep(0.05)


class FrameCounter:
    """A subscriber, connected before the attack starts, counting the frames it receives."""

    def __init__(self) -> None:
        self.frames = 0

    async def run(self, url: str, subscribed: asyncio.Event) -> None:
        async with connect(url, max_queue=None) as ws:
            await ws.recv()  # the greeting
            await ws.send("s")
            subscribed.set()
            async for message in ws:
                self.frames += sum(is_frame(line) for line in str(message).split("\n"))

    async def rate(self, seconds: float) -> float:
        start = self.frames
        await asyncio.sleep(seconds)
        return (self.frames - start) / seconds


async def _amplification(url: str, args: argparse.Namespace) -> tuple[float, float]:
    counter = FrameCounter()
    subscribed = asyncio.Event()
    reader = asyncio.create_task(counter.run(url, subscribed))
    await asyncio.wait_for(subscribed.wait(), 30)
    quiet = await counter.rate(args.window)
    stop = asyncio.Event()
    attackers = [
        asyncio.create_task(_attacker(url, args.command_rate, stop)) for _ in range(args.attackers)
    ]
    await asyncio.sleep(2.0)  # the attack is under way
    attacked = await counter.rate(args.window)
    stop.set()
    await asyncio.gather(*attackers, return_exceptions=True)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)
    return quiet, attacked


def command_rows(args: argparse.Namespace, log_dir: Path) -> None:
    hub = _start_hub(args, log_dir, "hub-commands")
    swarm = None
    try:
        swarm = start(
            "emulate",
            grouploop_argv("emulate", "--hub", hub.url, "--devices", str(args.devices)),
            log_path=log_dir / "emulate.log",
            timeout=120,
        )
        time.sleep(3.0)  # every device registered and streaming
        quiet, attacked = asyncio.run(_amplification(hub.url, args))
        print(
            f"command amplification ({args.attackers} clients x {args.command_rate} "
            f"cmd:all:status/s, {args.devices} devices): subscriber frames/s "
            f"{quiet:.0f} quiet, {attacked:.0f} under attack",
            flush=True,
        )
    finally:
        if swarm is not None:
            swarm.stop()
        hub.stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    fds.raise_soft_limit()
    log_dir = Path(tempfile.mkdtemp(prefix="grouploop-chaos-"))
    source = args.hub_pythonpath or "this tree"
    print(f"{psutil.cpu_count()} CPUs; hub from {source}; logs in {log_dir}", flush=True)
    if args.only in (None, "flood"):
        flood_rows(args, log_dir)
    if args.only in (None, "commands"):
        command_rows(args, log_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
