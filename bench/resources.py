"""What hardware the bench has: USB serial ports of ESP32 boards, bench.toml, emulated boards.

A `Target` is one board the bench can flash and talk to, named so that every message and
report line says which board it is about. Real boards are found by USB VID:PID; bench.toml
can name them by MAC or port and can point at emulated boards by pyserial URL.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from serial.tools import list_ports

DEFAULT_BOARD = "seeed_xiao_esp32c3"
DEFAULT_CHIP = "esp32c3"

# USB bridges found on ESP32-C3 boards: the chip's own USB-Serial/JTAG, then the common
# USB-UART bridges of dev kits.
USB_IDS: dict[tuple[int, int], str] = {
    (0x303A, 0x1001): "ESP32-C3 USB-Serial/JTAG",
    (0x10C4, 0xEA60): "CP210x",
    (0x1A86, 0x7523): "CH340",
    (0x1A86, 0x55D4): "CH9102",
    (0x0403, 0x6001): "FTDI FT232R",
    (0x0403, 0x6010): "FTDI FT2232",
    (0x0403, 0x6014): "FTDI FT232H",
    (0x0403, 0x6015): "FTDI FT231X",
}


class BenchFileError(ValueError):
    """bench.toml is malformed; the message names the entry and the problem."""


@dataclass(frozen=True)
class Target:
    """One board: where to reach it and what it should be."""

    name: str
    port: str  # a device path or a pyserial URL
    emulated: bool = False
    board: str = DEFAULT_BOARD  # the PlatformIO env whose image it runs
    chip: str = DEFAULT_CHIP
    mac: str | None = None
    bridge: str = ""

    def __str__(self) -> str:
        return f"{self.name} ({self.port})"


@dataclass(frozen=True)
class BoardEntry:
    """One [[boards]] entry of bench.toml: a name bound to a MAC, a port or a URL."""

    name: str
    mac: str | None = None
    port: str | None = None
    url: str | None = None
    board: str = DEFAULT_BOARD


@dataclass(frozen=True)
class BenchFile:
    boards: list[BoardEntry] = field(default_factory=list)


def usb_ports(ports: Iterable[object] | None = None) -> list[tuple[str, str]]:
    """(device, bridge name) of every serial port whose VID:PID belongs to an ESP32 board."""
    found = []
    for port in list_ports.comports() if ports is None else ports:
        vid, pid = getattr(port, "vid", None), getattr(port, "pid", None)
        bridge = USB_IDS.get((vid, pid)) if vid is not None and pid is not None else None
        if bridge:
            found.append((str(getattr(port, "device", "")), bridge))
    return sorted(found)


def _mac(raw: object, where: str) -> str:
    text = str(raw).strip().lower().replace("-", ":")
    parts = text.split(":")
    if len(parts) != 6 or not all(re.fullmatch(r"[0-9a-f]{2}", p) for p in parts):
        raise BenchFileError(f"{where}: mac {raw!r} is not six hex bytes like aa:bb:cc:dd:ee:ff")
    return text


def parse_bench_file(text: str, source: str = "bench.toml") -> BenchFile:
    """Validate bench.toml: each board has a unique name and exactly one of mac, port, url."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BenchFileError(f"{source}: {exc}") from exc
    default_board = raw.get("defaults", {}).get("board", DEFAULT_BOARD)
    entries, names = [], set()
    for index, item in enumerate(raw.get("boards", [])):
        where = f"{source}: boards[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"]:
            raise BenchFileError(f"{where} needs a name")
        where = f"{source}: board {item['name']!r}"
        if item["name"] in names:
            raise BenchFileError(f"{where} is named twice")
        names.add(item["name"])
        given = [key for key in ("mac", "port", "url") if item.get(key)]
        if len(given) != 1:
            raise BenchFileError(f"{where} needs exactly one of mac, port or url (has {given})")
        unknown = set(item) - {"name", "mac", "port", "url", "board"}
        if unknown:
            raise BenchFileError(f"{where} has unknown keys {sorted(unknown)}")
        entries.append(
            BoardEntry(
                name=item["name"],
                mac=_mac(item["mac"], where) if "mac" in item else None,
                port=item.get("port"),
                url=item.get("url"),
                board=item.get("board", default_board),
            )
        )
    return BenchFile(entries)


def load_bench_file(path: Path) -> BenchFile | None:
    """The bench file at `path`, or None when there is none (it is optional)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return parse_bench_file(text, str(path))
