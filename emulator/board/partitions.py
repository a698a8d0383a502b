"""The ESP-IDF partition table at 0x8000: 32-byte entries, then an MD5 entry, then 0xFF.

Entry: magic 0x50AA, type, subtype, offset, size, label (16 bytes), flags. The optional
MD5 entry (magic 0xEBEB, 14 bytes of 0xFF, digest) checks the entries before it.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

TABLE_OFFSET = 0x8000
TABLE_SIZE = 0xC00
ENTRY = struct.Struct("<HBBII16sI")
ENTRY_MAGIC = 0x50AA
MD5_MAGIC = 0xEBEB
APP = 0x00
FACTORY = 0x00
OTA_0 = 0x10


class PartitionError(ValueError):
    """The partition table is present but not valid."""


@dataclass(frozen=True)
class Partition:
    label: str
    type: int
    subtype: int
    offset: int
    size: int


def parse_table(raw: bytes) -> list[Partition] | None:
    """The partitions in `raw` (the table's sector); None when the sector is erased."""
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


def boot_partition(partitions: list[Partition]) -> Partition | None:
    """The app a bootloader without OTA data starts: factory, else ota_0."""
    apps = [p for p in partitions if p.type == APP]
    for subtype in (FACTORY, OTA_0):
        for partition in apps:
            if partition.subtype == subtype:
                return partition
    return None
