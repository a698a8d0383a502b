"""firmware/platformio.ini parses with PlatformIO offline (no package install), and says what
the bench and the boards need: both envs, a console on the port each board's USB reaches,
115200 baud, pinned libraries, an OTA partition table with two app slots, no upload port."""

from __future__ import annotations

import csv
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.timing import scaled

FIRMWARE = Path(__file__).resolve().parents[3] / "firmware"
PIO = Path(sys.executable).parent / "pio"
BOARD_ENVS = ("seeed_xiao_esp32c3", "esp32-c3-devkitm-1")
# What each board's USB connector reaches, as the Arduino-ESP32 object `Serial` must name: the
# XIAO's USB-C is the C3's own USB-Serial/JTAG (HWCDC); the DevKitM-1's micro-USB is a USB-UART
# bridge on UART0.
BOARD_CONSOLE = {"seeed_xiao_esp32c3": "HWCDCSerial", "esp32-c3-devkitm-1": "Serial0"}


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    # A fresh core dir: had PlatformIO tried to install anything, it would show up there.
    core_dir = tmp_path_factory.mktemp("pio-core")
    env = {**os.environ, "PLATFORMIO_CORE_DIR": str(core_dir)}
    done = subprocess.run(
        [str(PIO), "project", "config", "-d", str(FIRMWARE), "--json-output"],
        capture_output=True,
        text=True,
        timeout=scaled(30),
        env=env,
        check=True,
    )
    installed = [p.name for p in core_dir.iterdir() if p.name in ("packages", "platforms")]
    assert installed == [], f"pio project config installed {installed}"
    return {section: dict(options) for section, options in json.loads(done.stdout)}


@pytest.mark.parametrize("env", BOARD_ENVS)
def test_each_board_env_has_the_bench_settings(config: dict[str, dict[str, Any]], env: str) -> None:
    section = config[f"env:{env}"]
    assert section["board"] == env
    assert section["framework"] == ["arduino"]
    assert section["monitor_speed"] == 115200
    assert f'-D GL_BOARD=\\"{env}\\"' in section["build_flags"]
    assert "upload_port" not in section  # the bench passes the port
    assert "+<../core/>" in section["build_src_filter"][0]
    assert section["board_build.partitions"] == "partitions_ota.csv"


def defines(build_flags: list[str]) -> dict[str, str]:
    """The -D macros of a build_flags list, as the compiler sees them."""
    tokens = [token for flag in build_flags for token in shlex.split(flag)]
    macros: dict[str, str] = {}
    for i, token in enumerate(tokens):
        if token.startswith("-D"):
            name, _, value = (tokens[i + 1] if token == "-D" else token[2:]).partition("=")
            macros[name] = value or "1"
    return macros


def arduino_serial(macros: dict[str, str]) -> str:
    """The object Arduino-ESP32 3.x makes `Serial` (cores/esp32/HardwareSerial.h)."""
    if macros.get("ARDUINO_USB_CDC_ON_BOOT", "0") == "0":
        return "Serial0"
    return "HWCDCSerial" if macros.get("ARDUINO_USB_MODE", "0") != "0" else "USBSerial"


@pytest.mark.parametrize("env", BOARD_ENVS)
def test_serial_is_the_port_the_boards_usb_reaches(
    config: dict[str, dict[str, Any]], env: str
) -> None:
    macros = defines(config[f"env:{env}"]["build_flags"])
    # Stated by the env, not left to the board definition (the DevKitM-1's defines neither).
    assert "ARDUINO_USB_CDC_ON_BOOT" in macros
    serial = arduino_serial(macros)
    # The C3 has no USB-OTG, so there is no USBSerial: CDC on boot needs ARDUINO_USB_MODE=1.
    assert serial != "USBSerial", f"{env}: ARDUINO_USB_CDC_ON_BOOT without ARDUINO_USB_MODE=1"
    assert serial == BOARD_CONSOLE[env]


def test_libraries_are_pinned(config: dict[str, dict[str, Any]]) -> None:
    deps = config["env:seeed_xiao_esp32c3"]["lib_deps"]
    names = {dep.split("@")[0] for dep in deps}
    assert names == {
        "links2004/WebSockets",
        "adafruit/Adafruit NeoPixel",
        "sparkfun/SparkFun LIS2DH12 Arduino Library",
    }
    for dep in deps:
        version = dep.split("@")[1]
        assert version[0].isdigit() and version.count(".") == 2, dep
    assert "/download/" in config["env:seeed_xiao_esp32c3"]["platform"]  # a pinned release


def test_partition_table_has_two_app_slots_that_fit_4mb() -> None:
    rows = [
        [cell.strip() for cell in row]
        for row in csv.reader((FIRMWARE / "partitions_ota.csv").read_text().splitlines())
        if row and not row[0].startswith("#")
    ]
    apps = [r for r in rows if r[1] == "app"]
    assert [r[2] for r in apps] == ["ota_0", "ota_1"]
    assert apps[0][4] == apps[1][4]  # equal slots: any image fits either
    assert any(r[2] == "ota" for r in rows)  # otadata selects the slot to boot
    end = max(int(r[3], 16) + int(r[4], 16) for r in rows)
    assert end <= 4 * 1024 * 1024
    for r in apps:
        assert int(r[3], 16) % 0x10000 == 0  # app partitions are 64 KiB aligned
