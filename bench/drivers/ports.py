"""Who else holds a serial port open: esptool's own lock only sees other esptools (Linux /proc)."""

from __future__ import annotations

import os
from pathlib import Path


def is_device_path(port: str) -> bool:
    """True for a device file (/dev/ttyACM0), False for a pyserial URL (socket://…, rfc2217://…)."""
    return "://" not in port


def holders(port: str, proc: Path = Path("/proc")) -> list[tuple[int, str]]:
    """(pid, command name) of every other process with `port` open; empty for URLs."""
    if not is_device_path(port):
        return []
    try:
        wanted = os.path.realpath(port)
    except OSError:
        return []
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:  # the process ended or is not ours to inspect
            continue
        for fd in fds:
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target == wanted:
                found.append((int(entry.name), _command(entry)))
                break
    return found


def _command(entry: Path) -> str:
    try:
        return (entry / "comm").read_text().strip()
    except OSError:
        return "?"
