"""pytest-embedded's Arduino service flashes `grouploop build`'s arduino folder on a board.

The folder holds a stand-in image of another version than the one the board starts with,
so the boot line proves what the Arduino service flashed. Plain `esp,arduino` (the command
an ESP32 engineer types, `--port` a board started here) over rfc2217://, whose RTS carries
esptool's reset; with the grouploop service over socket://, where its watchdog reset does.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.arduino_build import write_arduino_build
from bench.build import stand_in
from bench.resources import DEFAULT_BOARD
from tests.fixtures.boards import BoardSet, start_boards

FLASHED_VERSION = "9.8.7"


@pytest.fixture
def app_path(tmp_path: Path) -> str:
    """The build under test (pytest-embedded's `--app-path`)."""
    build = stand_in(DEFAULT_BOARD, FLASHED_VERSION, tmp_path / "images")
    return str(write_arduino_build(build, tmp_path / "arduino"))


@pytest.fixture
def rfc2217_board(tmp_path: Path) -> Iterator[BoardSet]:
    board = start_boards(transport="rfc2217", log_path=tmp_path / "board.log")
    yield board
    board.stop()


@pytest.fixture
def port(request: pytest.FixtureRequest) -> str | None:
    """pytest-embedded's `--port`: the rfc2217 board where the test asks for one."""
    if "rfc2217_board" not in request.fixturenames:
        return None  # the grouploop service starts the board
    board: BoardSet = request.getfixturevalue("rfc2217_board")
    return board.urls[0]


@pytest.mark.parametrize("embedded_services", ["esp,arduino"], indirect=True)
@pytest.mark.usefixtures("rfc2217_board")
def test_arduino_service_flashes_the_build_over_rfc2217(dut) -> None:
    dut.expect_exact("Hash of data verified.", timeout=60)
    dut.expect_exact(f"GroupLoop {FLASHED_VERSION} board=", timeout=10)


@pytest.mark.parametrize("embedded_services", ["esp,arduino,grouploop"], indirect=True)
def test_arduino_service_flashes_the_build_on_a_grouploop_board(dut) -> None:
    dut.expect_exact("Hash of data verified.", timeout=60)
    dut.expect_exact("rst:0x10 (RTCWDT_RTC_RST)", timeout=10)
    dut.expect_exact(f"GroupLoop {FLASHED_VERSION} board=", timeout=10)
