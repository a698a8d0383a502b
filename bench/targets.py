"""Choose the targets of a run: named ports, bench.toml boards, or every USB board found.

Boards that bench.toml names by MAC are matched to the USB ports by asking each port's ROM
for its MAC (esptool read-mac), all ports at once.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from bench.drivers.flasher import FlashOptions, identify
from bench.resources import BenchFile, Target, load_bench_file, usb_ports

DEFAULT_BENCH_FILE = Path("bench.toml")


class NoTargets(LookupError):
    """Nothing to run on; the message says what was looked for."""


def target_name(port: str, index: int) -> str:
    """A short name for a port: `ttyACM0` for /dev/ttyACM0, `board-N` for a URL."""
    if "://" in port:
        return f"board-{index}"
    return re.sub(r"[^A-Za-z0-9]+", "-", port.rsplit("/", 1)[-1]).strip("-")


def parse_port(value: str, index: int) -> tuple[str, str]:
    """`NAME=PORT` or `PORT` → (name, port)."""
    name, sep, port = value.partition("=")
    if sep and "://" not in name and "/" not in name:
        return name, port
    return target_name(value, index), value


def from_ports(values: list[str], *, emulated: bool = False) -> list[Target]:
    return [
        Target(name, port, emulated=emulated)
        for name, port in (parse_port(v, i) for i, v in enumerate(values, 1))
    ]


def from_bench_file(bench: BenchFile, names: list[str], options: FlashOptions) -> list[Target]:
    """The bench file's boards (only `names` when given), MACs resolved to USB ports."""
    entries = [b for b in bench.boards if not names or b.name in names]
    unknown = set(names) - {b.name for b in bench.boards}
    if unknown:
        raise NoTargets(f"bench.toml names no board {sorted(unknown)}")
    macs: dict[str, str] = {}
    if any(e.mac for e in entries):
        ports = [p for p, _ in usb_ports()]
        probes = [Target(target_name(p, i), p) for i, p in enumerate(ports, 1)]
        with ThreadPoolExecutor(max_workers=max(1, len(probes))) as pool:
            found = list(pool.map(lambda t: identify(t, options), probes))
        macs = {mac: t.port for t, (_, mac) in zip(probes, found, strict=True) if mac}
    targets = []
    for e in entries:
        if e.mac:
            if e.mac not in macs:
                raise NoTargets(f"no board: {e.name} (MAC {e.mac}) is not on any USB port")
            targets.append(Target(e.name, macs[e.mac], board=e.board, mac=e.mac))
        else:
            port = e.url or e.port or ""
            targets.append(Target(e.name, port, emulated=bool(e.url), board=e.board))
    return targets


def choose(
    ports: list[str], names: list[str], bench_file: Path, options: FlashOptions, env: str
) -> list[Target]:
    """Named ports first, then bench.toml (all or `names`), then every USB board found.

    bench.toml says which env each of its boards runs; other targets run `env`.
    """
    if ports:
        return [replace(t, board=env) for t in from_ports(ports)]
    bench = load_bench_file(bench_file)
    if names and bench is None:
        raise NoTargets(f"--board {names} needs a bench file, and {bench_file} does not exist")
    if bench is not None and bench.boards:
        return from_bench_file(bench, names, options)
    found = usb_ports()
    return [Target(target_name(p, i), p, bridge=b, board=env) for i, (p, b) in enumerate(found, 1)]
