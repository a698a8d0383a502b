"""How a host reaches a board's serial port: TCP (`socket://`, `rfc2217://`) or a pty.

`rfc2217://` is Telnet with RFC 2217 (pyserial's `PortManager` does the negotiation): it
carries DTR and RTS, which reach the board's auto-program circuit (`Board.set_lines`), so
esptool's resets work as on a USB board. Line settings (baud rate, parity) are accepted and
ignored: a virtual wire has no speed.

All behave like a USB serial adapter that stays plugged in:

- one host at a time. A second TCP client is refused (closed at once) while one is
  connected, so a flashing tool cannot barge into a test's console, as a busy port would;
- output written while no host has the port open is held (up to `BACKLOG_LIMIT` bytes) and
  delivered `RELEASE_DELAY_S` after one opens it, so a test that connects after a reset still
  reads the boot. The delay matters: pyserial flushes its input right after opening a port,
  which would swallow output sent at once. A host that starts talking to the ROM loader
  within the delay (esptool's SYNC) never sees the old console output;
- the host closing the port is reported to the board (`Board.host_closed`).

A pty's slave end is not held open here: reading the master then fails with EIO while no
host has it open, which is how its closing is noticed; a short timer notices the reopening.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import tty
from collections.abc import Callable

from serial import rfc2217

from emulator.board.board import Board, Mode
from emulator.console import VirtualPort

BACKLOG_LIMIT = 64 * 1024
RELEASE_DELAY_S = 0.1
PTY_POLL_S = 0.02
READ_SIZE = 64 * 1024


class _HeldOutput:
    """The board's output on its way to a host that may not be there (see module docstring)."""

    def __init__(self, board: Board, send: Callable[[bytes], None]) -> None:
        self._board = board
        self._send = send
        self._held = bytearray()
        self._connected = False
        self._release: asyncio.TimerHandle | None = None
        board.write = self.write

    def write(self, data: bytes) -> None:
        if self._release is not None and self._board.mode is Mode.DOWNLOAD:
            self._release.cancel()  # the host talks to the loader: old console output is moot
            self._release = None
            self._held.clear()
        if self._connected and self._release is None:
            self._send(data)
            return
        self._held += data
        del self._held[:-BACKLOG_LIMIT]  # the oldest output goes first

    def host_opened(self) -> None:
        self._connected = True
        self._release = asyncio.get_running_loop().call_later(RELEASE_DELAY_S, self._released)

    def _released(self) -> None:
        self._release = None
        held, self._held = bytes(self._held), bytearray()
        if held and self._board.mode is not Mode.DOWNLOAD:
            self._send(held)

    def host_left(self) -> None:
        self._connected = False
        if self._release is not None:
            self._release.cancel()
            self._release = None


class SocketPort:
    """`socket://host:port` for one board."""

    scheme = "socket"

    def __init__(self, board: Board) -> None:
        self.board = board
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._output = _HeldOutput(board, self._send)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = await asyncio.start_server(self._client, host, port)
        bound_host, bound_port = self._server.sockets[0].getsockname()[:2]
        self.url = f"{self.scheme}://{bound_host}:{bound_port}"
        return self.url

    def _send(self, data: bytes) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(self._outgoing(data))

    # A raw TCP port passes bytes through; RFC 2217 overrides these three.
    def _opened(self, writer: asyncio.StreamWriter) -> None:
        pass

    def _incoming(self, data: bytes) -> bytes:
        return data

    def _outgoing(self, data: bytes) -> bytes:
        return data

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:
            print(f"[{self.board.name}] refused a second client: the port is busy", flush=True)
            writer.close()
            return
        self._writer = writer
        self._opened(writer)
        self._output.host_opened()
        try:
            while data := await reader.read(READ_SIZE):
                self.board.receive(self._incoming(data))
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._writer = None
            self._output.host_left()
            writer.close()
            self.board.host_closed()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._writer is not None:
            self._writer.close()
        if self._server is not None:
            await self._server.wait_closed()


