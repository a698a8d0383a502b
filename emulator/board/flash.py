"""The board's SPI NOR flash: 4 MB, erased to 0xFF, optionally kept in a file.

It behaves like NOR flash so that a loader bug shows up as it would on a chip: programming
can only clear bits (new = old AND data), and only erasing a 4 KiB sector sets them again.
With a file, the flash is memory-mapped so every write is already in the file.
"""

from __future__ import annotations

import mmap
from pathlib import Path

from grouploop.files import write_atomic

SIZE = 4 * 1024 * 1024
SECTOR = 0x1000
JEDEC_ID = 0x1640C8  # GigaDevice GD25Q32 (4 MB), as W0 holds it: maker, type, capacity


class FlashError(ValueError):
    """An access outside the chip or not on sector boundaries."""


class Flash:
    def __init__(self, path: Path | None = None, size: int = SIZE) -> None:
        self.size = size
        self.path = path
        self._file = None
        if path is None:
            self._data: bytearray | mmap.mmap = bytearray(b"\xff" * size)
            return
        if path.exists() and path.stat().st_size != size:
            raise FlashError(
                f"{path} holds {path.stat().st_size} bytes, not a {size // 1048576} MB flash "
                "image; remove it or choose another --flash-file"
            )
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, b"\xff" * size)  # a new chip comes erased
        self._file = path.open("r+b")
        self._data = mmap.mmap(self._file.fileno(), size)

    def _check(self, offset: int, length: int) -> None:
        if offset < 0 or length < 0 or offset + length > self.size:
            raise FlashError(
                f"0x{offset:x}+0x{length:x} is outside the {self.size // 1048576} MB flash"
            )

    def read(self, offset: int, length: int) -> bytes:
        self._check(offset, length)
        return bytes(self._data[offset : offset + length])

    def program(self, offset: int, data: bytes) -> None:
        """Program `data` at `offset`: bits can only go from 1 to 0."""
        self._check(offset, len(data))
        old = int.from_bytes(self._data[offset : offset + len(data)], "little")
        new = old & int.from_bytes(data, "little")
        self._data[offset : offset + len(data)] = new.to_bytes(len(data), "little")

    def erase(self, offset: int, length: int) -> None:
        """Erase whole sectors; `offset` and `length` must be sector aligned."""
        if offset % SECTOR or length % SECTOR:
            raise FlashError(f"erase 0x{offset:x}+0x{length:x} is not 4 KiB aligned")
        self._check(offset, length)
        self._data[offset : offset + length] = b"\xff" * length

    def erase_covering(self, offset: int, length: int) -> None:
        """Erase every sector that the range touches (what a loader does before writing)."""
        start = offset - offset % SECTOR
        end = min(self.size, -(-(offset + length) // SECTOR) * SECTOR)
        if end > start:
            self.erase(start, end - start)

    def close(self) -> None:
        if isinstance(self._data, mmap.mmap):
            self._data.flush()
            self._data.close()
        if self._file is not None:
            self._file.close()
            self._file = None
