"""What the coordinator watches over a step's measurement window (`coordinator.Probe`)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import psutil


def _cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _machine_busy_seconds() -> float:
    """CPU seconds every process on the machine used so far (all cores)."""
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


class CpuUse:
    """CPU of some processes (`percent`, in their order) and of the whole machine (`machine`)
    over the window, in % of one core."""

    def __init__(self, processes: Sequence[psutil.Process]) -> None:
        self.processes = list(processes)
        self.percent = [0.0] * len(self.processes)
        self.machine = 0.0
        self._started = 0.0
        self._before: list[float] = []
        self._machine_before = 0.0

    def window_start(self) -> None:
        self._started = time.monotonic()
        self._before = [_cpu_seconds(p) for p in self.processes]
        self._machine_before = _machine_busy_seconds()

    def window_end(self) -> None:
        seconds = time.monotonic() - self._started
        after = [_cpu_seconds(p) for p in self.processes]
        self.percent = [100 * (a - b) / seconds for a, b in zip(after, self._before, strict=True)]
        self.machine = 100 * (_machine_busy_seconds() - self._machine_before) / seconds


class Profile:
    """py-spy sampling one process over the window without pausing it (--nonblocking): a flame
    graph if `out` ends in .svg, else collapsed stacks."""

    def __init__(self, pid: int, out: Path, seconds: float) -> None:
        self.pid = pid
        self.out = out
        self.seconds = seconds
        self._py_spy: subprocess.Popen[bytes] | None = None

    def window_start(self) -> None:
        fmt = "flamegraph" if self.out.suffix == ".svg" else "raw"
        py_spy = str(Path(sys.executable).with_name("py-spy"))
        argv = [py_spy, "record", "--pid", str(self.pid), "--duration", str(int(self.seconds))]
        argv += ["--format", fmt, "--output", str(self.out), "--nonblocking"]
        self._py_spy = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def window_end(self) -> None:
        if self._py_spy is not None:
            self._py_spy.wait(30)
