"""OTA on an emulated board: validate a downloaded image as the bootloader would, then flash it.

The image is fetched by the virtual device's download (`emulator.device.download_image`, as
Arduino's HTTPUpdate fetches it, `x-MD5` checked) and validated here with
`grouploop.esp.image.parse_app_image` before anything is written: a corrupt image never
touches the flash and the running app keeps going. A valid one is written as esp_ota does:
into the next ota_N app partition, then the OTA data is pointed at it. Without a partition
table the flash holds one app at 0x10000, which is replaced.
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


def install(flash: Flash, running_offset: int, data: bytes) -> str:
    """Write a downloaded image for the next boot; "" when done, else why not."""
    try:
        image = parse_app_image(data)
        partitions = read_partitions(flash)
    except (ImageError, PartitionError) as exc:
        return f"invalid_image: {exc}"
    select = None  # what the OTA data will say: (otadata partition, slot, slot count)
    if partitions is None:
        offset, room = DEFAULT_APP_OFFSET, flash.size - DEFAULT_APP_OFFSET
    else:
        apps, otadata = ota_apps(partitions), ota_data(partitions)
        if not apps or otadata is None:
            return "no_ota_partition"
        current = next((n for n, p in enumerate(apps) if p.offset == running_offset), -1)
        slot = (current + 1) % len(apps)
        offset, room = apps[slot].offset, apps[slot].size
        select = (otadata, slot, len(apps))
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
