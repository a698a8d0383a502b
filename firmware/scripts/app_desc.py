"""Writes the firmware version into the ESP-IDF application description of a linked ELF.

Arduino-ESP32 comes prebuilt, so the `esp_app_desc.version` the bootloader logs, `esptool
image-info` prints and OTA tools compare holds the Arduino libraries' version, not ours.
Patching the ELF between linking and `elf2image` fixes that: elf2image then computes the
image checksums (and the ELF SHA-256 it stores in the description) over the patched bytes.
"""

from __future__ import annotations

import struct
from pathlib import Path

SECTION = ".flash.appdesc"  # ESP-IDF's linker script puts esp_app_desc first in it
MAGIC = 0xABCD5432  # ESP_APP_DESC_MAGIC_WORD
VERSION_OFFSET = 16  # after magic_word, secure_version and reserv1[2]
VERSION_SIZE = 32  # char version[32], NUL-terminated


def _section_offset(data: bytes, name: str) -> int:
    """File offset of the named section in a little-endian ELF32/ELF64 file."""
    if data[:4] != b"\x7fELF" or data[5] != 1:
        raise ValueError("not a little-endian ELF file")
    if data[4] == 2:  # ELF64
        (shoff,) = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        layout = "<IIQQQQ"
    else:
        (shoff,) = struct.unpack_from("<I", data, 0x20)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x2E)
        layout = "<IIIIII"

    def header(i: int) -> tuple[int, int, int]:
        sh_name, _, _, _, offset, size = struct.unpack_from(layout, data, shoff + i * shentsize)
        return sh_name, offset, size

    names = header(shstrndx)[1]
    for i in range(shnum):
        sh_name, offset, size = header(i)
        start = names + sh_name
        if data[start : data.index(b"\0", start)].decode() == name:
            if size < VERSION_OFFSET + VERSION_SIZE:
                raise ValueError(f"section {name} is too small for an app description")
            return offset
    raise ValueError(f"no {name} section: not an ESP-IDF application")


def set_app_version(elf: Path, version: str) -> None:
    """Writes `version` into esp_app_desc.version of the ELF file, in place."""
    encoded = version.encode()
    if not 0 < len(encoded) < VERSION_SIZE:
        raise ValueError(f"version {version!r} must have 1..{VERSION_SIZE - 1} bytes")
    data = bytearray(elf.read_bytes())
    offset = _section_offset(data, SECTION)
    (magic,) = struct.unpack_from("<I", data, offset)
    if magic != MAGIC:
        raise ValueError(f"{SECTION} does not start with an app description")
    start = offset + VERSION_OFFSET
    data[start : start + VERSION_SIZE] = encoded.ljust(VERSION_SIZE, b"\0")
    elf.write_bytes(bytes(data))
