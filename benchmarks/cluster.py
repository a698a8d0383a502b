"""`make perf` / `python -m benchmarks.cluster`: hubs joined through Redis, under load.

Starts a private redis-server (free loopback port, a temporary folder, no persistence:
`grouploop.redis_server`) and one hub per number of `--subscribers` (default 3,2: hub-a and
hub-b), each with `--broker`. For the target load (`--devices`, default 2000) the load
generator (`benchmarks.loadgen`) puts device k on hub k % hubs, so that each hub's devices
spread over the whole 50 ms period, and the subscribers on their hubs. The first subscriber
on each hub sends `cmd:<id>:status` to the devices of the other hubs and times the `ans:`
coming back across. Every subscriber knows which hub each device is on, so frames from its
own hub (same-hub) and from the others (cross-hub) are timed apart.

Two tables: one row per load (frames, loss per subscriber, same- and cross-hub latency,
command round trip across hubs, CPU of each hub, of redis-server and of the generator); one
row per load and hub with what the hub moved through Redis (payloads and bytes per second
from its /metrics, its last PING round trip).

When the target load is not clean (a frame lost, or a p99 over `--p99-limit`, 50 ms), the
smaller loads of `--ladder` run, largest first, until one is: the largest clean load.
Without redis-server the benchmark prints one "skipped" line and succeeds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
from prometheus_client.parser import text_string_to_metric_families

from benchmarks.cluster_report import (
    BrokerFigures,
    ClusterStep,
    broker_header,
    cluster_header,
    format_broker_rows,
    format_row,
)
from benchmarks.hub import FIRST_DEVICE, int_list, start_hub, warnings
from benchmarks.loadgen import coordinator, probes, worker
from benchmarks.loadgen.stats import merge
from grouploop import redis_server, services

JOIN_TIMEOUT_S = 30.0
BROKER_PREFIX = "grouploop_hub_broker_"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.cluster", description=__doc__.splitlines()[0]
    )
    p.add_argument(
        "--devices", type=int, default=2000, help="the target load: devices on all hubs (2000)"
    )
    p.add_argument(
        "--ladder",
        type=int_list,
        default=[1500, 1000, 500],
        help="smaller loads tried, largest first, until one is clean, when the target is not "
        "(default 1500,1000,500; '' skips)",
    )
    p.add_argument(
        "--subscribers",
        type=int_list,
        default=[3, 2],
        help="stream subscribers on each hub, one hub per number (default 3,2: two hubs)",
    )
    p.add_argument(
        "--duration", type=float, default=8.0, help="seconds measured per load (default 8)"
    )
    p.add_argument(
        "--warmup",
        type=float,
        default=2.0,
        help="seconds of load before measuring, while the hubs learn each other's devices "
        "(default 2)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="processes that run each hub's devices; each hub's subscribers get one more",
    )
    p.add_argument(
        "--command-rate",
        type=float,
        default=10.0,
        help="status commands per second from the first subscriber of each hub to the other "
        "hubs' devices (default 10)",
    )
    p.add_argument(
        "--p99-limit",
        type=float,
        default=50.0,
        help="a load is clean without loss and with both p99s within this many ms (default 50)",
    )
    p.add_argument(
        "--nice",
        type=int,
        default=0,
        help="scheduling priority for the hubs, Redis and the generator (negative needs root)",
    )
    p.add_argument(
        "--profile",
        type=Path,
        help="record every hub with py-spy during the target load, into FILE's name plus "
        "-hub-a, -hub-b, … (flame graphs if *.svg, else collapsed stacks)",
    )
    args = p.parse_args(argv)
    if not args.subscribers:
        p.error("--subscribers wants one number per hub")
    return args


@dataclass
class Cluster:
    redis: services.Service
    hubs: list[services.Service]
    names: list[str]

    def stop(self) -> None:
        for hub in self.hubs:
            hub.stop()
        self.redis.stop()


def _http(hub: services.Service, path: str) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{hub.port}{path}", timeout=5) as reply:
        return str(reply.read().decode())


def start_cluster(log_dir: Path, names: list[str]) -> Cluster:
    """redis-server and one hub per name, returning once every hub sees all the others."""
    redis = redis_server.start_redis(log_dir / "redis", log_path=log_dir / "redis.log")
    cluster = Cluster(redis, [], names)
    try:
        broker = redis_server.url(redis.port)
        for name in names:
            cluster.hubs.append(start_hub(name, log_dir, "--broker", broker, "--hub-name", name))
        redis_server.wait_joined(
            {name: hub.url for name, hub in zip(names, cluster.hubs, strict=True)}, JOIN_TIMEOUT_S
        )
    except BaseException:
        cluster.stop()
        raise
    return cluster


def worker_configs(
    urls: list[str], devices: int, args: argparse.Namespace
) -> list[worker.WorkerConfig]:
    """Device k on hub k % hubs, over `args.workers` processes per hub; then each hub's
    subscribers in one process, the first of them commanding the other hubs' devices."""
    hubs = len(urls)
    configs = []
    for home, url in enumerate(urls):
        ids = [FIRST_DEVICE + k for k in range(home, devices, hubs)]
        n = max(1, min(args.workers, len(ids)))
        configs += [
            worker.WorkerConfig(url, ids[j::n], devices, FIRST_DEVICE, hubs=hubs, home_hub=home)
            for j in range(n)
        ]
    for home, (url, subscribers) in enumerate(zip(urls, args.subscribers, strict=True)):
        if subscribers:
            elsewhere = [FIRST_DEVICE + k for k in range(devices) if k % hubs != home]
            configs.append(
                worker.WorkerConfig(
                    url,
                    [],
                    devices,
                    FIRST_DEVICE,
                    subscribers,
                    args.command_rate,
                    hubs=hubs,
                    home_hub=home,
                    command_ids=elsewhere,
                )
            )
    return configs


