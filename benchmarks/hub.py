"""`make perf` / `python -m benchmarks.hub`: load benchmark of the hub over real sockets.

Starts a real hub (`grouploop hub --port 0`), then for each device count and subscriber
count runs one step: simulated devices (one WebSocket each, one frame per message, 20 Hz,
sends spread evenly) and stream subscribers, spread over several load-generator processes
(`benchmarks.loadgen.worker`), with one subscriber also sending `cmd:<id>:status` and timing the
device's `ans:` coming back. Prints one table row per step.

Then the cost of authentication (`--auth-step`, default 2000 devices, 5 subscribers): the
same step on the default transport with auth off and with auth on (a credential file with a
secret per device, an operator token for the subscribers, every client logging in with
`?token=`), back to back, two rows.

Loss and latency are exact: every frame carries its send time and sequence number
(`benchmarks.loadgen.codec`), and only frames sent inside the measurement window are counted, by
their own timestamp, after a drain period.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil

from benchmarks.hub_report import format_row, header
from benchmarks.loadgen import coordinator, probes, worker
from benchmarks.loadgen.stats import StepResult, merge
from grouploop import services
from hub import credentials

FIRST_DEVICE = 0x1000  # ids 1000, 1001, … (4 hex digits up to 61 439 devices)
TRANSPORTS = ("websockets", "picows")
OTHER_CPU_WARNING = 15  # % of a core used by processes outside the benchmark: a noisy run
AUTH_TRANSPORT = "picows"  # the hub's default


@dataclass(frozen=True)
class Auth:
    """A credential file for a benchmark hub and the tokens its clients log in with."""

    path: Path
    device_tokens: dict[int, str]
    subscriber_token: str

    @classmethod
    def create(cls, log_dir: Path, devices: int) -> Auth:
        tokens = {FIRST_DEVICE + i: credentials.new_token() for i in range(devices)}
        operator = credentials.new_token()
        entries = [
            credentials.Credential(f"device-{i:04x}", "device", credentials.digest(t), f"{i:04x}")
            for i, t in tokens.items()
        ]
        entries.append(credentials.Credential("perf", "operator", credentials.digest(operator)))
        path = log_dir / "tokens.json"
        credentials.write_file(path, entries)
        return cls(path, tokens, operator)


def int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.hub", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--devices",
        type=int_list,
        default=[100, 500, 1000, 2000],
        help="comma-separated device counts (default 100,500,1000,2000)",
    )
    p.add_argument(
        "--subscribers",
        type=int_list,
        default=[1, 5],
        help="comma-separated subscriber counts (default 1,5)",
    )
    p.add_argument(
        "--duration", type=float, default=8.0, help="seconds measured per step (default 8)"
    )
    p.add_argument(
        "--warmup", type=float, default=1.0, help="seconds of load before measuring (default 1)"
    )
    p.add_argument(
        "--transport",
        choices=[*TRANSPORTS, "all"],
        default="all",
        help="hub transport to measure (default: both, one after the other)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="processes that run the devices; subscribers get one more",
    )
    p.add_argument(
        "--command-rate",
        type=float,
        default=10.0,
        help="status commands per second during the window (default 10)",
    )
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="scheduling priority for the hub and the generator (negative needs root): "
        "shields the measurement from other work on a shared machine",
    )
    p.add_argument("--url", help="measure an already running hub at this ws:// URL instead")
    p.add_argument(
        "--profile",
        type=Path,
        help="record the hub with py-spy during the largest step (flame graph if *.svg, "
        "else collapsed stacks)",
    )
    p.add_argument(
        "--auth-step",
        type=int_list,
        default=[2000, 5],
        help="DEVICES,SUBSCRIBERS measured with auth off and on (default 2000,5; '' skips)",
    )
    return p.parse_args(argv)


def _worker_configs(
    url: str, devices: int, subscribers: int, args: argparse.Namespace, auth: Auth | None
) -> list[worker.WorkerConfig]:
    """Devices round-robin over `args.workers` processes; all subscribers in one more."""
    ids = [FIRST_DEVICE + i for i in range(devices)]
    n = max(1, min(args.workers, devices))
    tokens = auth.device_tokens if auth else {}
    configs = [
        worker.WorkerConfig(
            url,
            ids[k::n],
            devices,
            FIRST_DEVICE,
            device_tokens={i: tokens[i] for i in ids[k::n]} if tokens else {},
        )
        for k in range(n)
    ]
    configs.append(
        worker.WorkerConfig(
            url,
            [],
            devices,
            FIRST_DEVICE,
            subscribers,
            args.command_rate,
            subscriber_token=auth.subscriber_token if auth else None,
        )
    )
    return configs


def run_step(
    url: str,
    hub: psutil.Process | None,
    devices: int,
    subscribers: int,
    args: argparse.Namespace,
    profile: bool = False,
    auth: Auth | None = None,
) -> StepResult:
    cpu = probes.CpuUse([hub] if hub else [])
    watch: list[coordinator.Probe] = [cpu]
    if hub and profile:
        watch.append(probes.Profile(hub.pid, args.profile, args.duration))
    configs = _worker_configs(url, devices, subscribers, args, auth)
    run = coordinator.run(configs, args.warmup, args.duration, watch)
    hub_cpu = cpu.percent[0] if hub else 0.0
    step = merge(devices, args.duration, run.results, hub_cpu, cpu.machine)
    step.errors[:0] = run.errors
    return step


def start_hub(name: str, log_dir: Path, *flags: str) -> services.Service:
    """A hub on a free loopback port for the benchmark, with `flags` on top."""
    # No CDN: the hub takes its packaged command table at once instead of trying to fetch one.
    # Every simulated device connects from 127.0.0.1: lift the per-address cap.
    common = ["--host", "127.0.0.1", "--port", "0", "--cdn-url", ""]
    common += ["--max-connections-per-address", "0"]
    return services.start(
        name,
        services.grouploop_argv("hub", *common, *flags),
        log_path=log_dir / f"{name}.log",
        timeout=60,
    )


def _start_hub(transport: str, log_dir: Path, auth: Auth | None = None) -> services.Service:
    name = f"hub-{transport}" + ("-auth" if auth else "")
    flags = ["--transport", transport]
    if auth:
        flags += ["--tokens", str(auth.path)]
    return start_hub(name, log_dir, *flags)


def warnings(step: StepResult) -> list[str]:
    """What makes a row doubtful, printed under it: other work on the machine, errors."""
    found = [f"other processes used {step.other_cpu:.0f} % CPU"]
    return (found if step.other_cpu > OTHER_CPU_WARNING else []) + step.errors[:5]


def _print_step(step: StepResult, label: str = "") -> bool:
    print(format_row(step) + (f" {label}" if label else ""), flush=True)
    for warning in warnings(step):
        print(f"    ! {warning}", flush=True)
    return not step.errors


def _auth_cost(args: argparse.Namespace, log_dir: Path) -> bool:
    """The `--auth-step` on the default transport, auth off then on: two rows."""
    devices, subscribers = args.auth_step
    print(f"\nauthentication ({AUTH_TRANSPORT}): off, then on\n{header()}", flush=True)
    ok = True
    for auth in (None, Auth.create(log_dir, devices)):
        service = _start_hub(AUTH_TRANSPORT, log_dir, auth)
        try:
            hub = psutil.Process(service.process.pid)
            step = run_step(service.url, hub, devices, subscribers, args, auth=auth)
            ok = _print_step(step, "auth on" if auth else "auth off") and ok
        finally:
            service.stop()
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.auth_step and len(args.auth_step) != 2:
        print("--auth-step wants DEVICES,SUBSCRIBERS (or '' to skip)", file=sys.stderr)
        return 2
    if args.nice:
        os.nice(args.nice)  # inherited by the hub and the load workers
    limit = worker.raise_fd_limit()  # inherited by the hub and the workers
    needed = max(args.devices) + max(args.subscribers) + 100
    if limit < needed:
        print(f"open-files limit {limit} < {needed}: raise it (ulimit -n)", file=sys.stderr)
        return 2
    transports = TRANSPORTS if args.transport == "all" else (args.transport,)
    log_dir = Path(tempfile.mkdtemp(prefix="grouploop-perf-"))
    print(f"{psutil.cpu_count()} CPUs; hub logs in {log_dir}", flush=True)
    ok = True
    for transport in [None] if args.url else transports:
        hub_service = None if transport is None else _start_hub(transport, log_dir)
        url = args.url or hub_service.url  # type: ignore[union-attr]
        hub = psutil.Process(hub_service.process.pid) if hub_service else None
        print(f"\nhub transport: {transport or url}\n{header()}", flush=True)
        try:
            for n in args.devices:
                for s in args.subscribers:
                    largest = n == max(args.devices) and s == max(args.subscribers)
                    step = run_step(url, hub, n, s, args, profile=largest and bool(args.profile))
                    ok = _print_step(step) and ok
        finally:
            if hub_service:
                hub_service.stop()
    if args.auth_step and not args.url:
        ok = _auth_cost(args, log_dir) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
