"""The serial console of a virtual device, served by the emulator's serial-port server and
opened as the bench opens a real port (its console driver, pyserial underneath).

pyserial blocks, so the driver's calls run in a thread while the event loop keeps stepping
the device.
"""

import asyncio
import json
import re
import sys

import pytest

from bench.drivers.console import ConsoleDriver
from emulator.console import DeviceConsole
from emulator.serial_port import open_port
from grouploop.expect import Match
from tests.support.timing import scaled

BOOT = re.compile(r"GroupLoop (\S+) board=(\S+) id=([0-9a-f]{4})")


class Host:
    """The console driver on a port, its blocking calls moved off the event loop."""

    def __init__(self, url: str) -> None:
        self.driver = ConsoleDriver("host", url)

    async def expect(self, pattern: str | re.Pattern[str]) -> Match:
        return await asyncio.to_thread(self.driver.expect, pattern, scaled(10))

    async def ask(self, line: str, pattern: str) -> Match:
        return await asyncio.to_thread(self.driver.command, line, pattern, scaled(10))


@pytest.fixture
async def console(virtual_devices):
    device = (await virtual_devices(1, seed="console")).devices[0]
    ports, hosts = [], []

    async def serve(where):
        ports.append(await open_port(DeviceConsole(device), where))
        return ports[-1].url

    async def open_host(url):
        # Opening an rfc2217:// port negotiates with the server: never block the loop.
        hosts.append(Host(url))
        await asyncio.to_thread(hosts[-1].driver.open)
        return hosts[-1]

    yield device, serve, open_host
    for host in hosts:
        await asyncio.to_thread(host.driver.close)
    for port in ports:
        await port.close()


async def test_socket_console_boot_status_config_and_commands(console):
    device, serve, open_host = console
    host = await open_host(await serve("socket://127.0.0.1:0"))
    assert BOOT.match(device.serial_log).group(3) == device.device_id  # printed at power-on

    status = await host.ask("status", r'^ans:(\{"cmd":"status".*)$')
    assert json.loads(status.group(1))["data"]["id"] == device.device_id

    shown = json.loads((await host.ask("config", r"^config:(\{.*)$")).group(1))
    assert shown["hub_url"] == device.status["hub_url"]

    await host.ask('config set {"wifi_password":"classroom-secret"}', r"^config:ok$")
    assert "classroom-secret" in device.saved_config  # persisted, for the next boot
    shown = json.loads((await host.ask("config", r"^config:(\{.*)$")).group(1))
    assert shown["wifi_password"] == "********"

    saved = device.saved_config
    await host.ask('config set {"wifi_ssid": ', r"^config:error:\S+")  # not JSON
    await host.ask('config set {"hub_url":"ftp://x","wifi_ssid":"b"}', r"^config:error:\S+")
    assert device.saved_config == saved  # nothing saved, not even the valid part
    assert json.loads((await host.ask("config", r"^config:(\{.*)$")).group(1)) == shown

    await host.ask("cmd brightness:255", r'^ans:\{"cmd":"brightness","ok":true')
    await host.ask("cmd led:00ff00", r'^ans:\{"cmd":"led","ok":true')
    assert device.pixels == [(0, 255, 0)] * 6
    await host.ask("cmd vibrate:abc", r'^ans:\{"cmd":"vibrate","ok":false')


async def test_reboot_prints_the_boot_line_again_and_keeps_the_saved_config(console):
    device, serve, open_host = console
    host = await open_host(await serve("socket://127.0.0.1:0"))
    await host.ask('config set {"wifi_password":"classroom-secret"}', r"^config:ok$")
    await host.ask("reboot", r"^rebooting$")
    boot = await host.expect(BOOT)
    assert boot.group(1) == device.version and boot.group(2) == "virtual"
    assert boot.group(3) == device.device_id and device.boots == 2
    shown = json.loads((await host.ask("config", r"^config:(\{.*)$")).group(1))
    assert shown["wifi_password"] == "********"


async def test_a_second_host_is_refused_while_one_holds_the_port(console):
    _, serve, open_host = console
    url = await serve("socket://127.0.0.1:0")
    first = await open_host(url)
    await first.ask("status", r'^ans:\{"cmd":"status"')
    reader, writer = await asyncio.open_connection(*url.removeprefix("socket://").split(":"))
    assert await asyncio.wait_for(reader.read(), scaled(5)) == b""  # closed at once
    writer.close()
    await first.ask("status", r'^ans:\{"cmd":"status"')  # the first host is undisturbed


async def test_output_printed_while_no_host_has_the_port_is_held_for_the_next(console):
    device, serve, open_host = console
    url = await serve("socket://127.0.0.1:0")
    device.serial_line("status")  # typed on another wire: the answer is printed to every port
    await device.wait_for(lambda: '"cmd":"status"' in device.serial_log, scaled(5))
    host = await open_host(url)
    status = await host.expect(r'^ans:(\{"cmd":"status".*)$')
    assert json.loads(status.group(1))["data"]["id"] == device.device_id


async def test_rfc2217_console(console):
    device, serve, open_host = console
    url = await serve("rfc2217://127.0.0.1:0")
    assert url.startswith("rfc2217://127.0.0.1:")
    host = await open_host(url)
    status = await host.ask("status", r'^ans:(\{"cmd":"status".*)$')
    assert json.loads(status.group(1))["data"]["id"] == device.device_id
    await host.ask("reboot", r"^rebooting$")
    assert (await host.expect(BOOT)).group(3) == device.device_id


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="pty console is Linux only")
async def test_pty_console(console):
    device, serve, open_host = console
    path = await serve("pty")
    assert path.startswith("/dev/pts/")
    host = await open_host(path)
    await host.ask("cmd brightness:255", r'^ans:\{"cmd":"brightness","ok":true')
    await host.ask("cmd led:0000ff", r'^ans:\{"cmd":"led","ok":true')
    assert device.pixels == [(0, 0, 255)] * 6
    await host.ask("help", r"^commands: help")
