"""The complete A/B flash layout the bench writes, in an order that survives power loss.

Every flash writes what a board needs to boot on its own: the bootloader at 0x0, the
partition table at 0x8000 (from firmware/partitions_ota.csv, built with
`grouploop.esp.partitions`), the OTA data and the app, for real and stand-in builds alike.

The order is what makes a power cut harmless (docs/flashing-and-ota.md). The bench first
reads what the board holds from 0x8000 to the end of the OTA data (table and OTA data), then:

1. writes the bootloader (as PlatformIO's upload does on every flash), the table only when
   it differs from the board's, and the app into the A/B slot that does *not* boot now, so
   the running image is never touched;
2. then writes the OTA data: an entry selecting the new slot, its sequence above every
   entry on the board, in the first sector, the second sector erased.

Power lost during step 1 leaves the old OTA data selecting the old image; during step 2,
either the new entry is complete (it wins: the new image) or it is not (the old entry, or
erased OTA data, which selects ota_0: the old image if the new went to ota_1, the fully
written new one otherwise). A board flashed before with a lone app at 0x10000 (no table)
keeps booting it from ota_0 until the new OTA data is written.
"""

from __future__ import annotations

from dataclasses import dataclass

from grouploop.esp.partitions import (
    OTA_DATA_SIZE,
    OTA_SELECT,
    TABLE_OFFSET,
    TABLE_SIZE,
    OtaState,
    Partition,
    PartitionError,
    boot_app,
    build_ota_select,
    build_table,
    next_sequence,
    ota_apps,
    ota_data,
    parse_csv,
    parse_ota_select,
)
from grouploop.settings import PROJECT_ROOT

PARTITIONS_CSV = PROJECT_ROOT / "firmware" / "partitions_ota.csv"
BOOTLOADER_OFFSET = 0x0
READ_OFFSET = TABLE_OFFSET
SECTOR = 0x1000

Write = tuple[int, bytes]  # (offset, data)


@dataclass(frozen=True)
class Layout:
    """The partitions and their table, from the project's CSV."""

    partitions: list[Partition]
    table: bytes

    @property
    def read_span(self) -> int:
        """Bytes from `READ_OFFSET` that hold the table and the OTA data."""
        otadata = self.otadata
        return otadata.offset + otadata.size - READ_OFFSET

    @property
    def otadata(self) -> Partition:
        found = ota_data(self.partitions)
        assert found is not None  # checked in `project_layout`
        return found


def project_layout(csv_text: str | None = None) -> Layout:
    """The layout of firmware/partitions_ota.csv (or `csv_text`); it must be A/B."""
    partitions = parse_csv(PARTITIONS_CSV.read_text() if csv_text is None else csv_text)
    if len(ota_apps(partitions)) < 2 or ota_data(partitions) is None:
        raise PartitionError("the partition table needs otadata and two OTA app slots (A/B)")
    return Layout(partitions, build_table(partitions))


@dataclass(frozen=True)
class Plan:
    """The two write steps (see the module docstring) and the slot the app goes to."""

    first: list[Write]
    then: list[Write]
    slot: Partition


def plan(layout: Layout, bootloader: bytes | None, app: bytes, board: bytes) -> Plan:
    """The writes that put `app` on a board whose flash from `READ_OFFSET` is `board`
    (`read_span` bytes). `bootloader` None leaves the board's bootloader as it is."""
    otadata = layout.otadata
    at = otadata.offset - READ_OFFSET
    entries = [parse_ota_select(board[at + n * SECTOR : at + (n + 1) * SECTOR]) for n in range(2)]
    # What boots once the table is in place: the slot the board's OTA data selects (erased
    # OTA data, as on a board that never had one, selects ota_0 where a lone app sits).
    running = boot_app(layout.partitions, entries)
    apps = ota_apps(layout.partitions)
    slot = next(p for p in apps if p != running)
    if len(app) > slot.size:
        raise ValueError(f"the app ({len(app)} bytes) does not fit {slot.label} ({slot.size})")
    first: list[Write] = []
    if bootloader is not None:
        first.append((BOOTLOADER_OFFSET, bootloader))
    if board[TABLE_OFFSET - READ_OFFSET : TABLE_OFFSET - READ_OFFSET + TABLE_SIZE] != layout.table:
        first.append((TABLE_OFFSET, layout.table))
    first.append((slot.offset, app))
    seq = next_sequence(entries, apps.index(slot), len(apps))
    entry = build_ota_select(seq, OtaState.VALID)  # flashed and verified on the bench
    select = entry + b"\xff" * (SECTOR - OTA_SELECT.size)
    then = [(otadata.offset, select.ljust(OTA_DATA_SIZE, b"\xff"))]
    return Plan(first, then, slot)
