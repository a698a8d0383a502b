"""What an ESP32-C3 prints and decides between reset and app: ROM banner, then the checks of
the second-stage bootloader (partition table, app image), as data for the board to act on.

The emulated board plays the second-stage bootloader itself, so whatever sits at 0x0 is not
run. It reads the partition table at 0x8000 and boots the app the OTA data selects, else the
factory app, else ota_0; with an erased table it boots the app at 0x10000, where esptool
writes a lone app image. The app image must pass `grouploop.esp.image.parse_app_image` (magic,
chip id, segments, checksum, SHA-256, app description). The formats are `grouploop.esp`'s;
this module reads them from the board's flash.

It follows ESP-IDF's bootloader with app rollback enabled (bootloader_utility.c):

- the selecting OTA data entry is the one with the highest sequence whose CRC matches and
  whose state is not INVALID or ABORTED;
- an entry still PENDING_VERIFY at boot belongs to an app that ran once and never confirmed
  itself: it is marked ABORTED and the previous entry selects the app (rollback);
- an app booted from a NEW entry makes it PENDING_VERIFY; the app confirms itself (VALID,
  `confirm_running_app`) as esp_ota_mark_app_valid_cancel_rollback does;
- when the selected app does not pass the checks, the other app partitions are tried
  (lower slots first, then higher), so a torn write in one slot boots the other;
- with no valid app anywhere: `E boot: no bootable app`, and no app runs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from emulator.board.flash import SECTOR, Flash
from grouploop.esp.image import AppImage, ImageError, parse_app_image
from grouploop.esp.partitions import (
    APP,
    OTA_SELECT,
    TABLE_OFFSET,
    TABLE_SIZE,
    OtaEntry,
    OtaState,
    Partition,
    PartitionError,
    active_sector,
    boot_app,
    build_ota_select,
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


def ota_entries(flash: Flash, otadata: Partition) -> list[OtaEntry | None]:
    """The entry of each of the two OTA data sectors (None: erased or CRC mismatch)."""
    return [
        parse_ota_select(flash.read(otadata.offset + sector * SECTOR, OTA_SELECT.size))
        for sector in range(2)
    ]


def write_ota_entry(flash: Flash, otadata: Partition, sector: int, seq: int, state: int) -> None:
    """Rewrite one OTA data sector: erase it, program the entry (as esp_ota_ops does)."""
    at = otadata.offset + sector * SECTOR
    flash.erase(at, SECTOR)
    flash.program(at, build_ota_select(seq, state))


def boot_from_flash(flash: Flash, reset: Reset) -> BootResult:
    lines = [ROM_BANNER, reset.line(FLASH_BOOT)]
    try:
        partitions = read_partitions(flash)
    except PartitionError as exc:
        return _failed(lines, DEFAULT_APP_OFFSET, str(exc))
    if partitions is None:
        offset = DEFAULT_APP_OFFSET
        lines.append(f"I boot: no partition table, app at 0x{offset:x}")
        image, reason = _load(flash, offset, flash.size - offset)
        if image is None:
            return _failed(lines, offset, reason)
        return _booted(lines, image, offset)
    selected = _select(flash, partitions, lines)
    if selected is None:
        return _failed(lines, DEFAULT_APP_OFFSET, "no factory or ota_0 app partition")
    apps = [p for p in partitions if p.type == APP]
    at = apps.index(selected)
    reasons = []
    for app in [selected, *reversed(apps[:at]), *apps[at + 1 :]]:
        lines.append(f"I boot: partition table: {app.label} app at 0x{app.offset:x}")
        image, reason = _load(flash, app.offset, min(app.size, flash.size - app.offset))
        if image is not None:
            if app is selected:
                _mark_booted(flash, partitions, app)
            return _booted(lines, image, app.offset)
        lines.append(f"E boot: {app.label}: {reason}")
        reasons.append(reason)
    return _failed(lines, selected.offset, reasons[0])


def confirm_running_app(flash: Flash, running_offset: int) -> bool:
    """The app confirms itself (esp_ota_mark_app_valid_cancel_rollback): its OTA data entry,
    if PENDING_VERIFY, becomes VALID; True when an entry changed."""
    partitions = read_partitions(flash)
    otadata = ota_data(partitions or [])
    if partitions is None or otadata is None:
        return False
    entries = ota_entries(flash, otadata)
    active = active_sector(entries)
    entry = entries[active] if active is not None else None
    apps = ota_apps(partitions)
    if entry is None or not apps or apps[(entry.seq - 1) % len(apps)].offset != running_offset:
        return False
    if entry.state != OtaState.PENDING_VERIFY:
        return False
    assert active is not None
    write_ota_entry(flash, otadata, active, entry.seq, OtaState.VALID)
    return True


def _select(flash: Flash, partitions: list[Partition], lines: list[str]) -> Partition | None:
    """The app the OTA data selects, after aborting an image that never confirmed itself."""
    otadata = ota_data(partitions)
    apps = ota_apps(partitions)
    if otadata is None or not apps:
        return boot_app(partitions, [])  # no OTA data to read
    entries = ota_entries(flash, otadata)
    active = active_sector(entries)
    entry = entries[active] if active is not None else None
    if entry is not None and entry.state == OtaState.PENDING_VERIFY:
        assert active is not None
        label = apps[(entry.seq - 1) % len(apps)].label
        lines.append(f"W boot: {label} never confirmed itself: ABORTED, rolling back")
        write_ota_entry(flash, otadata, active, entry.seq, OtaState.ABORTED)
        entries = ota_entries(flash, otadata)
    return boot_app(partitions, entries)


def _mark_booted(flash: Flash, partitions: list[Partition], app: Partition) -> None:
    """A NEW image selected by the OTA data boots for the first time: PENDING_VERIFY."""
    otadata = ota_data(partitions)
    apps = ota_apps(partitions)
    if otadata is None or app not in apps:
        return
    entries = ota_entries(flash, otadata)
    active = active_sector(entries)
    entry = entries[active] if active is not None else None
    if (
        entry is not None
        and entry.state == OtaState.NEW
        and apps[(entry.seq - 1) % len(apps)] == app
    ):
        assert active is not None
        write_ota_entry(flash, otadata, active, entry.seq, OtaState.PENDING_VERIFY)


def _load(flash: Flash, offset: int, size: int) -> tuple[AppImage | None, str]:
    try:
        return parse_app_image(flash.read(offset, size)), ""
    except ImageError as exc:
        return None, f"invalid app image at 0x{offset:x}: {exc}"


def _booted(lines: list[str], image: AppImage, offset: int) -> BootResult:
    kind = " (STAND-IN image)" if image.stand_in else ""
    lines.append(
        f"I boot: app {image.project_name} version {image.version}{kind}, "
        f"{image.size} bytes, sha256 {image.sha256[:16]}"
    )
    return BootResult(image, offset, lines)


def _failed(lines: list[str], offset: int, reason: str) -> BootResult:
    lines.append(f"E boot: no bootable app: {reason}")
    return BootResult(None, offset, lines, reason)
