"""What an ESP32-C3 prints and decides between reset and app: ROM banner, then the checks of
the second-stage bootloader (partition table, app image), as data for the board to act on.

The emulated board plays the second-stage bootloader itself, so whatever sits at 0x0 is not
run. It reads the partition table at 0x8000 and boots the app the OTA data selects, else the
factory app, else ota_0; with an erased table it boots the app at 0x10000, where esptool
writes a lone app image. The app image must pass `grouploop.esp.image.parse_app_image` (magic,
chip id, segments, checksum, SHA-256, app description); anything else is a boot error and no
app runs. The formats are `grouploop.esp`'s; this module reads them from the board's flash.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from emulator.board.flash import SECTOR, Flash
from grouploop.esp.image import AppImage, ImageError, parse_app_image
from grouploop.esp.partitions import (
    OTA_SELECT,
    TABLE_OFFSET,
    TABLE_SIZE,
    Partition,
    PartitionError,
    boot_app,
    ota_apps,
    ota_data,
    parse_ota_select,
    parse_table,
)

DEFAULT_APP_OFFSET = 0x10000
ROM_BANNER = "ESP-ROM:esp32c3-api1-20210207"


class Reset(enum.Enum):
    """Reset causes, with the code and name the ROM prints."""

    POWER_ON = (0x1, "POWERON")
    SOFTWARE = (0x3, "RTC_SW_SYS_RST")
    WATCHDOG = (0x10, "RTCWDT_RTC_RST")

    def line(self, boot_mode: str) -> str:
        code, name = self.value
        return f"rst:0x{code:x} ({name}),boot:{boot_mode}"


FLASH_BOOT = "0xc (SPI_FAST_FLASH_BOOT)"
DOWNLOAD_BOOT = "0x4 (DOWNLOAD(USB/UART0))"


@dataclass
class BootResult:
    image: AppImage | None
    offset: int
    lines: list[str] = field(default_factory=list)
    error: str | None = None


def download_banner(reset: Reset) -> list[str]:
    """What the ROM prints when the strapping pins ask for download mode."""
    return [ROM_BANNER, reset.line(DOWNLOAD_BOOT), "waiting for download"]


def read_partitions(flash: Flash) -> list[Partition] | None:
    """The partition table in the flash; None when its sector is erased."""
    return parse_table(flash.read(TABLE_OFFSET, TABLE_SIZE))


def ota_sequences(flash: Flash, otadata: Partition) -> list[int | None]:
    """The sequence number of each of the two OTA data sectors (None: erased or invalid)."""
    return [
        parse_ota_select(flash.read(otadata.offset + sector * SECTOR, OTA_SELECT.size))
        for sector in range(2)
    ]


def boot_from_flash(flash: Flash, reset: Reset) -> BootResult:
    lines = [ROM_BANNER, reset.line(FLASH_BOOT)]
    try:
        partitions = read_partitions(flash)
    except PartitionError as exc:
        return _failed(lines, DEFAULT_APP_OFFSET, str(exc))
    if partitions is None:
        offset, size = DEFAULT_APP_OFFSET, flash.size - DEFAULT_APP_OFFSET
        lines.append(f"I boot: no partition table, app at 0x{offset:x}")
    else:
        app = _boot_partition(flash, partitions)
        if app is None:
            return _failed(lines, DEFAULT_APP_OFFSET, "no factory or ota_0 app partition")
        offset, size = app.offset, min(app.size, flash.size - app.offset)
        lines.append(f"I boot: partition table: {app.label} app at 0x{offset:x}")
    try:
        image = parse_app_image(flash.read(offset, size))
    except ImageError as exc:
        return _failed(lines, offset, f"invalid app image at 0x{offset:x}: {exc}")
    kind = " (STAND-IN image)" if image.stand_in else ""
    lines.append(
        f"I boot: app {image.project_name} version {image.version}{kind}, "
        f"{image.size} bytes, sha256 {image.sha256[:16]}"
    )
    return BootResult(image, offset, lines)


def _boot_partition(flash: Flash, partitions: list[Partition]) -> Partition | None:
    otadata = ota_data(partitions)
    if otadata is None or not ota_apps(partitions):
        return boot_app(partitions, [])  # no OTA data to read
    return boot_app(partitions, ota_sequences(flash, otadata))


def _failed(lines: list[str], offset: int, reason: str) -> BootResult:
    lines.append(f"E boot: no bootable app: {reason}")
    return BootResult(None, offset, lines, reason)
