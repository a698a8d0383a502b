"""Emulated ESP32-C3 boards for a bench without hardware: one `grouploop board` per target.

Each board is its own process (as each real board is its own chip), listening on
`socket://127.0.0.1:<port>`; esptool flashes it and the console driver talks to it exactly
as to a USB port.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.resources import DEFAULT_BOARD, Target
from grouploop.services import Service, grouploop_argv, start


def start_board(
    name: str,
    work_dir: Path,
    log_dir: Path,
    env: str = DEFAULT_BOARD,
    timeout: float = 30.0,
    transport: str = "socket",
) -> Service:
    """Start one emulated board, its virtual flash under `work_dir`, its log in `log_dir`.

    `transport`: "socket" (socket://), "rfc2217" (rfc2217://, DTR/RTS carried) or "pty".
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    where = ["--pty"] if transport == "pty" else ["--serial", f"{transport}://127.0.0.1:0"]
    flash = ["--flash-file", str(work_dir / f"{name}.flash")]
    argv = grouploop_argv("board", *where, *flash, "--board", env)
    return start(name, argv, log_path=log_dir / f"board-{name}.log", timeout=timeout)


@contextmanager
def emulated_boards(
    count: int, work_dir: Path, log_dir: Path, env: str = DEFAULT_BOARD, prefix: str = "emu"
) -> Iterator[list[Target]]:
    """`count` emulated boards as targets; stopped when the block ends."""
    services: list[Service] = []
    try:
        for index in range(1, count + 1):
            services.append(start_board(f"{prefix}-{index}", work_dir, log_dir, env))
        yield [Target(s.name, s.url, emulated=True, board=env) for s in services]
    finally:
        for service in services:
            service.stop()
