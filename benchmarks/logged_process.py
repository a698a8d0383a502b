"""A child process of a fault benchmark: run from a chosen checkout, its output in a log file
that the benchmark reads (its `[READY] <url>` line, boot lines), stopped with SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

READY = re.compile(r"\[READY\] (\S+)")


class LoggedProcess:
    def __init__(
        self, argv: Sequence[str], root: Path, log: Path, env: dict[str, str] | None = None
    ) -> None:
        """Start `argv` in `root` and wait for its `[READY] <url>` line (`self.url`)."""
        self.log = log
        self._out = log.open("w")
        full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        self.process = subprocess.Popen(
            list(argv), cwd=root, stdout=self._out, stderr=subprocess.STDOUT, env=full_env
        )
        self.url = self.wait_for(READY, 30.0).group(1)

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: re.Pattern[str], timeout: float, start: int = 0) -> re.Match[str]:
        """The first match in the log from `start`, waiting up to `timeout` s for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if match := pattern.search(self.text(), start):
                return match
            if self.process.poll() is not None:
                break
            time.sleep(0.02)
        if match := pattern.search(self.text(), start):
            return match
        raise TimeoutError(f"{pattern.pattern!r} not seen; the log ends {self.text()[-400:]!r}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._out.close()
