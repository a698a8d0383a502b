"""The ESP-IDF partition table at 0x8000, and the OTA data that picks the app to boot.

Table entry: magic 0x50AA, type, subtype, offset, size, label (16 bytes), flags. The
optional MD5 entry (magic 0xEBEB, 14 bytes of 0xFF, digest) checks the entries before it.

OTA data (type data, subtype ota: two sectors) holds one `esp_ota_select_entry_t` at the
start of each sector: sequence number, label, state, and the CRC-32 of the sequence
number. The valid entry with the highest sequence n selects app ota_((n - 1) mod count).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass

from emulator.board.flash import SECTOR, Flash

TABLE_OFFSET = 0x8000
TABLE_SIZE = 0xC00
ENTRY = struct.Struct("<HBBII16sI")
ENTRY_MAGIC = 0x50AA
MD5_MAGIC = 0xEBEB
APP = 0x00
FACTORY = 0x00
OTA_0 = 0x10
OTA_15 = 0x1F
DATA = 0x01
OTA_DATA = 0x00
OTA_SELECT = struct.Struct("<I20sII")  # esp_ota_select_entry_t
OTA_VALID = 0xFFFFFFFF  # ota_state "undefined": no rollback tracking, bootable


class PartitionError(ValueError):
    """The partition table is present but not valid."""


@dataclass(frozen=True)
class Partition:
    label: str
    type: int
    subtype: int
    offset: int
    size: int


def read_table(flash: Flash) -> list[Partition] | None:
    """The partitions in the flash's table sector; None when the sector is erased."""
    raw = flash.read(TABLE_OFFSET, TABLE_SIZE)
    if raw[:2] == b"\xff\xff":
        return None
    partitions: list[Partition] = []
    for at in range(0, len(raw) - ENTRY.size + 1, ENTRY.size):
        magic, ptype, subtype, offset, size, label, _flags = ENTRY.unpack_from(raw, at)
        if magic == ENTRY_MAGIC:
            name = label.split(b"\0", 1)[0].decode("ascii", "replace")
            partitions.append(Partition(name, ptype, subtype, offset, size))
        elif magic == MD5_MAGIC:
            if hashlib.md5(raw[:at]).digest() != raw[at + 16 : at + 32]:
                raise PartitionError("partition table MD5 mismatch")
            return partitions
        elif magic == 0xFFFF:
            return partitions
        else:
            raise PartitionError(f"invalid partition entry magic 0x{magic:04x} at 0x{at:x}")
    return partitions


def ota_apps(partitions: list[Partition]) -> list[Partition]:
    return sorted(
        (p for p in partitions if p.type == APP and OTA_0 <= p.subtype <= OTA_15),
        key=lambda p: p.subtype,
    )


def ota_data(partitions: list[Partition]) -> Partition | None:
    return next((p for p in partitions if p.type == DATA and p.subtype == OTA_DATA), None)


def _crc(seq: int) -> int:
    return zlib.crc32(struct.pack("<I", seq), 0xFFFFFFFF)


def ota_sequences(flash: Flash, otadata: Partition) -> list[int | None]:
    """The sequence number of each of the two OTA data sectors (None: erased or invalid)."""
    sequences: list[int | None] = []
    for sector in range(2):
        seq, _label, _state, crc = OTA_SELECT.unpack(
            flash.read(otadata.offset + sector * SECTOR, OTA_SELECT.size)
        )
        valid = seq not in (0, 0xFFFFFFFF) and crc == _crc(seq)
        sequences.append(seq if valid else None)
    return sequences


def write_ota_select(flash: Flash, otadata: Partition, slot: int, count: int) -> None:
    """Make ota_`slot` (of `count`) the boot app, as esp_ota_set_boot_partition does."""
    sequences = ota_sequences(flash, otadata)
    seq = max((s for s in sequences if s is not None), default=0) + 1
    while (seq - 1) % count != slot:
        seq += 1
    # Overwrite the older (or invalid) sector, so a torn write leaves the other one valid.
    sector = min(range(2), key=lambda n: sequences[n] or 0)
    at = otadata.offset + sector * SECTOR
    flash.erase(at, SECTOR)
    flash.program(at, OTA_SELECT.pack(seq, b"", OTA_VALID, _crc(seq)))


def boot_partition(flash: Flash, partitions: list[Partition]) -> Partition | None:
    """The app the bootloader starts: per OTA data if valid, else factory, else ota_0."""
    apps, otadata = ota_apps(partitions), ota_data(partitions)
    if apps and otadata is not None:
        valid = [s for s in ota_sequences(flash, otadata) if s is not None]
        if valid:
            return apps[(max(valid) - 1) % len(apps)]
    for subtype in (FACTORY, OTA_0):
        for partition in partitions:
            if partition.type == APP and partition.subtype == subtype:
                return partition
    return None
