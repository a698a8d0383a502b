"""The one Python codec of the 20-hex sensor frame (docs/protocol.md, "Sensor frame").

A frame is 20 lowercase hex characters: ``id(4) ax(2) ay(2) az(2) dNW(2) dNE(2) dSE(2) dSW(2)
tap(2)``. Acceleration maps -2 g..+2 g linearly onto 0..255, RSSI maps -100 dBm..-40 dBm onto
0..255 (both clamped), tap is 255 when a tap happened since the previous frame, else 0.

`Frame` holds the raw bytes (what travels); `accel_g`/`rssi_dbm` and `accel_byte`/`rssi_byte`
convert between raw bytes and physical units. The hub, the emulator, the perf load generator and
the tests all encode and decode through here.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

FRAME_LENGTH = 20
ACCEL_RANGE_G = (-2.0, 2.0)
RSSI_RANGE_DBM = (-100.0, -40.0)
TAP = 255

#: One whole frame; the hub's hot path binds its `match` directly (no call through `is_frame`).
FRAME_PATTERN = re.compile(r"[0-9a-f]{20}\Z")
_DEVICE_ID = re.compile(r"[0-9a-f]{4}\Z")


class FrameError(ValueError):
    """The text is not a valid sensor frame, or a field is out of range."""


def is_frame(text: str) -> bool:
    """True when `text` is exactly one well-formed frame (20 lowercase hex characters)."""
    return FRAME_PATTERN.match(text) is not None


def is_device_id(text: str) -> bool:
    """True when `text` is a device id: 4 lowercase hex characters."""
    return _DEVICE_ID.match(text) is not None


def _to_byte(value: float, low: float, high: float) -> int:
    scaled = round((value - low) * 255.0 / (high - low))
    return min(255, max(0, scaled))


def _from_byte(raw: int, low: float, high: float) -> float:
    return low + raw * (high - low) / 255.0


def accel_byte(g: float) -> int:
    """Acceleration in g → frame byte (clamped to -2 g..+2 g)."""
    return _to_byte(g, *ACCEL_RANGE_G)


def accel_g(raw: int) -> float:
    """Frame byte → acceleration in g."""
    return _from_byte(raw, *ACCEL_RANGE_G)


def rssi_byte(dbm: float) -> int:
    """RSSI in dBm → frame byte (clamped to -100..-40 dBm)."""
    return _to_byte(dbm, *RSSI_RANGE_DBM)


def rssi_dbm(raw: int) -> float:
    """Frame byte → RSSI in dBm."""
    return _from_byte(raw, *RSSI_RANGE_DBM)


@dataclass(frozen=True, slots=True)
class Frame:
    """One sensor frame as raw bytes; `device_id` is 4 lowercase hex characters."""

    device_id: str
    ax: int
    ay: int
    az: int
    d_nw: int
    d_ne: int
    d_se: int
    d_sw: int
    tap: int = 0

    def __post_init__(self) -> None:
        if not is_device_id(self.device_id):
            raise FrameError(f"device id {self.device_id!r} is not 4 lowercase hex characters")
        for name in ("ax", "ay", "az", "d_nw", "d_ne", "d_se", "d_sw", "tap"):
            value = getattr(self, name)
            if not (isinstance(value, int) and 0 <= value <= 255):
                raise FrameError(f"{name}={value!r} is not a byte 0..255")

    @property
    def tapped(self) -> bool:
        return self.tap == TAP

    def physical(self) -> dict[str, Any]:
        """The frame in physical units: g, dBm, and tap as a boolean."""
        return {
            "ax_g": round(accel_g(self.ax), 3),
            "ay_g": round(accel_g(self.ay), 3),
            "az_g": round(accel_g(self.az), 3),
            "rssi_dbm": {
                "nw": round(rssi_dbm(self.d_nw), 1),
                "ne": round(rssi_dbm(self.d_ne), 1),
                "se": round(rssi_dbm(self.d_se), 1),
                "sw": round(rssi_dbm(self.d_sw), 1),
            },
            "tap": self.tapped,
        }

    def raw(self) -> dict[str, Any]:
        return asdict(self)


def encode(frame: Frame) -> str:
    """`Frame` → the 20-character wire text."""
    return (
        f"{frame.device_id}{frame.ax:02x}{frame.ay:02x}{frame.az:02x}"
        f"{frame.d_nw:02x}{frame.d_ne:02x}{frame.d_se:02x}{frame.d_sw:02x}{frame.tap:02x}"
    )


def decode(text: str) -> Frame:
    """The 20-character wire text → `Frame`; raises `FrameError` when malformed."""
    if not is_frame(text):
        raise FrameError(f"{text[:40]!r} is not a frame of 20 lowercase hex characters")
    b = bytes.fromhex(text[4:])
    return Frame(text[:4], b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7])
