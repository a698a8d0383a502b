"""OTA on an emulated board: validate a downloaded image as the bootloader would, then flash it.

The image is fetched by the virtual device's download (`emulator.device.download_image`, as
Arduino's HTTPUpdate fetches it, `x-MD5` checked) and validated here with
`grouploop.esp.image.parse_app_image` before anything is written: a corrupt image never
touches the flash and the running app keeps going. A valid one is written as esp_ota does:
into the ota_N app partition that is not running, then a new OTA data entry (state NEW,
rollback enabled) is written into the OTA data sector that does not hold the selecting
entry. The running image is never touched, so power lost at any point boots the old image
or, once the OTA data entry is complete, the new one (emulator.board.boot; an image that
never confirms itself is rolled back on the next boot). Without OTA app partitions and OTA
data there is nowhere safe to write: the update is refused, as esp_ota_begin refuses it.
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


def install(flash: Flash, running_offset: int, data: bytes) -> str:
    """Write a downloaded image for the next boot; "" when done, else why not."""
    try:
        image = parse_app_image(data)
        partitions = read_partitions(flash)
    except (ImageError, PartitionError) as exc:
        return f"invalid_image: {exc}"
    apps, otadata = ota_apps(partitions or []), ota_data(partitions or [])
    current = next((n for n, p in enumerate(apps) if p.offset == running_offset), -1)
    slot = (current + 1) % len(apps) if apps else 0
    if otadata is None or not apps or slot == current:  # no slot but the running one
        return "no_ota_partition"
    offset, room = apps[slot].offset, apps[slot].size
    if image.size > room:
        return f"image_too_large: {image.size} bytes for {room}"
    flash.erase_covering(offset, image.size)
    flash.program(offset, data[: image.size])
    select_next_boot(flash, otadata, slot, len(apps))
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
