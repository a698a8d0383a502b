"""The ESP-IDF partition table at 0x8000, and the OTA data that picks the app to boot: the bytes.

Table entry: magic 0x50AA, type, subtype, offset, size, label (16 bytes), flags. The
optional MD5 entry (magic 0xEBEB, 14 bytes of 0xFF, digest) checks the entries before it;
0xFF fills the rest of the 0xC00 bytes.

OTA data (type data, subtype ota: two flash sectors) holds one `esp_ota_select_entry_t` at
the start of each sector: sequence number, label, state, and the CRC-32 of the sequence
number. An entry counts when its CRC matches and, with app rollback (ESP-IDF's
CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE, which the emulated board follows), its state is not
INVALID or ABORTED; the counting entry with the highest sequence n selects app
ota_((n - 1) mod count). Erased OTA data selects the factory app, else ota_0.

The partition table source is ESP-IDF's CSV (`parse_csv`: firmware/partitions_ota.csv).

Everything here maps bytes to values and back; reading and writing the flash is the caller's.
"""

from __future__ import annotations

import enum
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
OTA_DATA_SIZE = 0x2000  # two sectors


class OtaState(enum.IntEnum):
    """esp_ota_img_states_t: the life of an image written by OTA, with app rollback."""

    NEW = 0x0  # written, never booted: the bootloader boots it and makes it PENDING_VERIFY
    PENDING_VERIFY = 0x1  # booted once, not confirmed: the next boot aborts it (rollback)
    VALID = 0x2  # confirmed by the app (esp_ota_mark_app_valid_cancel_rollback)
    INVALID = 0x3  # refused by the app: never booted again
    ABORTED = 0x4  # never confirmed: never booted again
    UNDEFINED = 0xFFFFFFFF  # no rollback tracking (written without it): bootable


UNBOOTABLE = (OtaState.INVALID, OtaState.ABORTED)
_TYPES = {"app": APP, "data": DATA}
_SUBTYPES = {
    APP: {"factory": FACTORY, "test": 0x20, **{f"ota_{n}": OTA_0 + n for n in range(16)}},
    DATA: {
        "ota": OTA_DATA,
        "phy": 0x01,
        "nvs": 0x02,
        "coredump": 0x03,
        "nvs_keys": 0x04,
        "efuse": 0x05,
        "undefined": 0x06,
        "fat": 0x81,
        "spiffs": 0x82,
        "littlefs": 0x83,
    },
}


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


@dataclass(frozen=True)
class OtaEntry:
    """One OTA data sector's `esp_ota_select_entry_t` whose CRC matches."""

    seq: int
    state: int  # an OtaState value (kept as read: unknown values are not rollback states)

    @property
    def bootable(self) -> bool:
        return self.state not in UNBOOTABLE


def parse_ota_select(raw: bytes) -> OtaEntry | None:
    """One OTA data sector's entry (None: erased, or its CRC does not match)."""
    seq, _label, state, crc = OTA_SELECT.unpack_from(raw, 0)
    return OtaEntry(seq, state) if seq not in (0, 0xFFFFFFFF) and crc == _crc(seq) else None


def build_ota_select(seq: int, state: int = OtaState.UNDEFINED) -> bytes:
    return OTA_SELECT.pack(seq, b"", state, _crc(seq))


def active_sector(entries: Sequence[OtaEntry | None]) -> int | None:
    """The OTA data sector whose entry selects the app (None: none counts)."""
    counting = [n for n, e in enumerate(entries) if e is not None and e.bootable]
    return max(counting, key=lambda n: entries[n].seq, default=None)  # type: ignore[union-attr]


def next_sequence(entries: Sequence[OtaEntry | None], slot: int, count: int) -> int:
    """The lowest sequence above every entry's that selects ota_`slot` of `count`."""
    seq = max((e.seq for e in entries if e is not None), default=0) + 1
    return seq + (slot - (seq - 1)) % count


def boot_app(
    partitions: Sequence[Partition], entries: Sequence[OtaEntry | None]
) -> Partition | None:
    """The app the bootloader selects: per OTA data if an entry counts, else factory, else
    ota_0. `entries` are the OTA data sectors' entries (`parse_ota_select`)."""
    apps = ota_apps(partitions)
    active = active_sector(entries)
    if apps and ota_data(partitions) is not None and active is not None:
        entry = entries[active]
        assert entry is not None
        return apps[(entry.seq - 1) % len(apps)]
    for subtype in (FACTORY, OTA_0):
        for partition in partitions:
            if partition.type == APP and partition.subtype == subtype:
                return partition
    return None


def _number(text: str, what: str) -> int:
    scale = {"K": 1024, "M": 1024 * 1024}.get(text[-1:].upper(), 1)
    digits = text[:-1] if scale > 1 else text
    try:
        return int(digits, 0) * scale
    except ValueError:
        raise PartitionError(f"{what}: {text!r} is not a number") from None


def parse_csv(text: str) -> list[Partition]:
    """The partitions of an ESP-IDF partition CSV (name, type, subtype, offset, size).

    Offsets must be given (this project's tables give them all); flags are not supported."""
    partitions: list[Partition] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f.strip() for f in line.split(",")]
        if len(fields) < 5 or not all(fields[:5]) or any(fields[5:]):
            raise PartitionError(f"line {number}: expected name, type, subtype, offset, size")
        name, type_name, subtype_name, offset, size = fields[:5]
        ptype = _TYPES.get(type_name) if not type_name[:1].isdigit() else _number(type_name, "type")
        if ptype is None:
            raise PartitionError(f"line {number}: unknown type {type_name!r}")
        subtype = _SUBTYPES.get(ptype, {}).get(subtype_name)
        if subtype is None:
            subtype = _number(subtype_name, f"line {number}: subtype")
        at, length = _number(offset, f"line {number}: offset"), _number(size, f"line {number}")
        partitions.append(Partition(name, ptype, subtype, at, length))
    return partitions
