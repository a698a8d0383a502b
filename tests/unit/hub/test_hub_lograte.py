"""The log's rate limit: N lines per template per second, then one line with the count."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from hub import lograte


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Lines(logging.Handler):
    """What reaches the log handler, behind the filter under test."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def messages(self) -> list[str]:
        return [r.getMessage() for r in self.records]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rate(clock: Clock) -> lograte.RateLimitFilter:
    return lograte.RateLimitFilter(per_second=3, clock=clock)


@pytest.fixture
def lines(rate: lograte.RateLimitFilter) -> Iterator[Lines]:
    handler = Lines()
    handler.addFilter(rate)
    logger = logging.getLogger("hub")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def test_a_burst_passes_n_lines_then_says_how_many_it_suppressed(
    lines: Lines, clock: Clock
) -> None:
    log = logging.getLogger("hub")
    for i in range(1000):
        log.info("[BROADCAST] %s -> all: %d devices", "status", i)
    assert len(lines.messages) == 3
    clock.now += 1.0
    log.info("[BROADCAST] %s -> all: %d devices", "status", 1000)
    assert lines.messages[3:] == [
        "[BROADCAST] … -> all: … devices: 997 more suppressed in 1.0 s",
        "[BROADCAST] status -> all: 1000 devices",
    ]


def test_each_template_has_its_own_budget(lines: Lines) -> None:
    log = logging.getLogger("hub")
    for _ in range(10):
        log.info("[CONNECT] %s", "x")
        log.warning("[ERROR] %s", "y")
    assert lines.messages.count("[CONNECT] x") == 3
    assert lines.messages.count("[ERROR] y") == 3


def test_flush_reports_a_burst_that_ended(
    lines: Lines, clock: Clock, rate: lograte.RateLimitFilter
) -> None:
    for _ in range(5):
        logging.getLogger("hub").warning("[REFUSED] %s", "10.0.0.1")
    rate.flush()  # the window has not ended: nothing yet
    assert len(lines.records) == 3
    clock.now += 1.5
    rate.flush()
    assert lines.messages[-1] == "[REFUSED] …: 2 more suppressed in 1.5 s"
    assert lines.records[-1].levelno == logging.WARNING
    rate.flush()  # reported once, then forgotten
    assert len(lines.records) == 4
    assert rate.suppressed_total == 2
