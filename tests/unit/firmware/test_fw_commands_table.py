"""The core agrees with the one command table, cdn/static/commands.json: every example is
accepted, every command's bad values are refused with the state unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from emulator.firmware_core import Core

COMMANDS_JSON = Path(__file__).resolve().parents[3] / "cdn" / "static" / "commands.json"
TABLE: dict[str, Any] = json.loads(COMMANDS_JSON.read_text())["commands"]


def _bad_values(param: dict[str, Any]) -> list[str]:
    """Values outside what the table allows for one parameter."""
    kind = param["type"]
    if kind == "int":
        return [str(param["min"] - 1), str(param["max"] + 1), "x", "1.5", "-"]
    if kind in ("hex_color", "hex"):
        return ["12345", "1234567", "zzzzzz", "#12345"]
    if kind == "enum":
        return ["nope", param["values"][0].upper(), param["values"][0] + "x"]
    if kind == "url":
        return ["ftp://example.com/a.bin", "example.com/a.bin", "http://", "http://a b"]
    raise AssertionError(f"commands.json has a parameter type the test does not know: {kind}")


def _bad_lines(name: str, spec: dict[str, Any]) -> list[tuple[str, str]]:
    params = spec["parameters"]
    if not params:
        return [(f"{name}:1", "invalid_parameters")]
    lines = [(name, "missing_parameters")]
    example = spec["example"].split(":", 1)[1]
    good = example.split(":", len(params) - 1) if len(params) > 1 else [example]
    for i, param in enumerate(params):
        for bad in _bad_values(param):
            values = [*good[:i], bad, *good[i + 1 :]]
            lines.append((f"{name}:{':'.join(values)}", "invalid_parameters"))
    return lines


def _answer(core: Core, line: str) -> dict[str, Any]:
    core.serial_line(f"cmd {line}", 0)
    printed = core.read_serial().strip().splitlines()[-1]
    assert printed.startswith("ans:"), printed
    return json.loads(printed.removeprefix("ans:"))


def _state(core: Core) -> tuple[str, str, bool, list[tuple[int, int, int]]]:
    leds = _answer(core, "led_get_state")
    status = json.loads(core.status_json())
    status.pop("uptime_ms")
    return json.dumps(leds), json.dumps(status), core.motor_on(), core.pixels()


@pytest.mark.parametrize("name", sorted(TABLE))
def test_every_example_is_accepted(core: Core, name: str) -> None:
    answer = _answer(core, TABLE[name]["example"])
    assert answer == {**answer, "cmd": name, "ok": True}


@pytest.mark.parametrize(
    ("line", "error"),
    [pair for name, spec in sorted(TABLE.items()) for pair in _bad_lines(name, spec)],
)
def test_bad_values_are_refused_and_change_nothing(core: Core, line: str, error: str) -> None:
    core.read_serial()
    before = _state(core)
    core.drain_actions()
    answer = _answer(core, line)
    assert answer == {"cmd": line.split(":")[0], "ok": False, "error": error}
    assert _state(core) == before
    assert core.drain_actions() == []


def test_a_command_outside_the_table_is_unknown(core: Core) -> None:
    assert "blink" not in TABLE
    assert _answer(core, "blink:1")["error"] == "unknown_command"
