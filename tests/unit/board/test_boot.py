"""Boot decisions: partition table, app image checks, OTA data and rollback (ESP-IDF's rules),
and what the console shows."""

from __future__ import annotations

from emulator.board.boot import (
    Reset,
    boot_from_flash,
    confirm_running_app,
    ota_entries,
    read_partitions,
)
from emulator.board.flash import Flash
from emulator.board.ota import install
from grouploop.esp.image import build_stand_in_image
from grouploop.esp.partitions import (
    APP,
    DATA,
    FACTORY,
    OTA_0,
    OtaState,
    Partition,
    build_table,
    ota_data,
)
from tests.fixtures.boards import OTA_LAYOUT


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
    # The factory slot is empty: the bootloader falls back to the next app that passes.
    assert result.image is not None and result.offset == 0x20000
    assert "E boot: factory: invalid app image at 0x30000" in "\n".join(result.lines)


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


def ab_board(version: str = "1.0.0") -> Flash:
    """An A/B layout with `version` in app0 and erased OTA data."""
    return flashed({0x8000: build_table(OTA_LAYOUT), 0x10000: build_stand_in_image(version, "b")})


def boot(flash: Flash) -> tuple[str | None, int]:
    result = boot_from_flash(flash, Reset.SOFTWARE)
    return (result.image.version if result.image else None), result.offset


def test_a_new_image_boots_pending_verify_and_is_rolled_back_unless_it_confirms() -> None:
    flash = ab_board()
    assert install(flash, 0x10000, build_stand_in_image("2.0.0", "b")) == ""
    otadata = ota_data(read_partitions(flash) or [])
    assert otadata is not None
    assert boot(flash) == ("2.0.0", 0x150000)
    states = [e.state for e in ota_entries(flash, otadata) if e is not None]
    assert states == [OtaState.PENDING_VERIFY]
    result = boot_from_flash(flash, Reset.SOFTWARE)  # never confirmed: rolled back
    assert result.image is not None and result.image.version == "1.0.0"
    assert "W boot: app1 never confirmed itself: ABORTED, rolling back" in result.lines
    assert boot(flash) == ("1.0.0", 0x10000)  # and stays rolled back


def test_a_confirmed_image_keeps_booting() -> None:
    flash = ab_board()
    assert install(flash, 0x10000, build_stand_in_image("2.0.0", "b")) == ""
    assert boot(flash) == ("2.0.0", 0x150000)
    assert confirm_running_app(flash, 0x150000)
    assert not confirm_running_app(flash, 0x150000)  # once is enough
    assert boot(flash) == ("2.0.0", 0x150000)
    assert boot(flash) == ("2.0.0", 0x150000)
    # The next update goes to the other slot and the confirmed one stays the fallback.
    assert install(flash, 0x150000, build_stand_in_image("3.0.0", "b")) == ""
    assert boot(flash) == ("3.0.0", 0x10000)
    assert boot(flash) == ("2.0.0", 0x150000)


def test_a_torn_slot_boots_the_other_one() -> None:
    flash = ab_board()
    assert install(flash, 0x10000, build_stand_in_image("2.0.0", "b")) == ""
    flash.erase(0x150000, 0x1000)  # power lost while the slot was rewritten
    result = boot_from_flash(flash, Reset.POWER_ON)
    assert result.image is not None and result.image.version == "1.0.0"
    assert any(line.startswith("E boot: app1: invalid app image") for line in result.lines)
