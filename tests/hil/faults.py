"""Faults on the serial link between esptool and a board, to show each flashing failure.

`FaultyLink` is a TCP relay in front of a board's `socket://` port that rewrites the ROM
loader's SLIP packets as a bad wire or a different chip would: it can make the board answer
as another chip (GET_SECURITY_INFO's chip id), corrupt the data of FLASH_DATA packets (with a
fixed checksum, so the board stores wrong bytes and the MD5 verify catches it), or go silent
after a number of answers (a board that stops answering mid-flash).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable

from emulator.board.loader import Op
from emulator.board.slip import Decoder, encode
from grouploop.esp.image import xor_checksum

ESP32S3_CHIP_ID = 9

Rewrite = Callable[[bytes], bytes | None]  # a packet in, the packet to pass on (None: drop)


def as_chip(chip_id: int) -> Rewrite:
    """Board → host: answer GET_SECURITY_INFO with another chip id."""

    def rewrite(packet: bytes) -> bytes:
        if len(packet) >= 8 + 16 and packet[0] == 1 and packet[1] == Op.GET_SECURITY_INFO:
            body = bytearray(packet)
            struct.pack_into("<I", body, 8 + 12, chip_id)  # flags 4, crypt 1, purposes 7
            return bytes(body)
        return packet

    return rewrite


def corrupt_flash_data(packet: bytes) -> bytes:
    """Host → board: flip one byte of every FLASH_DATA payload and fix the checksum."""
    if len(packet) > 8 + 16 and packet[0] == 0 and packet[1] == Op.FLASH_DATA:
        body = bytearray(packet)
        body[8 + 16] ^= 0xFF
        struct.pack_into("<I", body, 4, xor_checksum(bytes(body[8 + 16 :])))
        return bytes(body)
    return packet


def silent_after(answers: int) -> Rewrite:
    """Board → host: pass `answers` packets, then drop everything (the board hangs)."""
    seen = [0]

    def rewrite(packet: bytes) -> bytes | None:
        seen[0] += 1
        return packet if seen[0] <= answers else None

    return rewrite


class FaultyLink:
    """Listen on 127.0.0.1; relay every connection to the board through the rewrites."""

    def __init__(
        self, board_url: str, *, to_board: Rewrite | None = None, to_host: Rewrite | None = None
    ):
        host, port = board_url.removeprefix("socket://").rsplit(":", 1)
        self._board = (host, int(port))
        self._to_board, self._to_host = to_board, to_host
        self._server = socket.create_server(("127.0.0.1", 0))
        self.url = f"socket://127.0.0.1:{self._server.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = [self._server]
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            board = socket.create_connection(self._board)
            self._sockets += [client, board]
            for src, dst, rewrite in (
                (client, board, self._to_board),
                (board, client, self._to_host),
            ):
                thread = threading.Thread(target=_pump, args=(src, dst, rewrite), daemon=True)
                thread.start()
                self._threads.append(thread)

    def close(self) -> None:
        for sock in self._sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._accept.join(5)
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> FaultyLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _pump(src: socket.socket, dst: socket.socket, rewrite: Rewrite | None) -> None:
    decoder = Decoder()
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            return
        if not data:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)
            return
        if rewrite is None:
            out = data
        else:
            packets = (rewrite(p) for p in decoder.feed(data))
            out = b"".join(encode(p) for p in packets if p is not None)
        try:
            dst.sendall(out)
        except OSError:
            return
