"""The swarm's live summary line: its tick lag is the worst since the previous line."""

from emulator.cli import Summary
from emulator.swarm import Counters


def test_tick_lag_is_the_worst_of_every_report_since_the_last_line() -> None:
    summary = Summary(expected_rate=20, devices=1)
    for lag in (3.0, 42.0, 5.0):  # one report a second, one line every few seconds
        summary.observe_lag(lag)
    assert summary.line(Counters(devices=1, max_lag_ms=5.0)).endswith("tick-lag 42 ms")
    summary.observe_lag(7.0)
    assert summary.line(Counters(devices=1, max_lag_ms=7.0)).endswith("tick-lag 7 ms")
