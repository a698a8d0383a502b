"""`grouploop emulate`: run virtual devices (one, or a swarm over several processes) on a hub.

Each process steps its share of the devices from one timer loop (emulator.swarm). With
`--processes P` the devices are split over P worker processes, so a swarm can use every core;
the parent only sums their counters. `[READY] <hub url>` (the first hub) is printed once every
device has been started; then a one-line summary every `--summary` seconds. SIGINT/SIGTERM
stop it. `--hub` repeated gives the devices an ordered list of hubs to fail over along;
`--spread-hubs` starts device k at hub k mod N (emulator.swarm.hub_order).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import queue
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from emulator import firmware_core
from emulator.console import DeviceConsole
from emulator.sensors import Room
from emulator.serial_port import SerialPort, open_port
from emulator.swarm import MAX_DEVICES, Counters, Swarm, device_config, mac_for
from grouploop import aio, settings, tls
from grouploop.services import announce_ready
from hub import credentials

STARTED = "started"
CONFIG_REFUSED = "config refused, using defaults: "  # the firmware's boot log line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_hub_argument(parser)
    parser.add_argument(
        "--spread-hubs",
        action="store_true",
        help="with several --hub: device k starts at hub k mod N and fails over in order from "
        "there (default: every device starts at the first)",
    )
    parser.add_argument(
        "--cdn",
        default=settings.load().cdn_base_url,
        help="the devices' CDN (their cdn_url: OTA images come from its origin only)",
    )
    parser.add_argument("--devices", type=int, default=1, help="number of devices (default 1)")
    parser.add_argument(
        "--rate",
        type=float,
        default=20.0,
        help="frame rate the devices are expected to hold, in Hz (the firmware core sets it; "
        "the summary warns when the measured rate falls below 90 %% of this)",
    )
    parser.add_argument("--seed", default="0", help="seed of MACs, walks and taps")
    parser.add_argument("--processes", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument(
        "--tick-ms", type=float, help="core tick period in ms (default 5, or 10 above 10 devices)"
    )
    parser.add_argument("--tap-rate", type=float, default=0.0, help="random taps per second")
    parser.add_argument(
        "--rssi-noise",
        type=float,
        metavar="DB",
        help="standard deviation of the beacon RSSI noise in dB (default 2; 0: exact readings)",
    )
    parser.add_argument(
        "--position",
        dest="positions",
        type=_position,
        action="append",
        default=[],
        metavar="X,Y",
        help="device N (0, 1, … in the order given) stands still at X,Y metres in the "
        "10 x 8 m room (x to the east, y to the north, the SW beacon at 0,0); the others walk",
    )
    parser.add_argument(
        "--console-port",
        type=int,
        help="serve each device's console at socket://127.0.0.1:<port + index> (0: any port)",
    )
    parser.add_argument(
        "--rfc2217-port", type=int, help="also serve consoles over RFC 2217 (<port + index>)"
    )
    parser.add_argument("--pty", action="store_true", help="also open a pty console per device")
    parser.add_argument("--state-dir", type=Path, help="persist saved configurations here")
    parser.add_argument(
        "--secrets",
        type=Path,
        metavar="FILE",
        help="JSON {device id: secret}: each device logs in to the hub with its secret "
        "(a hub with auth on)",
    )
    parser.add_argument(
        "--provision",
        type=Path,
        metavar="TOKENS_FILE",
        help="give every device a fresh secret, registered for its id in this hub credential "
        "file (the hub rereads it; grouploop up --lan does this)",
    )
    tls.add_ca_argument(
        parser,
        "--ca-cert",
        "CA certificate provisioned as the devices' ca_cert: they verify wss:// and https:// "
        "servers with it",
    )
    parser.add_argument("--summary", type=float, default=5.0, help="summary period in seconds")


def add_hub_argument(parser: argparse.ArgumentParser) -> None:
    """`--hub URL`, repeatable: the devices' `hub_url` (`hubs(args)` reads it)."""
    parser.add_argument(
        "--hub",
        action="append",
        metavar="URL",
        help="hub WebSocket URL (default: WS_DEFAULT_URL); repeat it for an ordered list the "
        "devices fail over along when a hub is unreachable",
    )


def hubs(args: argparse.Namespace) -> list[str]:
    """The `--hub` URLs in the order given, or WS_DEFAULT_URL."""
    return list(args.hub or [settings.load().ws_default_url])


