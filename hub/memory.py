"""Freed memory back to the operating system after a connection flood.

glibc's allocator keeps the pages of freed small blocks in its heap: after 20,000 connections
closed, their buffers were free inside the process but its RSS stayed hundreds of megabytes
high. `malloc_trim(0)` returns such free pages to the OS. `Trimmer.check` (called every second
with the number of open connections) calls it once the count has fallen by `drop` from its
peak and stayed put for a second, after a full garbage collection (closed connections leave
reference cycles); elsewhere than glibc it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
from collections.abc import Callable

log = logging.getLogger("hub")


def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
        trim = libc.malloc_trim if libc is not None else None
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim
        return None
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim.restype = ctypes.c_int
    return trim


class Trimmer:
    def __init__(self, drop: int = 500) -> None:
        self.drop = drop
        self.peak = 0
        self.last = 0
        self._trim = _malloc_trim()

    def check(self, open_connections: int) -> bool:
        """Trim when `open_connections` fell `drop` below the peak; True when it did."""
        self.peak = max(self.peak, open_connections)
        settled, self.last = open_connections == self.last, open_connections
        if self._trim is None or not settled or self.peak - open_connections < self.drop:
            return False
        # Closed connections leave reference cycles (transport <-> protocol <-> listener) that
        # only the cyclic collector frees; collect them first so their memory can go back too.
        gc.collect()
        self._trim(0)
        log.info("[MEMORY] heap trimmed: connections %d -> %d", self.peak, open_connections)
        self.peak = open_connections
        return True
