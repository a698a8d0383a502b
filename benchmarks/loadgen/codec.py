"""Benchmark frames: a send timestamp and a sequence number inside a valid sensor frame.

A frame is 20 lowercase hex digits: the 4-digit device id, then 8 data bytes. The load
generator fills the data bytes with one big-endian 64-bit word: the send time in
microseconds of the system-wide monotonic clock (low 40 bits, wraps after 12.7 days) and the
device's sequence number (low 24 bits). All arithmetic is modulo those widths, so wrapping
never produces a negative latency.

Subscribers receive frames batched as newline-separated lines; `split_batch` decodes a whole
batch with two C-level calls (`bytes.fromhex` skips the newlines) and only falls back to a
line-by-line parse when the batch carries something other than frames (answers, `stream:on`).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator

TS_BITS = 40
SEQ_BITS = 24
TS_MASK = (1 << TS_BITS) - 1
SEQ_MASK = (1 << SEQ_BITS) - 1
_RECORD = struct.Struct(">HQ")  # 2-byte id + 8 data bytes = one 20-hex frame
FRAME_HEX = 2 * _RECORD.size


def now_us() -> int:
    """Microseconds of CLOCK_MONOTONIC, which every process on the machine shares."""
    return time.monotonic_ns() // 1000


def encode(device_id: int, ts_us: int, seq: int) -> str:
    """The frame for `device_id` sent at `ts_us` with number `seq`."""
    word = ((ts_us & TS_MASK) << SEQ_BITS) | (seq & SEQ_MASK)
    return _RECORD.pack(device_id, word).hex()


def decode(frame: str) -> tuple[int, int, int]:
    """(device id, send timestamp, sequence) of one frame; ValueError if it is not one."""
    if len(frame) != FRAME_HEX:
        raise ValueError(f"not a {FRAME_HEX}-hex frame: {frame!r}")
    device_id, word = _RECORD.unpack(bytes.fromhex(frame))
    return device_id, word >> SEQ_BITS, word & SEQ_MASK


def elapsed_us(ts_us: int, later_us: int) -> int:
    """Microseconds from `ts_us` to `later_us`, modulo the timestamp width."""
    return (later_us - ts_us) & TS_MASK


def split_batch(text: str) -> tuple[Iterator[tuple[int, int]], list[str]]:
    """Decode a subscriber message: ((device id, 64-bit word) per frame, other lines).

    The word is `ts << SEQ_BITS | seq`; callers shift it themselves because this runs once
    per received frame and every avoided Python operation counts.
    """
    if ":" not in text:
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raw = b""
        else:
            if len(raw) % _RECORD.size == 0 and len(raw) * 2 + text.count("\n") == len(text):
                return _RECORD.iter_unpack(raw), []
    frames = bytearray()
    others: list[str] = []
    for line in text.split("\n"):
        if len(line) == FRAME_HEX:
            try:
                record = bytes.fromhex(line)
            except ValueError:
                record = b""
            if len(record) == _RECORD.size:
                frames += record
                continue
        if line:
            others.append(line)
    return _RECORD.iter_unpack(bytes(frames)), others
