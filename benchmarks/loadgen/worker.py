"""One load-generator process: connects its devices and subscribers, runs one step, reports.

The coordinator (`benchmarks.loadgen.coordinator`) talks to each worker over a pipe:

    worker → ("ready", errors)      every client connected (subscribers streaming)
    coordinator → Go(...)           the shared schedule, in CLOCK_MONOTONIC microseconds
    worker → WorkerResult           after the drain period

Devices send on a fixed schedule: device i of n sends at phase i/n of every 50 ms period,
so the whole fleet offers an even load instead of 20 bursts a second. Frames carry the
moment they actually left, so the generator's own lateness is not counted as hub latency;
it is recorded separately (send lag) to tell whether the generator kept up.
"""

from __future__ import annotations

import asyncio
import contextlib
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from multiprocessing.connection import Connection
from typing import TypeVar, cast

from picows import ws_connect

from benchmarks.loadgen import codec
from benchmarks.loadgen.clients import Device, Subscriber
from benchmarks.loadgen.stats import WorkerResult
from grouploop import aio

L = TypeVar("L", Device, Subscriber)

PERIOD_US = 50_000  # 20 Hz
# Event-loop timers have millisecond resolution: a wake-up sends everything due within the
# next slot rather than sleeping for fractions of a millisecond (which would spin).
SLOT_US = 1_000
MAX_BURST = 200  # sends between two returns to the event loop
CONNECT_CONCURRENCY = 50
CONNECT_ATTEMPTS = 3


@dataclass(frozen=True)
class WorkerConfig:
    url: str
    device_ids: list[int] = field(default_factory=list)
    total_devices: int = 0  # phases spread over the whole fleet, not just this worker's share
    first_device: int = 0
    subscribers: int = 0
    command_rate: float = 0.0  # commands per second from this worker's first subscriber
    connect_timeout: float = 60.0
    #: A hub with auth on: each device's secret (by device id) and the subscribers' token,
    #: sent as `?token=` (a login costs the hub one hash per connection, nothing per frame).
    device_tokens: dict[int, str] = field(default_factory=dict)
    subscriber_token: str | None = None
    #: A cluster: device k (from `first_device`) is on hub k % `hubs`; `url` is hub `home_hub`.
    hubs: int = 1
    home_hub: int = 0
    #: The devices the commands go to, one after another; empty: the whole fleet.
    command_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Go:
    start_us: int  # devices begin sending
    window_start_us: int  # measurement window [window_start_us, window_end_us)
    window_end_us: int  # devices stop sending
    drain_end_us: int  # subscribers stop counting


def raise_fd_limit() -> int:
    """Lift the soft open-files limit to the hard one (each connection is a descriptor)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


def main(conn: Connection, config: WorkerConfig) -> None:
    """Process entry point."""
    raise_fd_limit()
    aio.run(_run(conn, config))


async def _sleep_until(us: int) -> None:
    """Sleep until `us`; when that has passed, still yield once to the event loop."""
    await asyncio.sleep(max(0, us - codec.now_us()) / 1e6)


async def _connect(url: str, factory: Callable[[], L], gate: asyncio.Semaphore) -> L:
    async with gate:
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                _, listener = await ws_connect(factory, url, websocket_handshake_timeout=10)
                return cast(L, listener)
            except (TimeoutError, OSError):
                if attempt == CONNECT_ATTEMPTS - 1:
                    raise
                await asyncio.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def _url(base: str, token: str | None) -> str:
    return f"{base.rstrip('/')}/?token={token}" if token else base


async def _run(conn: Connection, config: WorkerConfig) -> None:
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    result = WorkerResult()
    devices: list[Device] = []
    subscribers: list[Subscriber] = []
    try:
        async with asyncio.timeout(config.connect_timeout):
            devices = list(
                await asyncio.gather(
                    *(
                        _connect(
                            _url(config.url, config.device_tokens.get(i)), partial(Device, i), gate
                        )
                        for i in config.device_ids
                    )
                )
            )
            subscribers = list(
                await asyncio.gather(
                    *(
                        _connect(
                            _url(config.url, config.subscriber_token),
                            partial(Subscriber, config.hubs, config.home_hub, config.first_device),
                            gate,
                        )
                        for _ in range(config.subscribers)
                    )
                )
            )
            for s in subscribers:
                s.subscribe()
            await asyncio.gather(*(s.streaming for s in subscribers))
    except (OSError, TimeoutError) as exc:
        result.errors.append(f"connect: {exc!r}")
    conn.send(("ready", result.errors))
    go: Go = await loop.run_in_executor(None, conn.recv)
    if not result.errors:
        for s in subscribers:
            s.window_start = go.window_start_us
            s.window_span = go.window_end_us - go.window_start_us
        tasks = [_send_frames(devices, config, go, result), _measure_cpu(go, result)]
        if subscribers and config.command_rate > 0:
            tasks.append(_send_commands(subscribers[0], config, go, result))
        await asyncio.gather(*tasks)
        await _sleep_until(go.drain_end_us)
        result.subscribers = [s.result for s in subscribers]
        if subscribers:
            result.command_rtt = subscribers[0].command_rtt
        result.errors += [f"device {d.hex_id} disconnected" for d in devices if d.closed.done()]
    conn.send(result)
    for client in [*devices, *subscribers]:
        if client.transport is not None:
            client.transport.disconnect()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            await asyncio.gather(*(c.closed for c in [*devices, *subscribers]))


async def _send_frames(
    devices: list[Device], config: WorkerConfig, go: Go, result: WorkerResult
) -> None:
    """Send every device's frame at its phase of each period until the window closes."""
    if not devices:
        return
    total = max(config.total_devices, 1)
    schedule = sorted(
        ((d.device_id - config.first_device) * PERIOD_US // total, d) for d in devices
    )
    lag_counts, start, end = result.send_lag, go.window_start_us, go.window_end_us
    base, i, n = go.start_us, 0, len(schedule)
    while True:
        due = base + schedule[i][0]
        if due >= end:
            return
        await _sleep_until(due)
        now = codec.now_us()
        # Send what is due; a late wake-up catches up instead of drifting, in bursts so
        # that the subscribers and the CPU probe in this process still get their turn.
        burst = 0
        while due < now + SLOT_US and due < end and burst < MAX_BURST:
            burst += 1
            schedule[i][1].send_frame(now)
            if start <= now < end:
                result.sent += 1
                lag_counts.add(max(0, now - due))
            i += 1
            if i == n:
                i, base = 0, base + PERIOD_US
            due = base + schedule[i][0]


async def _send_commands(
    subscriber: Subscriber, config: WorkerConfig, go: Go, result: WorkerResult
) -> None:
    """`cmd:<id>:status` to one device after another, one outstanding per device."""
    interval = int(1e6 / config.command_rate)
    targets = config.command_ids or range(
        config.first_device, config.first_device + config.total_devices
    )
    due, k = go.window_start_us, 0
    while due < go.window_end_us:
        await _sleep_until(due)
        hex_id = f"{targets[k % len(targets)]:04x}"
        k += 1
        if hex_id not in subscriber.pending:
            subscriber.send_command(hex_id, codec.now_us())
            result.commands_sent += 1
        due += interval


async def _measure_cpu(go: Go, result: WorkerResult) -> None:
    await _sleep_until(go.window_start_us)
    before = time.process_time()
    await _sleep_until(go.window_end_us)
    result.cpu_seconds = time.process_time() - before
