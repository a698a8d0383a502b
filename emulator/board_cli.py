"""`grouploop board`: emulated ESP32-C3 boards that the unmodified esptool can flash.

    grouploop board                                  # one board on socket://127.0.0.1:<free>
    grouploop board --serial socket://127.0.0.1:4000 --count 4    # ports 4000..4003
    grouploop board --serial rfc2217://127.0.0.1:0   # RFC 2217: DTR/RTS reset it, as USB does
    grouploop board --pty --count 2                  # two ptys (/dev/pts/N)
    grouploop board --flash-file boards/b{n}.bin --count 4        # flash kept in files

Prints one `[BOARD] <n> <url> mac=<mac> flash=<file>` line per board, then
`[READY] <url>[,<url>...]` (all boards' ports, comma-separated) once every board listens.
Each board powers on and boots what its flash holds; see docs/emulated-board.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from pathlib import Path
from urllib.parse import urlsplit

from emulator.board.board import Board
from emulator.board.chip import Chip
from emulator.board.flash import Flash
from emulator.cli import add_hub_argument, hubs
from emulator.firmware_core import DEFAULT_BOARD
from emulator.serial_port import SerialPort, open_port
from emulator.swarm import device_config, mac_for
from grouploop.services import announce_ready


def add_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--serial",
        default="socket://127.0.0.1:0",
        help="socket://HOST:PORT or rfc2217://HOST:PORT to listen on (port 0: any free "
        "port; with --count N, a non-zero PORT gives ports PORT..PORT+N-1)",
    )
    where.add_argument("--pty", action="store_true", help="serve each board on a pty instead")
    parser.add_argument("--count", type=int, default=1, help="boards in this process")
    parser.add_argument(
        "--flash-file",
        help="keep each board's 4 MB flash in this file ({n} is the board number; required "
        "in the name with --count > 1); without it the flash lives in memory, erased",
    )
    parser.add_argument("--board", default=DEFAULT_BOARD, help="board name in the boot line")
    add_hub_argument(parser)  # what the app starts configured with
    parser.add_argument(
        "--seed", default=None, help="MAC seed (default: random); board n gets MAC n of it"
    )


def _serial_address(url: str, n: int) -> str:
    """Board n's address: with a non-zero port, boards take consecutive ports."""
    parts = urlsplit(url)
    if parts.scheme not in ("socket", "rfc2217") or not parts.hostname or parts.port is None:
        raise ValueError(f"--serial {url!r}: expected socket://HOST:PORT or rfc2217://HOST:PORT")
    port = parts.port + n if parts.port else 0
    return f"{parts.scheme}://{parts.hostname}:{port}"


def _flash_path(template: str | None, n: int, count: int) -> Path | None:
    if template is None:
        return None
    if count > 1 and "{n}" not in template:
        raise ValueError("--flash-file needs {n} in its name when --count > 1")
    return Path(template.replace("{n}", str(n)))


async def serve(args: argparse.Namespace) -> int:
    if args.count < 1:
        raise ValueError("--count must be at least 1")
    if not args.pty:
        _serial_address(args.serial, 0)  # a bad --serial fails before any board starts
    seed = args.seed if args.seed is not None else os.urandom(6).hex()
    config = json.dumps(device_config(hubs(args)))
    boards: list[Board] = []
    ports: list[SerialPort] = []
    try:
        for n in range(args.count):
            mac = mac_for(seed, n)
            flash_path = _flash_path(args.flash_file, n, args.count)
            board = Board(
                f"board{n}",
                Chip(mac),
                Flash(flash_path),
                model=args.board,
                config=config,
            )
            boards.append(board)
            port = await open_port(board, "pty" if args.pty else _serial_address(args.serial, n))
            ports.append(port)
            print(
                f"[BOARD] {n} {port.url} mac={mac.hex(':')} flash={flash_path or 'memory'}",
                flush=True,
            )
        for board in boards:
            board.power_on()
        announce_ready(",".join(port.url for port in ports))
        await _until_stopped()
    finally:
        for port in ports:
            await port.close()
        for board in boards:
            await board.close()
    return 0


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def run(args: argparse.Namespace) -> int:
    try:
        return asyncio.run(serve(args))
    except (ValueError, OSError) as exc:  # bad options, a busy port, an unusable flash file
        print(f"grouploop board: {exc}", flush=True)
        return 2
