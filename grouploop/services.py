"""Start GroupLoop services as child processes and learn where they listen.

Every service (`grouploop hub`, `grouploop cdn`, `grouploop web`, …) prints one line
`[READY] <url>` on stdout once it accepts connections; with port 0 the URL carries the port
the OS chose. A child that prints no such line (redis-server) is ready when its `probe`
returns its URL instead. `grouploop up`, the bench and the tests all start services through here.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

READY = re.compile(r"\[READY\] (?P<url>\S+)")


class ServiceError(RuntimeError):
    """A service exited or did not report ready in time."""


@dataclass
class Service:
    name: str
    url: str
    process: subprocess.Popen[str]
    log_path: Path | None = None
    _pump: threading.Thread | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        match = re.search(r":(\d+)(?:/|$)", self.url)
        if match is None:
            raise ServiceError(f"{self.name}: no port in {self.url}")
        return int(match.group(1))

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it does not exit within `timeout`; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        if self._pump is not None:
            self._pump.join(timeout)
        return self.process.returncode


def grouploop_argv(*args: str) -> list[str]:
    """The argv that runs `grouploop <args>` with this interpreter."""
    return [sys.executable, "-m", "grouploop.cli", *args]


def start(
    name: str,
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    echo: bool = False,
    timeout: float = 30.0,
    probe: Callable[[], str | None] | None = None,
) -> Service:
    """Start `argv`, wait for its `[READY] <url>` line and keep draining its output.

    With `probe`, the child is ready as soon as `probe()` returns its URL (polled every 50 ms).
    Output goes to `log_path` (and to our stdout, prefixed with the name, when `echo`).
    """
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    process = subprocess.Popen(
        list(argv),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env=full_env,
    )
    assert process.stdout is not None
    log = log_path.open("a", encoding="utf-8") if log_path else None
    seen: list[str] = []

    def emit(line: str) -> None:
        if log:
            log.write(line)
            log.flush()
        if echo:
            sys.stdout.write(f"{name:>8} | {line}")
            sys.stdout.flush()

    # One thread reads every line. Until ready it also hands lines over through a queue:
    # waiting with select() on the pipe would miss a [READY] line that a previous readline()
    # already pulled into the file object's buffer together with an earlier line.
    until_ready: queue.Queue[str | None] = queue.Queue()
    ready = threading.Event()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            emit(line)
            if not ready.is_set():
                until_ready.put(line)
        until_ready.put(None)
        if log:
            log.close()

    thread = threading.Thread(target=pump, name=f"{name}-output", daemon=True)
    thread.start()
    url = None
    deadline = time.monotonic() + timeout
    while url is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            process.kill()
            message = f"{name} did not report ready in {timeout:.0f} s: {seen[-5:]}"
            raise ServiceError(message)
        try:
            line = until_ready.get(timeout=remaining if probe is None else min(remaining, 0.05))
        except queue.Empty:
            url = probe() if probe is not None else None
            continue
        if line is None:
            process.wait()
            raise ServiceError(
                f"{name} exited with {process.returncode} before ready: {''.join(seen[-20:])}"
            )
        seen.append(line)
        match = READY.search(line)
        if match:
            url = match.group("url")
    ready.set()
    return Service(name=name, url=url, process=process, log_path=log_path, _pump=thread)


def shown_host(host: str) -> str:
    """The host a service names in its URL: 127.0.0.1 when it listens on every interface."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def announce_ready(url: str) -> None:
    """Print the `[READY] <url>` line that `start` waits for."""
    print(f"[READY] {url}", flush=True)
