"""OTA on an emulated board: flash an image the firmware core accepted, as esp_ota does.

The virtual device streams the download (emulator.ota_download, at most `slot_size` bytes)
through the firmware core, which checks its signature, version and origin; only an image it
accepted reaches `install`. That validates it again with `grouploop.esp.image.parse_app_image`,
as the bootloader would, before anything is written: a corrupt image never touches the flash
and the running app keeps going. A valid one is written into the ota_N app partition that is
not running, then a new OTA data entry (state NEW: app rollback is enabled) goes into the
OTA data sector that does not hold the selecting entry. The running image is never touched,
so power lost at any point boots the old image or, once the OTA data entry is complete, the
new one (emulator.board.boot; an image that never confirms itself is rolled back on the next
boot). Without OTA app partitions and OTA data there is nowhere safe to write: the update is
refused (`no_ota_partition`), as esp_ota_begin refuses it.
"""

from __future__ import annotations

from emulator.board.boot import ota_entries, read_partitions, write_ota_entry
from emulator.board.flash import Flash
from grouploop.esp.image import ImageError, parse_app_image
from grouploop.esp.partitions import (
    OtaState,
    Partition,
    PartitionError,
    active_sector,
    next_sequence,
    ota_apps,
    ota_data,
)

Slot = tuple[Partition, int, int, Partition]  # (app partition, slot, slot count, otadata)


def _next_slot(flash: Flash, running_offset: int) -> Slot | str:
    """The OTA app partition that is not running (with what the OTA data needs), or why none."""
    partitions = read_partitions(flash) or []
    apps, otadata = ota_apps(partitions), ota_data(partitions)
    current = next((n for n, p in enumerate(apps) if p.offset == running_offset), -1)
    slot = (current + 1) % len(apps) if apps else 0
    if otadata is None or not apps or slot == current:  # no slot but the running one
        return "no_ota_partition"
    return apps[slot], slot, len(apps), otadata


def slot_size(flash: Flash, running_offset: int) -> int:
    """Bytes the next OTA slot holds: where a download must stop (0 when there is none)."""
    try:
        slot = _next_slot(flash, running_offset)
    except PartitionError:
        return 0
    return 0 if isinstance(slot, str) else slot[0].size


def install(flash: Flash, running_offset: int, data: bytes) -> str:
    """Write an accepted image for the next boot; "" when done, else why not."""
    try:
        image = parse_app_image(data)
        slot = _next_slot(flash, running_offset)
    except (ImageError, PartitionError) as exc:
        return f"invalid_image: {exc}"
    if isinstance(slot, str):
        return slot
    app, index, count, otadata = slot
    if image.size > app.size:
        return f"image_too_large: {image.size} bytes for {app.size}"
    flash.erase_covering(app.offset, image.size)
    flash.program(app.offset, data[: image.size])
    select_next_boot(flash, otadata, index, count)
    return ""


def select_next_boot(flash: Flash, otadata: Partition, slot: int, count: int) -> None:
    """Make ota_`slot` (of `count`) the boot app, as esp_ota_set_boot_partition does: a NEW
    entry in the sector that does not select the running app, so a torn write leaves the
    other one in charge."""
    entries = ota_entries(flash, otadata)
    active = active_sector(entries)
    sector = 0 if active is None else 1 - active
    seq = next_sequence(entries, slot, count)
    write_ota_entry(flash, otadata, sector, seq, OtaState.NEW)
