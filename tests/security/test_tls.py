"""TLS on the hub (wss://) and the CDN (https://), verified by devices against their ca_cert.

Throwaway CAs (tests.fixtures.tls): `tls_ca` signed the servers' certificate, `wrong_ca`
did not. Real hub and CDN processes, virtual devices and an emulated board running the real
firmware core: with the right CA they stream and update over TLS; with the wrong one the
handshake fails on the device side and the device says why; without one a TLS URL is
refused, never connected unverified.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from cdn import manifest
from emulator.device import VirtualDevice
from grouploop import signing
from grouploop.esp.image import write_stand_in_image
from grouploop.esp.partitions import build_table
from grouploop.services import grouploop_argv
from tests.fixtures.boards import OTA_LAYOUT, WAIT, BoardSet, console, esptool
from tests.fixtures.cdn import CdnServer, start_cdn
from tests.fixtures.devices import first_frame, subscribe
from tests.fixtures.hub import HubProcess
from tests.fixtures.tls import ServerCa
from tests.integration.test_cdn_js_hub import manager_session
from tests.support.http import http_get
from tests.support.timing import scaled

UNTRUSTED = r"TLS: server certificate not trusted by ca_cert \(.*(unable to get local issuer)"


@pytest.fixture
def tls_cdn(tmp_path: Path, tls_ca: ServerCa) -> Iterator[CdnServer]:
    server = start_cdn(tmp_path / "firmware", tmp_path / "cdn.log", *tls_ca.server_args)
    try:
        yield server
    finally:
        server.service.stop(timeout=scaled(10))


def publish_image(cdn: CdnServer, tmp_path: Path) -> str:
    source = tmp_path / "image.bin"
    write_stand_in_image(source, "99.0.0", "virtual")  # newer than any running version
    manifest.publish(
        source,
        cdn.firmware_dir,
        board="virtual",
        version="99.0.0",
        stand_in=True,
        name="v.bin",
        key=signing.load_key(signing.default_key_path()),  # the session's (tests.fixtures)
    )
    return f"{cdn.url}/firmware/v.bin"


async def serial_match(
    device: VirtualDevice, pattern: str, timeout: float, start: int = 0
) -> re.Match[str]:
    """Wait until the device's serial output from `start` matches `pattern`."""
    regex = re.compile(pattern)
    await device.wait_for(lambda: regex.search(device.serial_log, start) is not None, timeout)
    match = regex.search(device.serial_log, start)
    assert match is not None
    return match


async def ota_outcome(device: VirtualDevice, url: str) -> str:
    """`cmd ota:<url>` on the device's console; the core's verdict line (its log)."""
    start = len(device.serial_log)
    device.serial_line(f"cmd ota:{url}")
    match = await serial_match(device, r"ota (succeeded|failed).*", scaled(15), start)
    return match.group(0)


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_device_streams_to_a_wss_hub_it_verifies_with_its_ca_cert(
    transport: str,
    start_hub: Callable[..., HubProcess],
    ws_client: Callable[..., Any],
    virtual_devices: Callable[..., Any],
    tls_ca: ServerCa,
) -> None:
    hub = start_hub("--transport", transport, *tls_ca.server_args)
    assert hub.url.startswith("wss://127.0.0.1:")
    subscriber = await subscribe(await ws_client(hub.url, ssl=tls_ca.client_context()))
    swarm = await virtual_devices(1, hub_url=hub.url, config={"ca_cert": tls_ca.ca_pem})
    device = swarm.devices[0]
    frame = await first_frame(subscriber, device.device_id)
    assert frame.device_id == device.device_id
    assert device.connected


async def test_device_refuses_a_hub_its_ca_cert_did_not_sign(
    start_hub: Callable[..., HubProcess],
    virtual_devices: Callable[..., Any],
    tls_ca: ServerCa,
    wrong_ca: ServerCa,
) -> None:
    hub = start_hub(*tls_ca.server_args)
    swarm = await virtual_devices(1, hub_url=hub.url, config={"ca_cert": wrong_ca.ca_pem})
    device = swarm.devices[0]
    await serial_match(device, rf"ws connect wss://\S+ failed: {UNTRUSTED}", scaled(10))
    assert not device.connected
    status, _, body = http_get(hub.url, "/devices", context=tls_ca.client_context())
    assert status == 200 and device.device_id not in body.decode()


async def test_device_without_ca_cert_refuses_a_wss_hub(
    start_hub: Callable[..., HubProcess], virtual_devices: Callable[..., Any], tls_ca: ServerCa
) -> None:
    hub = start_hub(*tls_ca.server_args)
    device = (await virtual_devices(1, hub_url=hub.url)).devices[0]
    await serial_match(device, r"hub refused: wss:// needs a ca_cert", scaled(10))
    await asyncio.sleep(0.5)  # what it does next: back off, not connect unverified
    assert "ws connect" not in device.serial_log and not device.connected