def broker_counters(metrics: str) -> dict[str, float]:
    """A hub's `grouploop_hub_broker_*` figures from its /metrics text, without the prefix:
    counters summed over their labels (`dropped` over its reasons), gauges as they are."""
    found: dict[str, float] = {}
    for family in text_string_to_metric_families(metrics):
        if family.name.startswith(BROKER_PREFIX):
            names = (family.name, f"{family.name}_total")
            value = sum(s.value for s in family.samples if s.name in names)
            found[family.name.removeprefix(BROKER_PREFIX)] = value
    return found


def broker_figures(
    hub: str, before: dict[str, float], after: dict[str, float], seconds: float
) -> BrokerFigures:
    def rate(name: str) -> float:
        return (after.get(name, 0.0) - before.get(name, 0.0)) / seconds

    round_trip = after.get("round_trip_seconds")
    return BrokerFigures(
        hub,
        rate("published"),
        rate("received"),
        rate("published_bytes"),
        rate("received_bytes"),
        round(after.get("dropped", 0.0) - before.get("dropped", 0.0)),
        None if round_trip is None else 1000 * round_trip,
    )


class BrokerMetrics:
    """Every hub's broker figures over the window, from /metrics at its start and end."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.figures: list[BrokerFigures] = []
        self._started = 0.0
        self._before: list[dict[str, float]] = []

    def _scrape(self) -> list[dict[str, float]]:
        return [broker_counters(_http(hub, "/metrics")) for hub in self.cluster.hubs]

    def window_start(self) -> None:
        self._started = time.monotonic()
        self._before = self._scrape()

    def window_end(self) -> None:
        seconds = time.monotonic() - self._started
        after = self._scrape()
        self.figures = [
            broker_figures(name, b, a, seconds)
            for name, b, a in zip(self.cluster.names, self._before, after, strict=True)
        ]


def run_load(
    cluster: Cluster, devices: int, args: argparse.Namespace, profile: bool
) -> ClusterStep:
    hubs = [psutil.Process(hub.process.pid) for hub in cluster.hubs]
    cpu = probes.CpuUse([*hubs, psutil.Process(cluster.redis.process.pid)])
    metrics = BrokerMetrics(cluster)
    watch: list[coordinator.Probe] = [cpu, metrics]
    if profile:
        out: Path = args.profile
        watch += [
            probes.Profile(hub.pid, out.with_name(f"{out.stem}-{name}{out.suffix}"), args.duration)
            for hub, name in zip(hubs, cluster.names, strict=True)
        ]
    configs = worker_configs([hub.url for hub in cluster.hubs], devices, args)
    run = coordinator.run(configs, args.warmup, args.duration, watch)
    step = merge(devices, args.duration, run.results, sum(cpu.percent), cpu.machine)
    step.errors[:0] = run.errors
    return ClusterStep(
        step, list(args.subscribers), cpu.percent[:-1], cpu.percent[-1], metrics.figures
    )


def _print_load(load: ClusterStep, args: argparse.Namespace) -> None:
    print(format_row(load, args.p99_limit), flush=True)
    for warning in warnings(load.step):
        print(f"    ! {warning}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    names = [f"hub-{chr(ord('a') + i)}" for i in range(len(args.subscribers))]
    shown = "+".join(map(str, args.subscribers))
    print(
        f"\ncluster: {len(names)} hubs + Redis, {args.devices} devices at 20 Hz, "
        f"{shown} subscribers",
        flush=True,
    )
    missing = redis_server.missing()
    if missing is not None:
        print(f"skipped: {missing}", flush=True)
        return 0
    if args.nice:
        os.nice(args.nice)  # inherited by the hubs, Redis and the load workers
    limit = worker.raise_fd_limit()
    needed = args.devices + sum(args.subscribers) + 100
    if limit < needed:
        print(f"open-files limit {limit} < {needed}: raise it (ulimit -n)", file=sys.stderr)
        return 2
    log_dir = Path(tempfile.mkdtemp(prefix="grouploop-perf-cluster-"))
    print(f"{psutil.cpu_count()} CPUs; hub and Redis logs in {log_dir}\n", flush=True)
    cluster = start_cluster(log_dir, names)
    loads: list[ClusterStep] = []
    try:
        print(cluster_header(), flush=True)
        target = run_load(cluster, args.devices, args, profile=bool(args.profile))
        loads.append(target)
        _print_load(target, args)
        if not target.clean(args.p99_limit):
            for devices in sorted((n for n in args.ladder if n < args.devices), reverse=True):
                load = run_load(cluster, devices, args, profile=False)
                loads.append(load)
                _print_load(load, args)
                if load.clean(args.p99_limit):
                    break
    finally:
        cluster.stop()
    print(f"\nthrough Redis (per hub)\n{broker_header()}", flush=True)
    for load in loads:
        print("\n".join(format_broker_rows(load)), flush=True)
    clean = [load.step.devices for load in loads if load.clean(args.p99_limit)]
    print(
        f"\nlargest clean load: {max(clean)} devices"
        if clean
        else f"\nno clean load (loss, or a p99 over {args.p99_limit:.0f} ms)",
        flush=True,
    )
    return 1 if any(load.step.errors for load in loads) else 0


if __name__ == "__main__":
    sys.exit(main())