def _position(text: str) -> tuple[float, float]:
    """`X,Y` in metres, for --position."""
    try:
        x, y = (float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected X,Y in metres, got {text!r}") from None
    return x, y


def _port(base: int | None, index: int) -> int | None:
    if base is None:
        return None
    return 0 if base == 0 else base + index


async def _open_consoles(swarm: Swarm, args: argparse.Namespace, first: int) -> list[SerialPort]:
    ports: list[SerialPort] = []
    for offset, device in enumerate(swarm.devices):
        wanted = []
        if (port := _port(args.console_port, first + offset)) is not None:
            wanted.append(f"socket://127.0.0.1:{port}")
        if (port := _port(args.rfc2217_port, first + offset)) is not None:
            wanted.append(f"rfc2217://127.0.0.1:{port}")
        if args.pty:
            wanted.append("pty")
        opened = [await open_port(DeviceConsole(device), where) for where in wanted]
        if opened:
            ports += opened
            print(f"[CONSOLE] {device.device_id} {' '.join(p.url for p in opened)}", flush=True)
    return ports


def read_secrets(path: Path | None) -> dict[str, str]:
    """The `--secrets` file: a JSON object of device id → secret (lowercase ids)."""
    if path is None:
        return {}
    data = json.loads(path.read_text("utf-8"))
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError(f"{path}: want a JSON object of device id -> secret")
    return {str(k).lower(): v for k, v in data.items()}


def provision(args: argparse.Namespace) -> dict[str, str]:
    """`--provision`: a fresh secret for each device, registered in the hub's credential file
    (here, in one process, before the shards start: the file is rewritten whole each time)."""
    if args.provision is None:
        return {}
    ids = [mac_for(args.seed, i)[-2:].hex() for i in range(args.devices)]
    return {i: credentials.add(args.provision, "device", device_id=i) for i in ids}


async def run_shard(
    args: argparse.Namespace, first: int, count: int, report: Any, stop: asyncio.Event
) -> None:
    """Run devices first..first+count-1 until `stop`; `report(item)` every second."""
    if args.state_dir is not None:
        args.state_dir.mkdir(parents=True, exist_ok=True)
    swarm = Swarm(
        hubs(args),
        count,
        spread_hubs=args.spread_hubs,
        seed=args.seed,
        first=first,
        tick_ms=args.tick_ms,
        tap_rate_hz=args.tap_rate,
        config={"cdn_url": args.cdn, **_provisioned(args)},
        state_dir=args.state_dir,
        positions=args.positions,
        rssi_noise_db=args.rssi_noise,
        secrets=args.device_secrets,
    )
    consoles = await _open_consoles(swarm, args, first)
    swarm.start()
    report(STARTED)
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
            report(swarm.counters())
    finally:
        await asyncio.gather(*(c.close() for c in consoles))
        await swarm.close()


async def _stoppable(args: argparse.Namespace, first: int, count: int, report: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await run_shard(args, first, count, report, stop)
    finally:
        # Ctrl-C reaches the whole process group and `grouploop up` then sends SIGTERM: once
        # stopping, a second signal must not kill the interpreter on its way out (exit -15).
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)


def _worker(args: argparse.Namespace, first: int, count: int, out: Any) -> None:
    def report(item: Any) -> None:
        out.put((first, item if item == STARTED else asdict(item)))

    aio.run(_stoppable(args, first, count, report))


class Summary:
    """Turns cumulative counters into the live one-line summary."""

    def __init__(self, expected_rate: float, devices: int) -> None:
        self.expected = expected_rate * devices
        self.last = (time.monotonic(), 0)  # counters start at 0 with the devices
        self.worst_lag_ms = 0.0  # over every report since the last line, not only the latest

    def observe_lag(self, lag_ms: float) -> None:
        self.worst_lag_ms = max(self.worst_lag_ms, lag_ms)

    def line(self, c: Counters) -> str:
        now, warn, rate = time.monotonic(), "", 0.0
        if now > self.last[0]:
            rate = (c.frames - self.last[1]) / (now - self.last[0])
            if rate < 0.9 * self.expected:
                warn = " (below the expected rate)"
        self.last = (now, c.frames)
        lag, self.worst_lag_ms = max(self.worst_lag_ms, c.max_lag_ms), 0.0
        return (
            f"[SWARM] devices {c.devices} connected {c.connected} frames/s {rate:.0f}{warn} "
            f"commands {c.answers} tick-lag {lag:.0f} ms"
        )


def _print_summary(text: str) -> None:
    # On a terminal the line is redrawn in place; in a log it is one line per period.
    end = "\r" if sys.stdout.isatty() else "\n"
    print(text, end=end, flush=True)


def _provisioned(args: argparse.Namespace) -> dict[str, Any]:
    """Configuration keys from the flags, over the defaults of `device_config`."""
    if args.ca_cert is None:
        return {}
    return {"ca_cert": args.ca_cert.read_text(encoding="utf-8")}


def _refused_hubs(hub_urls: list[str]) -> str | None:
    """The firmware's own reason when it would not take `hub_urls` as its `hub_url`, else None."""
    with firmware_core.Core(device_config(hub_urls), mac_for(0, 0)) as core:
        boot = core.read_serial()
    refused = boot.partition(CONFIG_REFUSED)[2]
    return refused.splitlines()[0] if refused else None


def _split(total: int, parts: int) -> list[tuple[int, int]]:
    parts = max(1, min(parts, total))
    shares = [total // parts + (i < total % parts) for i in range(parts)]
    return [(sum(shares[:i]), share) for i, share in enumerate(shares)]


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.devices <= MAX_DEVICES or args.processes < 1:
        print(f"--devices must be 1..{MAX_DEVICES}, --processes at least 1", file=sys.stderr)
        return 2
    if not firmware_core.library_path().exists():
        print(
            f"{firmware_core.library_path()} not found: build it with `make firmware-host`",
            file=sys.stderr,
        )
        return 2
    room = Room()
    if any(not (0 <= x <= room.width_m and 0 <= y <= room.depth_m) for x, y in args.positions):
        print(
            f"--position must be inside the {room.width_m} x {room.depth_m} m room", file=sys.stderr
        )
        return 2
    try:
        _provisioned(args)
    except OSError as exc:
        print(f"--ca-cert: {exc}", file=sys.stderr)
        return 2
    try:
        args.device_secrets = read_secrets(args.secrets) | provision(args)
    except (OSError, ValueError) as exc:
        print(f"--secrets/--provision: {exc}", file=sys.stderr)
        return 2
    hub_urls = hubs(args)
    if any(url.startswith("wss://") for url in hub_urls) and args.ca_cert is None:
        print("--hub wss://…: devices verify a wss:// hub: pass --ca-cert", file=sys.stderr)
        return 2
    if (reason := _refused_hubs(hub_urls)) is not None:
        print(f"the firmware refuses --hub {' '.join(hub_urls)}: {reason}", file=sys.stderr)
        return 2
    shards = _split(args.devices, args.processes)
    if len(shards) == 1:
        return _run_single(args)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [
        context.Process(target=_worker, args=(args, first, count, out), daemon=True)
        for first, count in shards
    ]
    for worker in workers:
        worker.start()
    return _supervise(args, workers, out)


def _collect(
    out: Any, latest: dict[int, Any], started: set[int], summary: Summary, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            first, item = out.get(timeout=remaining)
        except queue.Empty:
            return
        if item == STARTED:
            started.add(first)
        else:
            latest[first] = item
            summary.observe_lag(item["max_lag_ms"])


def _total(latest: dict[int, Any]) -> Counters:
    total = Counters()
    for item in latest.values():
        total.devices += item["devices"]
        total.connected += item["connected"]
        total.frames += item["frames"]
        total.answers += item["answers"]
        total.max_lag_ms = max(total.max_lag_ms, item["max_lag_ms"])
    return total


def _supervise(args: argparse.Namespace, workers: list[Any], out: Any) -> int:
    stopping = False

    def stop(*_: Any) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    latest: dict[int, Any] = {}
    started: set[int] = set()
    summary = Summary(args.rate, args.devices)
    ready = False
    next_summary = time.monotonic() + args.summary
    while not stopping and all(w.is_alive() for w in workers):
        _collect(out, latest, started, summary, 0.5)
        if not ready and len(started) == len(workers):
            ready = True
            announce_ready(hubs(args)[0])
        if ready and time.monotonic() >= next_summary:
            next_summary += args.summary
            _print_summary(summary.line(_total(latest)))
    failed = not stopping
    for worker in workers:
        if worker.is_alive():
            worker.terminate()  # SIGTERM: the worker closes its devices cleanly
    for worker in workers:
        worker.join(15)
        if worker.is_alive():
            worker.kill()
    if failed:
        print("[ERROR] a worker process exited", file=sys.stderr)
        return 1
    return 0


def _run_single(args: argparse.Namespace) -> int:
    summary = Summary(args.rate, args.devices)
    state = {"next": time.monotonic() + args.summary}

    def report(item: Any) -> None:
        if item == STARTED:
            announce_ready(hubs(args)[0])
            return
        summary.observe_lag(item.max_lag_ms)
        if time.monotonic() >= state["next"]:
            state["next"] += args.summary
            _print_summary(summary.line(item))

    aio.run(_stoppable(args, 0, args.devices, report))
    return 0
