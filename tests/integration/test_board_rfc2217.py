"""Over rfc2217:// the board has modem lines: esptool's own DTR/RTS reset sequences put it
into download mode and back, and a console can reset it to read the boot, as on USB.

esptool over pyserial's RFC 2217 client is slow (it renegotiates the line settings, waiting
for each acknowledgement, whenever esptool changes its read timeout), so only a short esptool
session runs here; socket:// and pty carry the flashing tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from emulator.board.flash import SIZE
from grouploop.esp.image import build_stand_in_image
from tests.fixtures.boards import WAIT, BoardSet, console, esptool


@pytest.fixture
def rfc2217_board(tmp_path: Path, boards: Callable[..., BoardSet]) -> tuple[str, Path]:
    """A board whose flash already holds a stand-in app (version 10.0.0) at 0x10000."""
    flash = bytearray(b"\xff" * SIZE)
    app = build_stand_in_image("10.0.0", "seeed_xiao_esp32c3")
    flash[0x10000 : 0x10000 + len(app)] = app
    (tmp_path / "board0.bin").write_bytes(flash)  # the file `boards` gives board 0
    board = boards(1, transport="rfc2217", flash_dir=tmp_path)
    assert board.service.log_path is not None
    return board.urls[0], board.service.log_path


def test_esptool_resets_it_into_the_loader_and_back_with_dtr_rts(
    rfc2217_board: tuple[str, Path],
) -> None:
    url, log = rfc2217_board
    result = esptool(url, "--no-stub", "read-mac", timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert "not possible to reset" not in out and "was NOT reset" not in out
    text = log.read_text()
    download = text.index("boot:0x4 (DOWNLOAD(USB/UART0)) | waiting for download")
    assert "version 10.0.0" in text[download:]  # --after hard-reset booted the app again


def test_a_console_pulses_en_to_read_the_boot(rfc2217_board: tuple[str, Path]) -> None:
    url, _ = rfc2217_board
    with console(url) as con:
        con.skip()
        con.pulse_reset()  # EN low, then released with IO9 high: boot from flash
        con.expect(r"rst:0x1 \(POWERON\),boot:0xc \(SPI_FAST_FLASH_BOOT\)", WAIT)
        con.expect(r"GroupLoop 10\.0\.0 board=seeed_xiao_esp32c3 id=[0-9a-f]{4}", WAIT)
