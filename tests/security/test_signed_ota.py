"""Signed firmware, attacked: OTA images a device must refuse, and the one it must accept.

Real services with authentication and signing on: a `grouploop hub` with a credential file, the
CDN over HTTP (and a second one, an origin the devices do not allow), an emulated board flashed
with the unmodified esptool and a virtual device (`grouploop emulate`), each logging in with its
device secret and running the firmware core with the session's trusted key
(tests.fixtures.signing). Each attack is sent with an admin token, as a stolen one would be,
`cmd:<id>:ota:<url>` through the hub; the device must answer why it refused, and keep running its
old version: checked over the hub (`status`) and over its serial console.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bench.drivers.console import ConsoleDriver
from emulator.swarm import mac_for
from grouploop import signing
from grouploop.esp.image import build_stand_in_image, write_stand_in_image
from grouploop.esp.partitions import build_table
from grouploop.services import Service, grouploop_argv, start
from grouploop.signing import SigningKey
from hub import credentials
from tests.fixtures.boards import OTA_LAYOUT, WAIT, BoardSet, esptool, start_boards
from tests.fixtures.browser import HubWatch
from tests.fixtures.cdn import CdnServer, start_cdn
from tests.fixtures.hub import HubProcess, start_hub_process
from tests.fixtures.signing import SessionSigning
from tests.support.timing import scaled

BOARD = "seeed_xiao_esp32c3"
BOARD_VERSION = "5.0.0"  # what esptool flashes onto the emulated board
NEWER, OLDER = "99.0.0", "0.9.0"  # than the board's and the virtual device's (firmware/VERSION)
SEED = "signed-ota"


@dataclass
class Target:
    """One device under attack: its id, its console, and the version it must keep."""

    name: str
    device_id: str
    console: ConsoleDriver
    version: str


@dataclass
class Stack:
    hub: HubProcess
    cdn: CdnServer
    elsewhere: CdnServer  # serves good signed images from an origin the devices do not allow
    watch: HubWatch
    targets: dict[str, Target]


def _virtual_console(service: Service) -> str:
    assert service.log_path is not None
    for _ in range(int(scaled(100))):
        match = re.search(r"\[CONSOLE\] \w{4} (socket://\S+)", service.log_path.read_text())
        if match:
            return match.group(1)
        time.sleep(0.05)  # the line is in a child's log file: nothing to await
    raise AssertionError("grouploop emulate printed no console URL")


def _flash_board(
    boards: BoardSet, tmp: Path, hub: HubProcess, cdn: CdnServer, secret: str
) -> Target:
    table, app = tmp / "partitions.bin", tmp / "app.bin"
    table.write_bytes(build_table(OTA_LAYOUT))
    write_stand_in_image(app, BOARD_VERSION, BOARD)
    url = boards.urls[0]
    done = esptool(url, "write-flash", "0x8000", str(table), "0x10000", str(app))
    assert done.returncode == 0, done.stdout + done.stderr
    console = ConsoleDriver("board", url).open()
    console.expect(rf"GroupLoop {re.escape(BOARD_VERSION)} ", WAIT)
    config = {"wifi_ssid": "bench", "hub_url": hub.url, "cdn_url": cdn.url, "device_secret": secret}
    console.command(f"config set {json.dumps(config)}", r"config:ok", WAIT)
    return Target("board", _board_id(boards), console, BOARD_VERSION)


def _board_id(boards: BoardSet) -> str:
    return boards.macs[0].replace(":", "")[-4:]


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, signing_keys: SessionSigning
) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("signed-ota")
    started: list[Service] = []
    consoles: list[ConsoleDriver] = []
    try:
        cdn = start_cdn(tmp / "firmware", log_path=tmp / "cdn.log")
        started.append(cdn.service)
        elsewhere = start_cdn(tmp / "elsewhere", log_path=tmp / "elsewhere.log")
        started.append(elsewhere.service)
        boards = start_boards(1, flash_dir=tmp, log_path=tmp / "board.log", seed=f"{SEED}-board")
        started.append(boards.service)
        tokens = tmp / "tokens.json"
        admin = credentials.add(tokens, "admin")
        virtual_id = mac_for(SEED, 0)[-2:].hex()
        secrets = {i: credentials.add(tokens, "device", device_id=i) for i in (virtual_id,)}
        board_secret = credentials.add(tokens, "device", device_id=_board_id(boards))
        (tmp / "secrets.json").write_text(json.dumps(secrets))
        hub = start_hub_process(tmp, "--tokens", str(tokens), cdn_url=cdn.url)
        started.append(hub.service)
        board = _flash_board(boards, tmp, hub, cdn, board_secret)
        consoles.append(board.console)
        argv = ["emulate", "--hub", hub.url, "--cdn", cdn.url, "--seed", SEED]
        argv += ["--secrets", str(tmp / "secrets.json")]
        emulate = start(
            "emulate",
            grouploop_argv(*argv, "--console-port", "0"),
            log_path=tmp / "emulate.log",
            timeout=scaled(30),
        )
        started.append(emulate)
        virtual_console = ConsoleDriver("virtual", _virtual_console(emulate)).open()
        consoles.append(virtual_console)
        version = (Path(__file__).parents[2] / "firmware" / "VERSION").read_text().strip()
        virtual = Target("virtual", virtual_id, virtual_console, version)
        watch = HubWatch(f"{hub.url}/?token={admin}")
        for target in (board, virtual):  # both stream to the hub before any attack
            watch.wait_line(lambda line, t=target: line.startswith(t.device_id), 0, 20)
        yield Stack(hub, cdn, elsewhere, watch, {"board": board, "virtual": virtual})
        watch.close()
    finally:
        for console in consoles:
            console.close()
        for service in reversed(started):
            service.stop()


def _publish(server: CdnServer, name: str, version: str, key: SigningKey | None) -> Path:
    server.firmware_dir.mkdir(parents=True, exist_ok=True)
    path = server.firmware_dir / name
    path.write_bytes(build_stand_in_image(version, BOARD))
    if key is not None:
        signing.sign_file(path, key)
    return path


def _truncated(server: CdnServer, key: SigningKey) -> None:
    """A signed image cut short on the server, its signature that of the whole image."""
    path = _publish(server, "truncated.bin", NEWER, key)
    path.write_bytes(path.read_bytes()[:-100])


def _version_over_hub_and_console(stack: Stack, target: Target) -> tuple[str, str]:
    status = stack.watch.ask_device(target.device_id, "status")
    pattern = r'^ans:\{"cmd":"status".*"version":"([^"]+)"'
    match = target.console.command("status", pattern, WAIT)
    return status["data"]["version"], match.group(1)


ATTACKS = {
    # name: (prepare the CDN, file to ask for, error in the ota_result)
    "another_key": (
        lambda s, keys, other: _publish(s.cdn, "other-key.bin", NEWER, other),
        "other-key.bin",
        "signature_mismatch",
    ),
    "unsigned": (
        lambda s, keys, other: _publish(s.cdn, "unsigned.bin", NEWER, None),
        "unsigned.bin",
        "unsigned",
    ),
    "truncated": (
        lambda s, keys, other: _truncated(s.cdn, keys.key),
        "truncated.bin",
        "signature_mismatch",
    ),
    "older_version": (
        lambda s, keys, other: _publish(s.cdn, "older.bin", OLDER, keys.key),
        "older.bin",
        "older_version: 0.9.0 < running {version}",
    ),
}


@pytest.mark.parametrize("target_name", ["board", "virtual"])
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_bad_image_is_refused_and_the_old_version_keeps_running(
    stack: Stack,
    signing_keys: SessionSigning,
    untrusted_key: SigningKey,
    attack: str,
    target_name: str,
) -> None:
    prepare, name, error = ATTACKS[attack]
    prepare(stack, signing_keys, untrusted_key)
    target = stack.targets[target_name]
    expected = error.format(version=target.version)
    start = len(stack.watch.lines)
    target.console.skip()
    console_start = len(target.console.transcript.text)
    answer = stack.watch.ask_device(target.device_id, f"ota:{stack.cdn.url}/firmware/{name}")
    assert answer["ok"] is True, answer  # the download starts; the verdict follows
    prefix = f"ans:{target.device_id}:"
    line = stack.watch.wait_line(
        lambda line: line.startswith(prefix) and '"cmd":"ota_result"' in line, start, 30
    )
    assert json.loads(line[len(prefix) :]) == {"cmd": "ota_result", "ok": False, "error": expected}
    target.console.expect(rf"ota failed, keeping the running image: {re.escape(expected)}", WAIT)
    assert _version_over_hub_and_console(stack, target) == (target.version, target.version)
    assert "rst:" not in target.console.transcript.text[console_start:]  # no reboot happened


@pytest.mark.parametrize("target_name", ["board", "virtual"])
def test_an_image_from_an_origin_not_allowed_is_refused_before_download(
    stack: Stack, signing_keys: SessionSigning, target_name: str
) -> None:
    _publish(stack.elsewhere, "good.bin", NEWER, signing_keys.key)  # signed, newer, elsewhere
    target = stack.targets[target_name]
    url = f"{stack.elsewhere.url}/firmware/good.bin"
    answer = stack.watch.ask_device(target.device_id, f"ota:{url}")
    assert answer == {"cmd": "ota", "ok": False, "error": "origin_not_allowed"}
    target.console.command(f"cmd ota:{url}", r'"error":"origin_not_allowed"', WAIT)
    assert _version_over_hub_and_console(stack, target) == (target.version, target.version)
    assert "good.bin" not in stack.elsewhere.service.log_path.read_text()  # never fetched


@pytest.mark.parametrize("target_name", ["board", "virtual"])
def test_a_newer_image_signed_by_a_trusted_key_is_installed(
    stack: Stack, signing_keys: SessionSigning, target_name: str
) -> None:
    _publish(stack.cdn, "newer.bin", NEWER, signing_keys.key)
    target = stack.targets[target_name]
    start = len(stack.watch.lines)
    target.console.skip()
    answer = stack.watch.ask_device(target.device_id, f"ota:{stack.cdn.url}/firmware/newer.bin")
    assert answer["ok"] is True, answer
    prefix = f"ans:{target.device_id}:"
    line = stack.watch.wait_line(
        lambda line: line.startswith(prefix) and '"cmd":"ota_result"' in line, start, 30
    )
    assert json.loads(line[len(prefix) :])["ok"] is True, line
    target.console.expect(rf"ota image verified: version {re.escape(NEWER)}", WAIT)
    if target_name == "board":  # the board boots the new image from its flash
        target.console.expect(rf"GroupLoop {re.escape(NEWER)} ", WAIT)
        again = len(stack.watch.lines)
        stack.watch.wait_line(lambda line: line.startswith(target.device_id), again, 20)
        assert _version_over_hub_and_console(stack, target) == (NEWER, NEWER)
