"""Every command of commands.json, over the console and over the hub, with its visible effect.

Each case sends a command, then reads the effect back from the device (`status` or
`led_get_state`), the way a person at the bench would check the LEDs or the motor.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bench.dut import Dut
from hub.commands import packaged

COMMANDS = packaged().commands  # the one command table, cdn/static/commands.json

Check = Callable[[dict[str, Any], dict[str, Any]], bool]  # (status, led state) → effect seen

# Command → (what to send, effect to see). `reset`, `ota` and `ota_downgrade` have their own
# tests (test_ota.py, test_flash_boot.py).
EFFECTS: dict[str, tuple[str, Check]] = {
    "led": ("led:ff0000", lambda s, leds: leds["leds"] == ["ff0000"] * len(leds["leds"])),
    "pattern": ("pattern:heartbeat", lambda s, leds: leds["pattern"] == "heartbeat"),
    "brightness": ("brightness:77", lambda s, leds: s["brightness"] == 77),
    "spring_param": ("spring_param:10050a", lambda s, leds: leds["spring"] == "10050a"),
    "vibrate": ("vibrate:8000", lambda s, leds: s["motor"] is True),
    "led_set": ("led_set:2:00ff00", lambda s, leds: leds["leds"][2] == "00ff00"),
    "led_off": ("led_off:1", lambda s, leds: leds["leds"][1] == "000000"),
    "led_all_off": ("led_all_off", lambda s, leds: set(leds["leds"]) == {"000000"}),
    "status": ("status", lambda s, leds: bool(s["id"]) and bool(s["version"])),
    "led_get_state": ("led_get_state", lambda s, leds: len(leds["leds"]) == len(leds["pixels"])),
}


def test_every_command_of_the_table_is_covered() -> None:
    assert set(EFFECTS) | {"reset", "ota", "ota_downgrade"} == set(COMMANDS)


def _state_over_console(dut: Dut) -> tuple[dict[str, Any], dict[str, Any]]:
    status = dut.answer("cmd status")["data"]
    leds = dut.answer("cmd led_get_state")["data"]
    return status, leds  # type: ignore[return-value]


def _state_over_hub(dut: Dut) -> tuple[dict[str, Any], dict[str, Any]]:
    return dut.hub_command("status")["data"], dut.hub_command("led_get_state")["data"]


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_command_over_console(dut: Dut, name: str) -> None:
    command, effect = EFFECTS[name]
    answer = dut.answer(f"cmd {command}")
    assert answer["ok"] is True, answer
    assert effect(*_state_over_console(dut)), f"{command} had no visible effect"


@pytest.mark.parametrize("name", sorted(EFFECTS))
def test_command_over_hub(dut: Dut, name: str) -> None:
    command, effect = EFFECTS[name]
    answer = dut.hub_command(command)
    assert answer["ok"] is True, answer
    assert effect(*_state_over_hub(dut)), f"{command} had no visible effect"


@pytest.mark.parametrize(
    ("command", "error"),
    [
        ("brightness:300", "invalid_parameters"),
        ("led", "missing_parameters"),
        ("fly", "unknown_command"),
    ],
)
def test_bad_command_is_answered_with_its_reason(dut: Dut, command: str, error: str) -> None:
    answer = dut.answer(f"cmd {command}")
    assert answer == {"cmd": command.split(":")[0], "ok": False, "error": error}


def test_reset_over_hub_reboots_and_reconnects(dut: Dut) -> None:
    assert dut.hub is not None and dut.device_id
    before = dut.device_id
    dut.console.skip()
    assert dut.hub.command(dut.device_id, "reset", dut.timeout) == "cmd:result:success"
    assert dut.wait_boot()["id"] == before  # a new boot line, from the same device
    dut.wait_streaming()  # raises unless the hub forwards its frames again


def test_reset_over_console_reboots(dut: Dut) -> None:
    before = dut.device_id
    dut.console_command("cmd reset", r'ans:\{"cmd":"reset","ok":true\}')
    assert dut.wait_boot()["id"] == before  # a new boot line, from the same device
    dut.wait_streaming()  # raises unless the hub forwards its frames again
