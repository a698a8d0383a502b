"""OTA on an emulated board: flash an image the firmware core accepted, as esp_ota does.

The virtual device streams the download (emulator.ota_download, at most `slot_size` bytes)
through the firmware core, which checks its signature, version and origin; only an image it
accepted reaches `install`. That validates it again with `grouploop.esp.image.parse_app_image`,
as the bootloader would, before anything is written: a corrupt image never touches the flash
and the running app keeps going. A valid one is written into the next ota_N app partition,
then the OTA data is pointed at it. Without a partition table the flash holds one app at
0x10000, which is replaced.
"""

from __future__ import annotations

from emulator.board.boot import DEFAULT_APP_OFFSET, ota_sequences, read_partitions
from emulator.board.flash import SECTOR, Flash
from grouploop.esp.image import ImageError, parse_app_image
from grouploop.esp.partitions import (
    Partition,
    PartitionError,
    build_ota_select,
    next_sequence,
    ota_apps,
    ota_data,
)

Slot = tuple[int, int, tuple[Partition, int, int] | None]


def _next_slot(flash: Flash, running_offset: int) -> Slot | str:
    """(offset, room, what the OTA data will say: (otadata, slot, slot count)), or why none."""
    partitions = read_partitions(flash)
    if partitions is None:
        return DEFAULT_APP_OFFSET, flash.size - DEFAULT_APP_OFFSET, None
    apps, otadata = ota_apps(partitions), ota_data(partitions)
    if not apps or otadata is None:
        return "no_ota_partition"
    current = next((n for n, p in enumerate(apps) if p.offset == running_offset), -1)
    slot = (current + 1) % len(apps)
    return apps[slot].offset, apps[slot].size, (otadata, slot, len(apps))


def slot_size(flash: Flash, running_offset: int) -> int:
    """Bytes the next OTA slot holds: where a download must stop (0 when there is none)."""
    try:
        slot = _next_slot(flash, running_offset)
    except PartitionError:
        return 0
    return 0 if isinstance(slot, str) else slot[1]


def install(flash: Flash, running_offset: int, data: bytes) -> str:
    """Write an accepted image for the next boot; "" when done, else why not."""
    try:
        image = parse_app_image(data)
        slot = _next_slot(flash, running_offset)
    except (ImageError, PartitionError) as exc:
        return f"invalid_image: {exc}"
    if isinstance(slot, str):
        return slot
    offset, room, select = slot
    if image.size > room:
        return f"image_too_large: {image.size} bytes for {room}"
    flash.erase_covering(offset, image.size)
    flash.program(offset, data[: image.size])
    if select is not None:
        write_ota_select(flash, *select)
    return ""


def write_ota_select(flash: Flash, otadata: Partition, slot: int, count: int) -> None:
    """Make ota_`slot` (of `count`) the boot app, as esp_ota_set_boot_partition does."""
    sequences = ota_sequences(flash, otadata)
    # Overwrite the older (or invalid) sector, so a torn write leaves the other one valid.
    sector = min(range(2), key=lambda n: sequences[n] or 0)
    at = otadata.offset + sector * SECTOR
    flash.erase(at, SECTOR)
    flash.program(at, build_ota_select(next_sequence(sequences, slot, count)))
