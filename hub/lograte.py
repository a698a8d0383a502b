"""One mechanism that bounds the hub's log: at most N lines a second per message template.

An attacker who can make the hub log a line per request (a `cmd:all`, a connection, a refused
accept) must not be able to fill the disk or drown the lines that matter. `RateLimitFilter`
is a `logging.Filter` installed on the hub's log handler (`install`), so it sees every line of
every logger (the hub's own, the transports', asyncio's). Lines are keyed by their template
(`record.msg`, e.g. `"[BROADCAST] %s -> %s: %d devices"`, not the formatted text, so lines
that differ only in their values share one budget); each template may pass `per_second`
lines per one-second window, the rest are counted. The first line of a template after its window
ended, or else `flush()` (the hub calls it every second), logs one line per template that
lost lines:

    [BROADCAST] status -> all: 500 devices
    ... (5 lines per template per second)
    [BROADCAST] … -> …: … devices: 39995 more suppressed in 1.0 s
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

#: Lines of one template let through per second by default.
PER_SECOND = 5

#: A %-placeholder of a template, shown as `…` in the summary line.
_PLACEHOLDER = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")
#: Set on a summary record so the filter never suppresses (or counts) it.
_SUMMARY = "_lograte_summary"


@dataclass(slots=True)
class _Window:
    logger: str
    level: int
    start: float
    passed: int = 0
    suppressed: int = 0


class RateLimitFilter(logging.Filter):
    def __init__(
        self, per_second: int = PER_SECOND, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self.per_second = per_second
        self.clock = clock
        self._windows: dict[str, _Window] = {}
        #: Lines suppressed since start, over all templates (for /metrics).
        self.suppressed_total = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _SUMMARY, False):
            return True
        key = str(record.msg)
        now = self.clock()
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(record.name, record.levelno, now)
        elif now - window.start >= 1.0:
            self._summarize(key, window, now)
            window.start, window.passed, window.suppressed = now, 0, 0
        if window.passed < self.per_second:
            window.passed += 1
            return True
        window.suppressed += 1
        self.suppressed_total += 1
        return False

    def flush(self) -> None:
        """Log one summary line per template whose window ended with lines suppressed, and
        forget quiet templates (the table stays as small as the set of templates in use)."""
        now = self.clock()
        for key, window in list(self._windows.items()):
            if now - window.start >= 1.0:
                self._summarize(key, window, now)
                del self._windows[key]

    @staticmethod
    def _summarize(key: str, window: _Window, now: float) -> None:
        if window.suppressed:
            logging.getLogger(window.logger).log(
                window.level,
                "%s: %d more suppressed in %.1f s",
                _PLACEHOLDER.sub("…", key),
                window.suppressed,
                now - window.start,
                extra={_SUMMARY: True},
            )


def install(handler: logging.Handler, per_second: int = PER_SECOND) -> RateLimitFilter:
    """Bound what `handler` writes; returns the filter (call its `flush` every second)."""
    rate = RateLimitFilter(per_second)
    handler.addFilter(rate)
    return rate
