"""The ESP-IDF partition table at 0x8000, and the OTA data that picks the app to boot: the bytes.

Table entry: magic 0x50AA, type, subtype, offset, size, label (16 bytes), flags. The
optional MD5 entry (magic 0xEBEB, 14 bytes of 0xFF, digest) checks the entries before it;
0xFF fills the rest of the 0xC00 bytes.

OTA data (type data, subtype ota: two flash sectors) holds one `esp_ota_select_entry_t` at
the start of each sector: sequence number, label, state, and the CRC-32 of the sequence
number. The valid entry with the highest sequence n selects app ota_((n - 1) mod count).

Everything here maps bytes to values and back; reading and writing the flash is the caller's.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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


def parse_table(raw: bytes) -> list[Partition] | None:
    """The partitions in a table sector's bytes; None when the sector is erased."""
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


def build_table(partitions: Iterable[Partition]) -> bytes:
    """The table sector for `partitions`: their entries, the MD5 entry, 0xFF padding."""
    raw = b"".join(
        ENTRY.pack(ENTRY_MAGIC, p.type, p.subtype, p.offset, p.size, p.label.encode(), 0)
        for p in partitions
    )
    raw += MD5_MAGIC.to_bytes(2, "little") + b"\xff" * 14 + hashlib.md5(raw).digest()
    if len(raw) > TABLE_SIZE:
        raise PartitionError(f"too many partitions for a {TABLE_SIZE}-byte table")
    return raw.ljust(TABLE_SIZE, b"\xff")


def ota_apps(partitions: Iterable[Partition]) -> list[Partition]:
    """The ota_N app partitions, in slot order."""
    return sorted(
        (p for p in partitions if p.type == APP and OTA_0 <= p.subtype <= OTA_15),
        key=lambda p: p.subtype,
    )


def ota_data(partitions: Iterable[Partition]) -> Partition | None:
    return next((p for p in partitions if p.type == DATA and p.subtype == OTA_DATA), None)


def _crc(seq: int) -> int:
    return zlib.crc32(struct.pack("<I", seq), 0xFFFFFFFF)


def parse_ota_select(raw: bytes) -> int | None:
    """The sequence number of one OTA data sector's entry (None: erased or invalid)."""
    seq, _label, _state, crc = OTA_SELECT.unpack_from(raw, 0)
    return seq if seq not in (0, 0xFFFFFFFF) and crc == _crc(seq) else None


def build_ota_select(seq: int) -> bytes:
    return OTA_SELECT.pack(seq, b"", OTA_VALID, _crc(seq))


def next_sequence(sequences: Sequence[int | None], slot: int, count: int) -> int:
    """The lowest sequence above every valid one that selects ota_`slot` of `count`."""
    seq = max((s for s in sequences if s is not None), default=0) + 1
    return seq + (slot - (seq - 1)) % count


def boot_app(partitions: Sequence[Partition], sequences: Sequence[int | None]) -> Partition | None:
    """The app the bootloader starts: per OTA data if valid, else factory, else ota_0.

    `sequences` are the OTA data sectors' sequence numbers (`parse_ota_select`)."""
    apps = ota_apps(partitions)
    valid = [s for s in sequences if s is not None]
    if apps and ota_data(partitions) is not None and valid:
        return apps[(max(valid) - 1) % len(apps)]
    for subtype in (FACTORY, OTA_0):
        for partition in partitions:
            if partition.type == APP and partition.subtype == subtype:
                return partition
    return None