class _ModemLines(VirtualPort):
    """A virtual port whose DTR and RTS go to the board."""

    def __init__(self, board: Board) -> None:
        self._board = board
        self._dtr = self._rts = False

    @property
    def dtr(self) -> bool:
        return self._dtr

    @dtr.setter
    def dtr(self, value: bool) -> None:
        self._dtr = value
        self._board.set_lines(dtr=self._dtr, rts=self._rts)

    @property
    def rts(self) -> bool:
        return self._rts

    @rts.setter
    def rts(self, value: bool) -> None:
        self._rts = value
        self._board.set_lines(dtr=self._dtr, rts=self._rts)


class Rfc2217Port(SocketPort):
    """`rfc2217://host:port`: a socket port that also carries DTR and RTS."""

    scheme = "rfc2217"

    def __init__(self, board: Board) -> None:
        super().__init__(board)
        board.modem_lines = True
        self._manager: rfc2217.PortManager | None = None

    def _opened(self, writer: asyncio.StreamWriter) -> None:
        self._manager = rfc2217.PortManager(_ModemLines(self.board), writer)

    def _incoming(self, data: bytes) -> bytes:
        assert self._manager is not None
        return b"".join(self._manager.filter(data))

    def _outgoing(self, data: bytes) -> bytes:
        assert self._manager is not None
        return b"".join(self._manager.escape(data))


class PtyPort:
    """A pseudo-terminal; hosts open `path` like /dev/ttyUSB0."""

    def __init__(self, board: Board) -> None:
        self.board = board
        self._master, slave = os.openpty()
        self.path = os.ttyname(slave)
        tty.setraw(slave)  # no echo, no line editing, no CR/LF translation
        os.close(slave)
        os.set_blocking(self._master, False)
        self._open = False  # a host has the slave open
        self._pending = bytearray()  # output the master could not take yet
        self._loop = asyncio.get_running_loop()
        self._poll: asyncio.TimerHandle | None = None
        self._writing = False
        self._output = _HeldOutput(board, self._send)
        self._check()

    @property
    def url(self) -> str:
        return self.path

    def _check(self) -> None:
        """Poll for a host while nobody has the port open."""
        self._poll = None
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            data = b""
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            self._poll = self._loop.call_later(PTY_POLL_S, self._check)
            return
        self._open = True
        self._loop.add_reader(self._master, self._readable)
        self._output.host_opened()
        if data:
            self.board.receive(data)

    def _readable(self) -> None:
        try:
            data = os.read(self._master, READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:
            if exc.errno != errno.EIO:
                raise
            self._closed()
            return
        self.board.receive(data)

    def _closed(self) -> None:
        self._open = False
        self._loop.remove_reader(self._master)
        self._pending.clear()  # what the host did not read is gone with it
        self._stop_writing()
        self._output.host_left()
        self.board.host_closed()
        if self._poll is None:
            self._poll = self._loop.call_later(PTY_POLL_S, self._check)

    def _send(self, data: bytes) -> None:
        self._pending += data
        self._flush()

    def _flush(self) -> None:
        while self._pending:
            try:
                sent = os.write(self._master, self._pending)
            except BlockingIOError:
                sent = 0
            except OSError as exc:
                if exc.errno != errno.EIO:
                    raise
                sent = 0
            del self._pending[:sent]
            if not sent:
                break
        if self._pending and self._open and not self._writing:
            self._loop.add_writer(self._master, self._flush)
            self._writing = True
        elif not self._pending:
            self._stop_writing()

    def _stop_writing(self) -> None:
        if self._writing:
            self._loop.remove_writer(self._master)
            self._writing = False

    async def close(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
        with contextlib.suppress(ValueError, OSError):
            self._loop.remove_reader(self._master)
            self._stop_writing()
        os.close(self._master)
