"""Installing an OTA image into the board's flash, and the OTA data that selects it."""

from __future__ import annotations

from emulator.board.boot import Reset, boot_from_flash
from emulator.board.flash import Flash
from emulator.board.ota import install
from grouploop.esp.image import build_stand_in_image
from grouploop.esp.partitions import APP, DATA, FACTORY, OTA_0, OTA_DATA, Partition, build_table
from tests.fixtures.boards import OTA_LAYOUT


def booted_version(flash: Flash) -> tuple[str | None, int]:
    result = boot_from_flash(flash, Reset.SOFTWARE)
    return (result.image.version if result.image else None), result.offset


def test_without_a_partition_table_nothing_is_overwritten() -> None:
    flash = Flash()
    flash.program(0x10000, build_stand_in_image("1.0.0", "b"))
    assert install(flash, 0x10000, build_stand_in_image("1.1.0", "b")) == "no_ota_partition"
    assert booted_version(flash) == ("1.0.0", 0x10000)


def test_ota_slots_alternate_and_the_ota_data_follows() -> None:
    flash = Flash()
    flash.program(0x8000, build_table(OTA_LAYOUT))
    flash.program(0x10000, build_stand_in_image("1.0.0", "b"))
    assert booted_version(flash) == ("1.0.0", 0x10000)  # erased OTA data: ota_0
    assert install(flash, 0x10000, build_stand_in_image("2.0.0", "b")) == ""
    assert booted_version(flash) == ("2.0.0", 0x150000)
    assert install(flash, 0x150000, build_stand_in_image("1.0.1", "b")) == ""
    assert booted_version(flash) == ("1.0.1", 0x10000)


def test_a_corrupt_image_is_refused_and_nothing_is_written() -> None:
    flash = Flash()
    flash.program(0x8000, build_table(OTA_LAYOUT))
    flash.program(0x10000, build_stand_in_image("1.0.0", "b"))
    corrupt = bytearray(build_stand_in_image("2.0.0", "b"))
    corrupt[-1] ^= 1
    reason = install(flash, 0x10000, bytes(corrupt))
    assert reason == "invalid_image: SHA-256 digest mismatch"
    assert flash.read(0x150000, 16) == b"\xff" * 16
    assert booted_version(flash) == ("1.0.0", 0x10000)


def test_a_table_without_ota_slots_or_room_refuses() -> None:
    flash = Flash()
    flash.program(0x8000, build_table([Partition("factory", APP, FACTORY, 0x10000, 0x100000)]))
    assert install(flash, 0x10000, build_stand_in_image("2.0.0", "b")) == "no_ota_partition"
    tiny = Flash()
    tiny.program(
        0x8000,
        build_table(
            [
                Partition("otadata", DATA, OTA_DATA, 0xE000, 0x2000),
                Partition("app0", APP, OTA_0, 0x10000, 0x100),
            ]
        ),
    )
    assert install(tiny, 0, build_stand_in_image("2.0.0", "b")).startswith("image_too_large")
