"""`grouploop up` run by a test: on free ports, its banner parsed, everything killed after.

with running_up(tmp_path, "--hubs", "2") as up:   # returns once the banner is printed
    up.urls["hub-1"], up.pids["redis"]
    up.wait_for("[UP] cdn stopped", scaled(10))   # a line of its output, read in order
    up.interrupt()                                # Ctrl-C: SIGINT to its process group
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grouploop.services import grouploop_argv
from tests.support.timing import scaled

ROW = re.compile(r"^\[UP\]\s+(?P<name>\S+)\s+(?P<url>\S+://\S+)\s+pid=(?P<pid>\d+)")


@dataclass
class Up:
    process: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    output: list[str] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    pids: dict[str, int] = field(default_factory=dict)

    def wait_for(self, text: str, timeout: float) -> None:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                pytest.fail(f"no {text!r} within {timeout} s:\n{''.join(self.output[-30:])}")
            if line is None:
                pytest.fail(f"grouploop up ended before {text!r}:\n{''.join(self.output[-30:])}")
            self.output.append(line)
            row = ROW.match(line)
            if row:
                self.urls[row["name"]] = row["url"]
                self.pids[row["name"]] = int(row["pid"])
            if text in line:
                return

    def interrupt(self) -> None:
        """Ctrl-C in its terminal: SIGINT to `up` and every child at once."""
        os.killpg(self.process.pid, signal.SIGINT)


@contextlib.contextmanager
def running_up(tmp_path: Path, *extra: str) -> Iterator[Up]:
    """`grouploop up` on free ports (plus `extra` flags), until its banner; killed after.

    It runs in a process group of its own, as under a terminal, so that `interrupt` can
    reach it and its children, and so that nothing it started outlives the test.
    """
    process = subprocess.Popen(
        grouploop_argv(
            "up",
            "--host",
            "127.0.0.1",
            "--hub-port",
            "0",
            "--cdn-port",
            "0",
            "--docs-port",
            "0",
            "--web-any-ports",
            *extra,
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "CDN_FIRMWARE_DIR": str(tmp_path / "fw")},
        process_group=0,
    )
    running = Up(process)

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            running.lines.put(line)
        running.lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    try:
        running.wait_for("[UP] Ctrl-C stops everything.", scaled(90))
        yield running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(scaled(30))
        reader.join(scaled(10))
