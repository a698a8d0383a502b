"""Test bodies written in pytest-embedded's style, run by both harnesses.

Each takes a `dut` with `write`, `expect` and `expect_exact`: the HIL suite's own `bench.dut.Dut`
(tests/hil/test_console.py) or pytest-embedded's serial DUT (tests/hil/embedded/), so one body
shows that a test written for either runs on the other.
"""

import json
from typing import Any

from tests.support.timing import scaled


def status_through_the_console(dut: Any) -> dict[str, Any]:
    """Ask for help and for the status over the console; return the status answer's data."""
    dut.write("help")  # a str is one line: both harnesses add the line end
    dut.expect_exact("commands: help", timeout=scaled(10))
    dut.write("cmd status")
    match = dut.expect(rb'ans:(\{"cmd":"status".*\})\r?\n', timeout=scaled(10))
    answer = json.loads(match.group(1))
    assert answer["ok"] is True, answer
    data: dict[str, Any] = answer["data"]
    return data
