"""The virtual NOR flash: programming clears bits only, erasing is by sector, files persist."""

from pathlib import Path

import pytest

from emulator.board.flash import SECTOR, SIZE, Flash, FlashError


def test_programming_can_only_clear_bits() -> None:
    flash = Flash()
    flash.program(0x1000, b"\x0f\xf0")
    flash.program(0x1000, b"\xff\x0f")
    assert flash.read(0x1000, 2) == b"\x0f\x00"
    flash.erase(0x1000, SECTOR)
    assert flash.read(0x1000, 2) == b"\xff\xff"


def test_erase_must_be_sector_aligned_and_inside() -> None:
    flash = Flash()
    with pytest.raises(FlashError, match="not 4 KiB aligned"):
        flash.erase(0x800, SECTOR)
    with pytest.raises(FlashError, match="outside"):
        flash.read(SIZE - 1, 2)


def test_erase_covering_rounds_out_to_sectors() -> None:
    flash = Flash()
    flash.program(0, bytes(3 * SECTOR))
    flash.erase_covering(SECTOR + 1, 2)
    assert flash.read(0, SECTOR) == bytes(SECTOR)
    assert flash.read(SECTOR, SECTOR) == b"\xff" * SECTOR
    assert flash.read(2 * SECTOR, SECTOR) == bytes(SECTOR)


def test_a_file_keeps_the_flash_and_a_wrong_size_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "flash.bin"
    flash = Flash(path)
    flash.program(0x10000, b"hello")
    flash.close()
    assert path.stat().st_size == SIZE
    again = Flash(path)
    assert again.read(0x10000, 5) == b"hello"
    assert again.read(0, 4) == b"\xff" * 4
    again.close()
    path.write_bytes(b"short")
    with pytest.raises(FlashError, match="not a 4 MB flash image"):
        Flash(path)
