"""ESP32-C3 application images: validate one as the bootloader does, and write a stand-in.

Layout of an app image (ESP-IDF `esp_image_format.h`), all little-endian:

- header (8 bytes): magic 0xE9, segment count, SPI flash mode, flash size|frequency, entry;
- extended header (16 bytes): WP pin, SPI pin drive, chip id (ESP32-C3 = 5), minimum and
  maximum chip revision, reserved, and a flag saying a SHA-256 digest is appended;
- segments: load address, length, data;
- zero padding to 16 bytes, whose last byte is the checksum (0xEF XOR every data byte);
- the SHA-256 of everything before it, when the flag is set.

The first segment mapped to DROM starts with `esp_app_desc_t` (magic 0xABCD5432), which
names the project and its version. `parse_app_image` checks all of this and says what is
wrong; `build_stand_in_image` writes an image that passes it and `esptool image-info`, with
project name `grouploop-stand-in` and a readable label so nobody mistakes it for a build.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grouploop.files import write_atomic

IMAGE_MAGIC = 0xE9
CHECKSUM_SEED = 0xEF
APP_DESC_MAGIC = 0xABCD5432
ESP32C3_CHIP_ID = 5
STAND_IN_PROJECT = "grouploop-stand-in"
MAX_SEGMENTS = 16
HEADER = struct.Struct("<BBBBI")
EXTENDED_HEADER = struct.Struct("<BBBBHBHH4sB")  # wp, drv x3, chip, rev, min, max, rsv, hash
SEGMENT_HEADER = struct.Struct("<II")
APP_DESC = struct.Struct("<II8s32s32s16s16s32s32sHHB3s72s")  # esp_app_desc_t, 256 bytes
MMU_PAGE = 0x10000

# Where ESP32-C3 segments may load (esptool's targets/esp32c3.py memory map).
DROM = (0x3C000000, 0x3C800000)
IROM = (0x42000000, 0x42800000)
REGIONS = {
    "DROM": DROM,
    "IROM": IROM,
    "DRAM": (0x3FC80000, 0x3FCE0000),
    "IRAM": (0x4037C000, 0x403E0000),
    "RTC": (0x50000000, 0x50002000),
}

# The stand-in's layout: its app description sits in DROM at the same offset modulo the MMU
# page as in the file, as the bootloader requires of flash-mapped segments.
STAND_IN_DROM = DROM[0] + HEADER.size + EXTENDED_HEADER.size + SEGMENT_HEADER.size
STAND_IN_IRAM = 0x40380000
RISCV_SPIN = struct.pack("<I", 0x0000006F)  # `j .`: the stand-in's only code spins in place


def xor_checksum(data: bytes) -> int:
    """0xEF XOR every byte of `data`, the checksum of images and of loader data blocks.

    Folding the bytes as one big integer keeps the loop in C: a megabyte takes milliseconds.
    """
    folded, length = int.from_bytes(data, "little"), len(data)
    while length > 1:
        half = (length + 1) // 2
        folded = (folded & ((1 << (8 * half)) - 1)) ^ (folded >> (8 * half))
        length = half
    return (folded & 0xFF) ^ CHECKSUM_SEED


class ImageError(ValueError):
    """The bytes are not a valid ESP32-C3 app image; the message says why."""


@dataclass(frozen=True)
class Segment:
    address: int
    offset: int  # of the data, from the start of the image
    data: bytes

    @property
    def region(self) -> str | None:
        for name, (start, end) in REGIONS.items():
            if start <= self.address and self.address + len(self.data) <= end:
                return name
        return None


@dataclass(frozen=True)
class AppImage:
    chip_id: int
    entry: int
    segments: tuple[Segment, ...]
    size: int  # bytes the image occupies, checksum and digest included
    sha256: str  # of those bytes (what a manifest publishes)
    project_name: str
    version: str
    build_date: str
    build_time: str
    idf_version: str

    @property
    def stand_in(self) -> bool:
        return self.project_name == STAND_IN_PROJECT


def _cstr(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("utf-8", "replace")


def parse_app_image(data: bytes, *, chip_id: int = ESP32C3_CHIP_ID) -> AppImage:
    """Validate `data` (an image, possibly followed by more flash) as the bootloader would."""
    if len(data) < HEADER.size + EXTENDED_HEADER.size:
        raise ImageError(f"too short for an image header ({len(data)} bytes)")
    magic, count, _mode, _size_freq, entry = HEADER.unpack_from(data, 0)
    if magic != IMAGE_MAGIC:
        raise ImageError(f"invalid image magic 0x{magic:02x} (expected 0x{IMAGE_MAGIC:02x})")
    if not 0 < count <= MAX_SEGMENTS:
        raise ImageError(f"invalid segment count {count}")
    ext = EXTENDED_HEADER.unpack_from(data, HEADER.size)
    image_chip, hash_appended = ext[4], ext[9]
    if image_chip != chip_id:
        raise ImageError(f"image is for chip id {image_chip}, not {chip_id} (ESP32-C3)")
    if hash_appended not in (0, 1):
        raise ImageError(f"invalid hash-appended flag {hash_appended}")
    segments, pos = _read_segments(data, count)
    checksum = xor_checksum(b"".join(segment.data for segment in segments))
    pos += 16 - pos % 16  # zero padding; the checksum is the last byte of the 16
    if pos > len(data):
        raise ImageError("image truncated before its checksum")
    if data[pos - 1] != checksum:
        stored = data[pos - 1]
        raise ImageError(f"checksum mismatch: stored 0x{stored:02x}, computed 0x{checksum:02x}")
    if hash_appended:
        if pos + 32 > len(data):
            raise ImageError("image truncated before its SHA-256 digest")
        if hashlib.sha256(data[:pos]).digest() != data[pos : pos + 32]:
            raise ImageError("SHA-256 digest mismatch")
        pos += 32
    desc = _app_desc(segments)
    return AppImage(
        chip_id=image_chip,
        entry=entry,
        segments=tuple(segments),
        size=pos,
        sha256=hashlib.sha256(data[:pos]).hexdigest(),
        project_name=_cstr(desc[4]),
        version=_cstr(desc[3]),
        build_time=_cstr(desc[5]),
        build_date=_cstr(desc[6]),
        idf_version=_cstr(desc[7]),
    )


def _read_segments(data: bytes, count: int) -> tuple[list[Segment], int]:
    segments = []
    pos = HEADER.size + EXTENDED_HEADER.size
    for index in range(count):
        if pos + SEGMENT_HEADER.size > len(data):
            raise ImageError(f"image truncated in the header of segment {index}")
        address, length = SEGMENT_HEADER.unpack_from(data, pos)
        pos += SEGMENT_HEADER.size
        if pos + length > len(data):
            raise ImageError(f"segment {index} ({length} bytes) runs past the end of the image")
        segment = Segment(address, pos, bytes(data[pos : pos + length]))
        if segment.region is None:
            raise ImageError(f"segment {index} loads at 0x{address:08x}, outside ESP32-C3 memory")
        if segment.region in ("DROM", "IROM") and (address - pos) % MMU_PAGE:
            raise ImageError(
                f"segment {index} at 0x{address:08x} is not aligned to its flash offset "
                f"0x{pos:x} modulo the 64 KiB MMU page"
            )
        segments.append(segment)
        pos += length
    return segments, pos


def _app_desc(segments: list[Segment]) -> tuple[Any, ...]:
    drom = next((s for s in segments if s.region == "DROM"), None)
    if drom is None:
        raise ImageError("no DROM segment, so no app description")
    if len(drom.data) < APP_DESC.size:
        raise ImageError("first DROM segment is too short for an app description")
    desc = APP_DESC.unpack_from(drom.data, 0)
    if desc[0] != APP_DESC_MAGIC:
        raise ImageError(f"app description magic 0x{desc[0]:08x} (expected 0x{APP_DESC_MAGIC:08x})")
    return desc


def _encode(text: str, size: int, what: str) -> bytes:
    raw = text.encode("utf-8")
    if len(raw) >= size:  # the field keeps a terminating NUL
        raise ValueError(f"{what} {text!r} is longer than {size - 1} bytes")
    return raw


def stand_in_label(version: str, board: str) -> str:
    return (
        f"GROUPLOOP STAND-IN IMAGE board={board} version={version}: "
        "not a firmware build; made where the ESP32 toolchain was unavailable"
    )


def build_stand_in_image(version: str, board: str, *, when: datetime | None = None) -> bytes:
    """A valid ESP32-C3 app image carrying `version`, labelled as a stand-in for `board`."""
    when = when or datetime.now(UTC)
    desc = APP_DESC.pack(
        APP_DESC_MAGIC,
        0,  # secure version
        b"",
        _encode(version, 32, "version"),
        STAND_IN_PROJECT.encode(),
        when.strftime("%H:%M:%S").encode(),
        when.strftime("%b %d %Y").encode(),
        b"stand-in",  # no ESP-IDF was involved
        b"",  # no ELF
        0,  # eFuse block revisions: v0.0 ..
        99,  # .. v0.99, as ESP-IDF's default
        16,  # log2 of the 64 KiB MMU page
        b"",
        b"",
    )
    label = _encode(stand_in_label(version, board), 256, "label").ljust(256, b"\0")
    segments = [(STAND_IN_DROM, desc + label), (STAND_IN_IRAM, RISCV_SPIN)]
    header = HEADER.pack(IMAGE_MAGIC, len(segments), 2, 0x2F, STAND_IN_IRAM)  # DIO, 4 MB, 80 MHz
    extended = EXTENDED_HEADER.pack(0xEE, 0, 0, 0, ESP32C3_CHIP_ID, 0, 0, 199, b"", 1)
    body = bytearray(header + extended)
    for address, data in segments:
        body += SEGMENT_HEADER.pack(address, len(data)) + data
    checksum = xor_checksum(b"".join(data for _, data in segments))
    body += bytes(15 - len(body) % 16) + bytes([checksum])
    body += hashlib.sha256(body).digest()
    return bytes(body)


def write_stand_in_image(path: Path, version: str, board: str) -> AppImage:
    """Write a stand-in image for `board` carrying `version` to `path`; returns what it holds."""
    data = build_stand_in_image(version, board)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, data)  # never a half-written image under the final name
    return parse_app_image(data)
