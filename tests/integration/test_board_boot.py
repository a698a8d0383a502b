"""What an emulated board boots after the unmodified esptool flashed it: a valid image runs the
virtual device with the image's version, anything else stops at a boot error."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from grouploop.esp.image import build_stand_in_image
from tests.fixtures.boards import WAIT, BoardSet, console, esptool

APP = "0x10000"
BOOT_ERROR = r"E boot: no bootable app: (?P<reason>.*)"


def flash(url: str, image: Path, *extra: str) -> None:
    result = esptool(url, *extra, "write-flash", APP, str(image))
    assert result.returncode == 0, result.stdout + result.stderr


def stand_in(tmp_path: Path, version: str, corrupt_at: int | None = None) -> Path:
    data = bytearray(build_stand_in_image(version, "seeed_xiao_esp32c3"))
    if corrupt_at is not None:
        data[corrupt_at] ^= 0x01
    path = tmp_path / f"{version}-{corrupt_at}.bin"
    path.write_bytes(data)
    return path


def app_boot(version: str) -> str:
    return rf"GroupLoop {re.escape(version)} board=\S+ id=[0-9a-f]{{4}}"


def test_a_blank_board_reports_no_bootable_app(boards: Callable[..., BoardSet]) -> None:
    board = boards(1)
    with console(board.urls[0]) as con:
        match = con.expect(BOOT_ERROR, WAIT)
    assert "invalid image magic 0xff" in match["reason"]


def test_a_stand_in_image_boots_and_reports_its_version(
    boards: Callable[..., BoardSet], tmp_path: Path
) -> None:
    board = boards(1)
    flash(board.urls[0], stand_in(tmp_path, "2.0.1"))
    with console(board.urls[0]) as con:
        con.expect(r"I boot: app grouploop-stand-in version 2\.0\.1 \(STAND-IN image\)", WAIT)
        con.expect(app_boot("2.0.1"), WAIT)
        con.send_line("status")
        con.expect(r'ans:\{"cmd":"status","ok":true,"data":\{.*"version":"2\.0\.1"', WAIT)


@pytest.mark.parametrize(
    ("corrupt_at", "reason"),
    [
        (0, "invalid image magic"),
        (12, "not 5"),  # chip id in the extended header
        (0x40, "checksum mismatch"),  # a byte of the app description's segment data
        (-1, "SHA-256 digest mismatch"),  # the appended digest
    ],
    ids=["magic", "chip", "checksum", "sha256"],
)
def test_a_corrupt_image_does_not_boot_and_the_board_can_be_reflashed(
    boards: Callable[..., BoardSet], tmp_path: Path, corrupt_at: int, reason: str
) -> None:
    board = boards(1)
    url = board.urls[0]
    flash(url, stand_in(tmp_path, "3.0.0", corrupt_at))
    with console(url) as con:
        match = con.expect(BOOT_ERROR, WAIT)
        assert reason in match["reason"]
    # The halted board still enters the ROM loader for esptool; the new image boots.
    flash(url, stand_in(tmp_path, "3.0.1"))
    with console(url) as con:
        con.expect(app_boot("3.0.1"), WAIT)
        # Printed after the boot error, before the reset:
        halted = con.transcript.text.split("ESP-ROM")[0]
        assert "GroupLoop" not in halted


def test_console_reboot_and_watchdog_reset_boot_from_flash_again(
    boards: Callable[..., BoardSet], tmp_path: Path
) -> None:
    board = boards(1)
    url = board.urls[0]
    flash(url, stand_in(tmp_path, "4.0.0"))
    with console(url) as con:
        con.expect(app_boot("4.0.0"), WAIT)
        con.skip()
        con.send_line("reboot")
        con.expect(r"rst:0x3 \(RTC_SW_SYS_RST\)", WAIT)
        con.expect(app_boot("4.0.0"), WAIT)
    # The watchdog fires while esptool still holds the port (it waits 0.5 s after arming it),
    # so the boot goes to esptool; the running version and the board's log show it.
    flash(url, stand_in(tmp_path, "4.0.1"), "--after", "watchdog-reset")
    with console(url) as con:
        con.send_line("status")
        con.expect(r'ans:\{"cmd":"status","ok":true,"data":\{.*"version":"4\.0\.1"', WAIT)
    assert board.service.log_path is not None
    assert "rst:0x10 (RTCWDT_RTC_RST)" in board.service.log_path.read_text()


def test_the_flash_file_keeps_the_image_across_restarts(
    boards: Callable[..., BoardSet], tmp_path: Path
) -> None:
    first = boards(1, flash_dir=tmp_path)
    flash(first.urls[0], stand_in(tmp_path, "5.0.0"))
    first.stop()
    again = boards(1, flash_dir=tmp_path)
    with console(again.urls[0]) as con:
        con.expect(r"rst:0x1 \(POWERON\)", WAIT)
        con.expect(app_boot("5.0.0"), WAIT)


def test_four_boards_flashed_in_parallel_each_report_their_version(
    boards: Callable[..., BoardSet], tmp_path: Path
) -> None:
    board_set = boards(4)
    images = [stand_in(tmp_path, f"6.0.{n}") for n in range(4)]
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(flash, board_set.urls, images))
    elapsed = time.monotonic() - started
    for n, url in enumerate(board_set.urls):
        with console(url) as con:
            con.expect(app_boot(f"6.0.{n}"), WAIT)
    print(f"4 boards flashed in parallel in {elapsed:.2f} s")
