"""Boot decisions: partition table, app image checks, and what the console shows."""

from __future__ import annotations

from emulator.board.boot import Reset, boot_from_flash
from emulator.board.flash import Flash
from grouploop.esp.image import build_stand_in_image
from grouploop.esp.partitions import APP, DATA, FACTORY, OTA_0, Partition, build_table


def flashed(contents: dict[int, bytes]) -> Flash:
    flash = Flash()
    for offset, data in contents.items():
        flash.program(offset, data)
    return flash


def test_lone_app_at_0x10000_boots_with_the_rom_banner() -> None:
    result = boot_from_flash(flashed({0x10000: build_stand_in_image("1.0.0", "b")}), Reset.POWER_ON)
    assert result.image is not None and result.image.version == "1.0.0"
    assert result.lines[1] == "rst:0x1 (POWERON),boot:0xc (SPI_FAST_FLASH_BOOT)"
    assert "no partition table" in result.lines[2]


def test_partition_table_picks_factory_then_ota_0() -> None:
    nvs = Partition("nvs", DATA, 2, 0x9000, 0x5000)
    ota0 = Partition("app0", APP, OTA_0, 0x20000, 0x100000)
    image = build_stand_in_image("2.0.0", "b")
    result = boot_from_flash(
        flashed({0x8000: build_table([nvs, ota0]), 0x20000: image}), Reset.SOFTWARE
    )
    assert result.image is not None and result.offset == 0x20000
    factory = Partition("factory", APP, FACTORY, 0x30000, 0x100000)
    result = boot_from_flash(
        flashed({0x8000: build_table([nvs, ota0, factory]), 0x20000: image}), Reset.SOFTWARE
    )
    assert result.image is None and result.offset == 0x30000  # factory is empty


def test_corrupt_table_and_missing_app_partition_are_boot_errors() -> None:
    good = build_table([Partition("app0", APP, OTA_0, 0x10000, 0x100000)])
    bad_md5 = good[:0x30] + bytes([good[0x30] ^ 1]) + good[0x31:]
    result = boot_from_flash(flashed({0x8000: bad_md5}), Reset.POWER_ON)
    assert result.error == "partition table MD5 mismatch"
    result = boot_from_flash(
        flashed({0x8000: build_table([Partition("nvs", DATA, 2, 0x9000, 0x5000)])}), Reset.POWER_ON
    )
    assert result.error == "no factory or ota_0 app partition"
    assert result.lines[-1] == "E boot: no bootable app: no factory or ota_0 app partition"


def test_an_image_with_a_bad_checksum_does_not_boot() -> None:
    image = bytearray(build_stand_in_image("1.0.0", "b"))
    image[0x40] ^= 1
    result = boot_from_flash(flashed({0x10000: bytes(image)}), Reset.POWER_ON)
    assert result.image is None
    assert result.error is not None and "checksum mismatch" in result.error
