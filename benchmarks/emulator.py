"""`python -m benchmarks.emulator` (part of `make perf`): a swarm of virtual devices on a real hub.

Starts a real hub (`grouploop hub --port 0`) and a swarm (`grouploop emulate --devices N
--processes P`), subscribes to the stream and, after a warm-up, counts every device's frames
for a measurement window:

- missing: frames a device should have sent at the expected rate but that never arrived
  (expected = rate x window, per device, clamped at 0 when a device sent more);
- late: gaps between two consecutive frames of one device longer than `--late-ms`
  (default 100 ms, two periods at 20 Hz): a frame that came that late left a slot empty;
- CPU: the swarm's processes and the hub's, in cores (1.0 = one core busy), from psutil;
  devices per core = devices / swarm cores.

Exits non-zero when missing + late exceed `--max-loss` (default 1 %).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

import psutil
import websockets

from emulator.swarm import mac_for
from grouploop.frame import is_frame
from grouploop.services import Service, grouploop_argv, start

UNREACHABLE_CDN = "http://127.0.0.1:9"  # the hub falls back to its built-in command table


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator", description=__doc__)
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--rate", type=float, default=20.0, help="expected frames/s per device")
    parser.add_argument("--tick-ms", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before measuring")
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured")
    parser.add_argument("--late-ms", type=float, default=100.0)
    parser.add_argument("--max-loss", type=float, default=1.0, help="percent")
    return parser.parse_args(argv)


def _tree(service: Service) -> list[psutil.Process]:
    root = psutil.Process(service.process.pid)
    return [root, *root.children(recursive=True)]


def _cpu_seconds(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


async def _measure(url: str, args: argparse.Namespace, swarm: Service, hub: Service) -> dict:
    arrivals: dict[str, list[float]] = defaultdict(list)
    async with websockets.connect(url, max_size=None) as ws:
        await ws.send("s")
        t_start = time.monotonic() + args.warmup
        t_end = t_start + args.window
        swarm_procs, hub_procs = _tree(swarm), _tree(hub)
        cpu0: tuple[float, float] | None = None
        while (now := time.monotonic()) < t_end:
            if cpu0 is None and now >= t_start:
                cpu0 = (_cpu_seconds(swarm_procs), _cpu_seconds(hub_procs))
            try:
                message = await asyncio.wait_for(ws.recv(), t_end - now)
            except TimeoutError:
                break
            if now < t_start or isinstance(message, bytes):
                continue
            for line in message.split("\n"):
                if is_frame(line):
                    arrivals[line[:4]].append(now)
        assert cpu0 is not None, "the window ended before the warm-up did"
        swarm_cores = (_cpu_seconds(swarm_procs) - cpu0[0]) / args.window
        hub_cores = (_cpu_seconds(hub_procs) - cpu0[1]) / args.window
    expected_each = args.rate * args.window
    missing = sum(max(0.0, expected_each - len(arrivals.get(d, []))) for d in _ids(args))
    late_gap = args.late_ms / 1000.0
    late = sum(
        sum(1 for a, b in itertools.pairwise(times) if b - a > late_gap)
        for times in arrivals.values()
    )
    expected = expected_each * args.devices
    return {
        "devices": args.devices,
        "streaming": sum(1 for d in _ids(args) if arrivals.get(d)),
        "frames": sum(len(t) for t in arrivals.values()),
        "expected": expected,
        "missing_pct": 100.0 * missing / expected,
        "late_pct": 100.0 * late / expected,
        "swarm_cores": swarm_cores,
        "hub_cores": hub_cores,
        "devices_per_core": args.devices / swarm_cores if swarm_cores else float("inf"),
    }


def _ids(args: argparse.Namespace) -> list[str]:
    """The swarm's device ids (seed "perf"), derived as the swarm derives them."""
    return [mac_for("perf", i)[-2:].hex() for i in range(args.devices)]


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    hub = start(
        "hub",
        grouploop_argv("hub", "--host", "127.0.0.1", "--port", "0", "--cdn-url", UNREACHABLE_CDN),
        timeout=60,
    )
    swarm = None
    try:
        swarm = start(
            "emulate",
            grouploop_argv(
                "emulate",
                "--hub",
                hub.url,
                "--devices",
                str(args.devices),
                "--processes",
                str(args.processes),
                "--seed",
                "perf",
                "--rate",
                str(args.rate),
                "--tick-ms",
                str(args.tick_ms),
                "--summary",
                "5",
            ),
            echo=True,
            timeout=120,
        )
        result = asyncio.run(_measure(hub.url, args, swarm, hub))
    finally:
        if swarm is not None:
            swarm.stop()
        hub.stop()
    print(
        f"swarm: {result['devices']} devices ({result['streaming']} streaming), "
        f"{args.processes} processes, {args.rate:g} Hz, {args.window:g} s window\n"
        f"frames {result['frames']} of {result['expected']:.0f} expected: "
        f"missing {result['missing_pct']:.2f} %, late (gap > {args.late_ms:g} ms) "
        f"{result['late_pct']:.2f} %\n"
        f"CPU: swarm {result['swarm_cores']:.2f} cores ({result['devices_per_core']:.0f} "
        f"devices per core), hub {result['hub_cores']:.2f} cores"
    )
    loss = result["missing_pct"] + result["late_pct"]
    if loss > args.max_loss:
        print(f"FAILED: {loss:.2f} % missing or late > {args.max_loss:g} %", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
