"""The serial console of a virtual device, opened as pyserial opens a real port.

pyserial blocks, so it runs in a thread while the event loop keeps stepping the device.
"""

import asyncio
import json
import re
import sys
import time

import pytest
import serial

from emulator.console import Console
from tests.support.timing import scaled

BOOT = re.compile(r"GroupLoop (\S+) board=(\S+) id=([0-9a-f]{4})")


class Port:
    """A pyserial port read line by line (in a worker thread)."""

    def __init__(self, url: str) -> None:
        self.serial = serial.serial_for_url(url, baudrate=115200, timeout=scaled(5))

    async def send(self, line: str) -> None:
        await asyncio.to_thread(self.serial.write, f"{line}\r\n".encode())

    async def expect(self, pattern: str) -> re.Match[str]:
        """Read lines until one matches `pattern` (earlier lines are skipped)."""
        regex = re.compile(pattern)
        seen = []
        deadline = time.monotonic() + scaled(10)  # bounded even while other lines keep coming
        while True:
            raw = await asyncio.to_thread(self.serial.readline)
            if not raw or time.monotonic() > deadline:
                raise TimeoutError(f"no line matching {pattern!r}; got {seen[-5:]}")
            line = raw.decode().rstrip("\r\n")
            seen.append(line)
            if match := regex.search(line):
                return match

    async def ask(self, line: str, pattern: str) -> re.Match[str]:
        await self.send(line)
        return await self.expect(pattern)

    def close(self) -> None:
        self.serial.close()


@pytest.fixture
async def console(virtual_devices):
    device = (await virtual_devices(1, seed="console")).devices[0]
    console = Console(device)
    ports = []

    async def open_port(url):
        # Opening an rfc2217:// port negotiates with the server: never block the loop.
        ports.append(await asyncio.to_thread(Port, url))
        return ports[-1]

    yield device, console, open_port
    for port in ports:
        port.close()
    await console.close()


async def test_socket_console_boot_status_config_and_commands(console):
    device, con, open_port = console
    port = await open_port(await con.serve_socket())
    assert BOOT.match(device.serial_log).group(3) == device.device_id  # printed at power-on

    status = await port.ask("status", r'^ans:(\{"cmd":"status".*)$')
    assert json.loads(status.group(1))["data"]["id"] == device.device_id

    shown = json.loads((await port.ask("config", r"^config:(\{.*)$")).group(1))
    assert shown["hub_url"] == device.status["hub_url"]

    await port.ask('config set {"wifi_password":"classroom-secret"}', r"^config:ok$")
    assert "classroom-secret" in device.saved_config  # persisted, for the next boot
    shown = json.loads((await port.ask("config", r"^config:(\{.*)$")).group(1))
    assert shown["wifi_password"] == "********"

    saved = device.saved_config
    await port.ask('config set {"wifi_ssid": ', r"^config:error:\S+")  # not JSON
    await port.ask('config set {"hub_url":"ftp://x","wifi_ssid":"b"}', r"^config:error:\S+")
    assert device.saved_config == saved  # nothing saved, not even the valid part
    assert json.loads((await port.ask("config", r"^config:(\{.*)$")).group(1)) == shown

    await port.ask("cmd brightness:255", r'^ans:\{"cmd":"brightness","ok":true')
    await port.ask("cmd led:00ff00", r'^ans:\{"cmd":"led","ok":true')
    assert device.pixels == [(0, 255, 0)] * 6
    await port.ask("cmd vibrate:abc", r'^ans:\{"cmd":"vibrate","ok":false')


async def test_reboot_prints_the_boot_line_again_and_keeps_the_saved_config(console):
    device, con, open_port = console
    port = await open_port(await con.serve_socket())
    await port.ask('config set {"wifi_password":"classroom-secret"}', r"^config:ok$")
    await port.ask("reboot", r"^rebooting$")
    boot = await port.expect(BOOT.pattern)
    assert boot.group(1) == device.version and boot.group(2) == "virtual"
    assert boot.group(3) == device.device_id and device.boots == 2
    shown = json.loads((await port.ask("config", r"^config:(\{.*)$")).group(1))
    assert shown["wifi_password"] == "********"


async def test_rfc2217_console(console):
    device, con, open_port = console
    url = await con.serve_rfc2217()
    assert url.startswith("rfc2217://127.0.0.1:")
    port = await open_port(url)
    status = await port.ask("status", r'^ans:(\{"cmd":"status".*)$')
    assert json.loads(status.group(1))["data"]["id"] == device.device_id
    await port.ask("reboot", r"^rebooting$")
    assert (await port.expect(BOOT.pattern)).group(3) == device.device_id


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty console is Linux only")
async def test_pty_console(console):
    device, con, open_port = console
    path = con.open_pty()
    assert path.startswith("/dev/pts/")
    port = await open_port(path)
    await port.ask("cmd brightness:255", r'^ans:\{"cmd":"brightness","ok":true')
    await port.ask("cmd led:0000ff", r'^ans:\{"cmd":"led","ok":true')
    assert device.pixels == [(0, 0, 255)] * 6
    await port.ask("help", r"^commands: help")
