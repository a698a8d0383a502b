"""A virtual device keeps what the core saves: across a reboot, and across runs (a file)."""

import json
import re

import pytest

from emulator.device import Clock, VirtualDevice

MAC = bytes.fromhex("02aabbcc0102")
CONFIG = {"wifi_ssid": "room", "hub_url": "ws://127.0.0.1:1"}  # nothing listens: fine here


async def console(device: VirtualDevice, line: str) -> str:
    """Type a line, step the device once, return what it printed."""
    start = len(device.serial_log)
    device.serial_line(line)
    await device.step(device.clock.now_ms())
    return device.serial_log[start:]


def shown_config(output: str) -> dict:
    match = re.search(r"^config:(\{.*\})$", output, re.MULTILINE)
    assert match, output
    return json.loads(match.group(1))


async def test_saved_config_survives_a_reboot_and_a_new_run(tmp_path):
    path = tmp_path / "device.json"
    device = VirtualDevice(MAC, Clock(), config=CONFIG, config_path=path)
    try:
        assert "config:ok" in await console(device, 'config set {"wifi_ssid":"lab"}')
        assert json.loads(path.read_text())["wifi_ssid"] == "lab"
        assert "rebooting" in await console(device, "reboot")
        assert device.boots == 2 and re.search(r"GroupLoop \S+ board=virtual", device.serial_log)
        assert shown_config(await console(device, "config"))["wifi_ssid"] == "lab"
    finally:
        await device.close()

    again = VirtualDevice(MAC, Clock(), config=CONFIG, config_path=path)
    try:
        assert shown_config(await console(again, "config"))["wifi_ssid"] == "lab"
    finally:
        await again.close()


async def test_refused_config_saves_nothing(tmp_path):
    path = tmp_path / "device.json"
    device = VirtualDevice(MAC, Clock(), config=CONFIG, config_path=path)
    try:
        assert "config:error:" in await console(device, 'config set {"pins":{"led":99}}')
        assert not path.exists() and device.saved_config == json.dumps(CONFIG)
    finally:
        await device.close()


def test_a_mac_has_six_bytes():
    with pytest.raises(ValueError, match="6 bytes"):
        VirtualDevice(b"\x02\x00", Clock())


async def test_an_owner_hook_takes_the_reboot_and_hears_the_saved_config():
    reboots: list[None] = []
    saved: list[str] = []
    device = VirtualDevice(
        MAC,
        Clock(),
        config=CONFIG,
        on_reboot=lambda: reboots.append(None),
        on_config=saved.append,
    )
    try:
        assert "config:ok" in await console(device, 'config set {"wifi_ssid":"lab"}')
        assert [json.loads(text)["wifi_ssid"] for text in saved] == ["lab"]
        core = device.core
        assert "rebooting" in await console(device, "reboot")  # printed before the hook runs
        assert reboots == [None] and device.boots == 1 and device.core is core
    finally:
        await device.close()
