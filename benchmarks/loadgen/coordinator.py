"""The coordinator's side of one step: spawn the load workers, give them one schedule, collect.

`benchmarks.hub` (one hub) and `benchmarks.cluster` (hubs joined through Redis) decide which
worker connects which clients where; `run` does the rest the same way for both. Every worker
connects its clients and says ready, all get the same `Go` on the shared monotonic clock, the
probes (CPU, profiler, hub metrics) watch the measurement window, and each worker reports its
`WorkerResult` after the drain.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Protocol

from benchmarks.loadgen import codec, worker
from benchmarks.loadgen.stats import WorkerResult

START_DELAY_US = 300_000
DRAIN_US = 1_000_000
READY_TIMEOUT_S = 90


class Probe(Protocol):
    """Something measured over the window: called when it opens and when it closes."""

    def window_start(self) -> None: ...

    def window_end(self) -> None: ...


@dataclass
class Run:
    #: One per worker configuration, in the same order.
    results: list[WorkerResult]
    #: What the workers could not connect, reported before the window.
    errors: list[str]


def run(
    configs: Sequence[worker.WorkerConfig],
    warmup: float,
    duration: float,
    probes: Sequence[Probe] = (),
) -> Run:
    """One step: the workers load the hub(s) for `warmup` + `duration` seconds; the probes and
    the workers' figures cover the last `duration` seconds."""
    started = _start(configs)
    conns = [c for _, c in started]
    try:
        ready = _receive_all(conns, READY_TIMEOUT_S)
        errors: list[str] = [e for answer in ready for e in answer[1]]  # type: ignore[index]
        start = codec.now_us() + START_DELAY_US
        window_start = start + int(warmup * 1e6)
        window_end = window_start + int(duration * 1e6)
        go = worker.Go(start, window_start, window_end, window_end + DRAIN_US)
        for c in conns:
            c.send(go)
        _sleep_until_us(window_start)
        for probe in probes:
            probe.window_start()
        _sleep_until_us(window_end)
        for probe in probes:
            probe.window_end()
        results = _receive_all(conns, timeout=duration + 60)
    finally:
        for process, conn in started:
            process.join(10)
            if process.is_alive():
                process.kill()
            conn.close()
    if not all(isinstance(r, WorkerResult) for r in results):
        raise RuntimeError("a load worker answered something other than its result")
    return Run([r for r in results if isinstance(r, WorkerResult)], errors)


def _start(configs: Sequence[worker.WorkerConfig]) -> list[tuple[BaseProcess, Connection]]:
    ctx = multiprocessing.get_context("spawn")
    started: list[tuple[BaseProcess, Connection]] = []
    for config in configs:
        parent, child = ctx.Pipe()
        process = ctx.Process(target=worker.main, args=(child, config), daemon=True)
        process.start()
        child.close()
        started.append((process, parent))
    return started


def _receive_all(conns: list[Connection], timeout: float) -> list[object]:
    """One message from every worker; a worker that dies or stays silent is an error."""
    answers: dict[int, object] = {}
    deadline = time.monotonic() + timeout
    while len(answers) < len(conns):
        waiting = {id(c): i for i, c in enumerate(conns) if i not in answers}
        remaining = max(deadline - time.monotonic(), 0)
        ready = wait([conns[i] for i in waiting.values()], remaining)
        if not ready:
            raise RuntimeError(f"{len(waiting)} load workers did not answer")
        for c in ready:
            i = waiting[id(c)]
            try:
                answers[i] = conns[i].recv()
            except EOFError:
                raise RuntimeError("a load worker died") from None
    return [answers[i] for i in range(len(conns))]


def _sleep_until_us(us: int) -> None:
    time.sleep(max(0.0, (us - codec.now_us()) / 1e6))
