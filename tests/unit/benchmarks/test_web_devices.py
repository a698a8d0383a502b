"""The browser-devices benchmark's row: what it holds against the goals, and what it does not."""

from __future__ import annotations

from benchmarks.web_devices import _row


def test_row_flags_a_slow_click_and_a_low_frame_rate_but_not_the_start_time() -> None:
    row = _row(
        "simulator",
        "100",
        {"fps": 21.0, "select click": 144.0, "start until all connected": 8582.0},
    )
    assert "21.0 (under the goal)" in row
    assert "select click 144 ms (over the goal)" in row
    assert row.endswith("start until all connected 8582 ms")


def test_row_says_when_a_click_had_no_effect() -> None:
    row = _row("device-emulator", "1", {"fps": 59.3, "tap click": None, "command round trip": 23})
    assert "59.3   tap click (no effect), command round trip 23 ms" in row
    assert "goal" not in row