async def test_ota_over_https_with_the_right_ca_and_refused_with_the_wrong_one(
    tls_cdn: CdnServer,
    virtual_devices: Callable[..., Any],
    hub: HubProcess,
    tls_ca: ServerCa,
    wrong_ca: ServerCa,
    tmp_path: Path,
) -> None:
    url = publish_image(tls_cdn, tmp_path)
    assert url.startswith("https://127.0.0.1:")
    cas = {"right": tls_ca.ca_pem, "wrong": wrong_ca.ca_pem, "none": ""}
    # The CDN is the devices' OTA origin; only their CA differs.
    trusting, distrusting, without = [
        (
            await virtual_devices(1, seed=seed, config={"cdn_url": tls_cdn.url, "ca_cert": ca})
        ).devices[0]
        for seed, ca in cas.items()
    ]
    assert (await ota_outcome(trusting, url)).startswith("ota succeeded")
    refused = await ota_outcome(distrusting, url)
    assert refused.startswith("ota failed, keeping the running image: download_failed: TLS:")
    assert "server certificate not trusted by ca_cert" in refused
    start = len(without.serial_log)
    without.serial_line(f"cmd ota:{url}")
    await serial_match(without, r'"error":"no_ca_cert"', scaled(5), start)


async def test_hub_loads_the_command_table_from_an_https_cdn_with_its_ca(
    tls_cdn: CdnServer, start_hub: Callable[..., HubProcess], tls_ca: ServerCa
) -> None:
    hub = start_hub("--cdn-ca", str(tls_ca.ca_path), cdn_url=tls_cdn.url)
    # The hub listens at once and fetches the table in the background.
    await hub.wait_log(f"commands from {tls_cdn.url}/static/commands.json")


@pytest.mark.parametrize("command", ["hub", "cdn"])
def test_a_certificate_without_its_key_is_refused_at_start(
    command: str, tls_ca: ServerCa, tmp_path: Path
) -> None:
    result = subprocess.run(
        grouploop_argv(command, "--port", "0", "--tls-cert", str(tls_ca.cert_path)),
        capture_output=True,
        text=True,
        timeout=scaled(30),
        check=False,
        env={"CDN_FIRMWARE_DIR": str(tmp_path / "fw"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "TLS needs both --tls-cert and --tls-key" in result.stdout + result.stderr


def test_emulated_board_verifies_the_hub_with_its_provisioned_ca_cert(
    boards: Callable[..., BoardSet],
    start_hub: Callable[..., HubProcess],
    tls_ca: ServerCa,
    wrong_ca: ServerCa,
    tmp_path: Path,
) -> None:
    hub = start_hub(*tls_ca.server_args)
    table, image = tmp_path / "partitions.bin", tmp_path / "app.bin"
    table.write_bytes(build_table(OTA_LAYOUT))
    write_stand_in_image(image, "9.1.0", "seeed_xiao_esp32c3")
    board = boards(1)
    result = esptool(board.urls[0], "write-flash", "0x8000", str(table), "0x10000", str(image))
    assert result.returncode == 0, result.stdout + result.stderr
    with console(board.urls[0]) as con:
        con.expect(r"GroupLoop 9\.1\.0 ", WAIT)
        con.skip()
        config = {"wifi_ssid": "venue", "hub_url": hub.url, "ca_cert": wrong_ca.ca_pem}
        con.send_line(f"config set {json.dumps(config)}")
        con.expect(rf"ws connect {hub.url} failed: {UNTRUSTED}", WAIT)
        con.skip()
        con.send_line(f"config set {json.dumps({'ca_cert': tls_ca.ca_pem})}")
        con.expect(r"hub connected", WAIT)


async def test_js_library_over_wss_and_https_with_the_venue_ca_trusted(
    tls_cdn: CdnServer, start_hub: Callable[..., HubProcess], tls_ca: ServerCa, tmp_path: Path
) -> None:
    """HitloopDeviceManager in node: commands.json over https, the hub over wss. node trusts
    the venue's CA as a browser does once it is installed (NODE_EXTRA_CA_CERTS)."""
    hub = start_hub(*tls_ca.server_args, cdn_url=tls_cdn.url)
    events, commands = await manager_session(
        tmp_path,
        hub.url,
        tls_cdn.url,
        env={"NODE_EXTRA_CA_CERTS": str(tls_ca.ca_path)},
        ssl=tls_ca.client_context(),
    )
    by_name = {e["event"]: e["value"] for e in events}
    assert "error" not in by_name, events
    assert by_name["sent"] == "cmd:a1b2:led:ff0000"
    assert by_name["answer"] == {"id": "a1b2", "cmd": "led", "ok": True, "known": True}
    assert commands == ["led:ff0000"]
