"""A board's modes and resets, driven through its byte interface (blank flash: no app)."""

from __future__ import annotations

import asyncio
import struct

from emulator.board import board as board_module
from emulator.board import slip
from emulator.board.board import Board, Mode
from emulator.board.chip import Chip
from emulator.board.flash import Flash
from emulator.board.loader import SYNC_DATA, Op

SYNC = slip.encode(struct.pack("<BBHI", 0, Op.SYNC, len(SYNC_DATA), 0) + SYNC_DATA)


def make_board(*, modem_lines: bool = False) -> tuple[Board, bytearray]:
    wire = bytearray()
    board = Board("b", Chip(bytes(6)), Flash(), model="test", log=lambda line: None)
    board.attach(wire.extend, modem_lines=modem_lines)
    return board, wire


async def test_a_sync_knock_enters_download_mode_and_closing_the_port_boots() -> None:
    board, wire = make_board()
    board.power_on()
    assert board.mode is Mode.HALTED and b"E boot: no bootable app" in wire
    wire.clear()
    board.receive(b"status\r\n" + SYNC)
    assert board.mode is Mode.DOWNLOAD
    assert len(slip.Decoder().feed(bytes(wire))) == 8  # the SYNC answers, no banner
    board.host_closed()
    assert board.mode is Mode.HALTED and b"rst:0x1 (POWERON)" in wire


async def test_console_text_alone_never_enters_download_mode() -> None:
    board, _ = make_board()
    board.power_on()
    board.receive(b"\x08\x07\x07\x12 sync sync\r\n")
    assert board.mode is Mode.HALTED


async def test_dtr_rts_through_the_auto_program_circuit() -> None:
    board, wire = make_board(modem_lines=True)
    board.power_on()
    board.receive(SYNC)  # with modem lines, a SYNC alone does not reset the chip
    assert board.mode is Mode.HALTED
    board.set_lines(dtr=False, rts=True)  # EN low
    assert board.mode is Mode.IN_RESET
    board.set_lines(dtr=True, rts=True)  # EN up; RTS follows in a separate write
    board.set_lines(dtr=True, rts=False)  # IO9 low within the strap window
    board.set_lines(dtr=False, rts=False)
    await asyncio.sleep(board_module.STRAP_WINDOW_S * 2)  # the chip samples IO9 on a timer
    assert board.mode is Mode.DOWNLOAD and b"waiting for download" in wire
    board.set_lines(dtr=False, rts=True)
    board.set_lines(dtr=False, rts=False)  # hard reset: IO9 high
    await asyncio.sleep(board_module.STRAP_WINDOW_S * 2)  # the chip samples IO9 on a timer
    assert board.mode is Mode.HALTED
