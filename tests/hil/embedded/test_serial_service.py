"""An emulated board through pytest-embedded's serial service, in pytest-embedded's own style.

`esp,grouploop`: the grouploop service starts a board flashed with the stand-in image and
hands its port to pytest-embedded, which connects with esptool, resets it (by the RTC
watchdog) and reads its console: over socket://, rfc2217:// and a pty. With `--port` and
`--port-mac` given, the service checks the MAC of that board instead.
"""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.build import firmware_version
from tests.fixtures.boards import BoardSet, start_boards
from tests.hil.bodies import status_through_the_console

pytestmark = pytest.mark.parametrize("embedded_services", ["esp,grouploop"], indirect=True)
# How pytest-embedded's reset reaches the board: RTS over RFC 2217, the RTC watchdog (armed
# through the ROM loader) over a socket or a pty, which carry no modem lines.
RESETS = [
    ("socket", "0x10 (RTCWDT_RTC_RST)"),
    ("rfc2217", "0x1 (POWERON)"),
    ("pty", "0x10 (RTCWDT_RTC_RST)"),
]
TRANSPORTS = pytest.mark.parametrize("grouploop_transport", ["socket", "rfc2217"], indirect=True)


@pytest.mark.parametrize(("grouploop_transport", "cause"), RESETS, indirect=["grouploop_transport"])
def test_reset_boots_the_flashed_app(dut, cause: str) -> None:
    dut.expect_exact(f"rst:{cause},boot:0xc (SPI_FAST_FLASH_BOOT)", timeout=10)
    dut.expect_exact(f"GroupLoop {firmware_version()} board=", timeout=5)


@TRANSPORTS
def test_console_answers_what_is_written(dut) -> None:
    dut.expect_exact("GroupLoop", timeout=10)
    dut.write("help")
    dut.expect_exact("commands: help | status | config", timeout=5)
    dut.write("config")
    found = dut.expect(r'config:\{.*"hub_url":"(ws://[^"]+)"', timeout=5)
    assert found.group(1).startswith(b"ws://")


@TRANSPORTS
def test_the_bench_duts_body_runs_on_pytest_embeddeds_dut(dut) -> None:
    # tests/hil/test_console.py runs the same body on the bench's own Dut.
    dut.expect_exact("GroupLoop", timeout=10)
    assert re.fullmatch(r"[0-9a-f]{4}", status_through_the_console(dut)["id"])


@pytest.fixture
def named_board(tmp_path: Path) -> Iterator[BoardSet]:
    board = start_boards(log_path=tmp_path / "board.log")  # erased, seeded: its MAC is known
    yield board
    board.stop()


def _named_board(request: pytest.FixtureRequest) -> BoardSet | None:
    if "named_board" not in request.fixturenames:
        return None  # the service starts the board
    board: BoardSet = request.getfixturevalue("named_board")
    return board


@pytest.fixture
def port(request: pytest.FixtureRequest) -> str | None:
    """pytest-embedded's `--port`: `named_board` where a test asks for it."""
    board = _named_board(request)
    return board.urls[0] if board else None


@pytest.fixture
def port_mac(request: pytest.FixtureRequest) -> str | None:
    """pytest-embedded's `--port-mac`: the MAC of `named_board`, as esptool prints it."""
    board = _named_board(request)
    return board.macs[0] if board else None


@pytest.mark.usefixtures("named_board")
def test_port_mac_is_checked_against_what_esptool_5_reads(dut) -> None:
    # pytest-embedded 2.9 alone refuses this port: it looks for "MAC: <mac>", esptool 5 pads.
    # Connected and reset: the board (erased) says so.
    dut.expect_exact("rst:0x10 (RTCWDT_RTC_RST)", timeout=10)
    dut.expect_exact("E boot: no bootable app", timeout=5)
