"""The one serial-port server of the emulator: a device's UART, reachable the way a USB one is.

What the port drives is a `PortDevice` (the device side of the wire): an emulated board
(emulator.board.board) or a virtual device's console (emulator.console). The host side is
one of

- `socket://HOST:PORT`: a raw TCP server (pyserial's `serial_for_url` opens it);
- `rfc2217://HOST:PORT`: Telnet with RFC 2217, negotiated by pyserial's `PortManager`. It
  carries DTR and RTS, which reach the device (`PortDevice.set_lines`: a board's
  auto-program circuit, so esptool's resets work as on a USB board). Line settings (baud
  rate, parity) are accepted and ignored: a virtual wire has no speed;
- a pty (Linux): any program opens its slave path like /dev/ttyUSB0.

Every port follows the rules of a USB serial adapter that stays plugged in:

- one host at a time. A second TCP client is refused (closed at once) while one is
  connected, so a flashing tool cannot barge into a test's console, as a busy port would;
- output written while no host has the port open is held (up to `BACKLOG_LIMIT` bytes, the
  oldest dropped first) and delivered `RELEASE_DELAY_S` after one opens it, so a test that
  connects after a reset still reads the boot. The delay matters: pyserial flushes its input
  right after opening a port, which would swallow output sent at once. Held output is
  dropped when the device stops printing console text (a board entering its ROM loader for
  esptool's SYNC within the delay: old console output would corrupt the loader's replies);
- the host closing the port is reported to the device (`PortDevice.host_closed`).

A device with several ports (a virtual device on socket:// and a pty) gets one wire per
port, each with these rules. A pty's slave end is not held open here: reading the master
then fails with EIO while no host has it open, which is how its closing is noticed; a short
timer notices the reopening.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sys
import tty
from collections.abc import Callable
from typing import Protocol
from urllib.parse import urlsplit

import serial
from serial import rfc2217

BACKLOG_LIMIT = 64 * 1024
RELEASE_DELAY_S = 0.1
PTY_POLL_S = 0.02
READ_SIZE = 64 * 1024


class PortDevice(Protocol):
    """The device side of a serial port: what the server feeds, and where its output goes."""

    name: str  # for the port's log lines

    def attach(self, send: Callable[[bytes], None], *, modem_lines: bool) -> None:
        """Output for the host goes to `send` from now on; `modem_lines`: DTR and RTS will
        arrive through `set_lines` (rfc2217://), otherwise never (socket://, a pty)."""

    def receive(self, data: bytes) -> None:
        """Bytes the host wrote."""

    def set_lines(self, *, dtr: bool, rts: bool) -> None:
        """The host changed DTR or RTS (only with modem lines)."""

    def host_closed(self) -> None:
        """The host closed the port."""

    @property
    def printing_console(self) -> bool:
        """False while the device answers a protocol (a ROM loader), where old console text
        held for a host would corrupt the replies; True otherwise."""


class HeldOutput:
    """The device's output on its way to a host that may not be there (see module docstring)."""

    def __init__(self, device: PortDevice, send: Callable[[bytes], None]) -> None:
        self._device = device
        self._send = send
        self._held = bytearray()
        self._connected = False
        self._release: asyncio.TimerHandle | None = None

    def write(self, data: bytes) -> None:
        if self._release is not None and not self._device.printing_console:
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
        if held and self._device.printing_console:
            self._send(held)

    def host_left(self) -> None:
        self._connected = False
        if self._release is not None:
            self._release.cancel()
            self._release = None


class VirtualLines:
    """The serial-port attributes `PortManager` reads and sets; DTR and RTS go to the device."""

    baudrate = 115200
    bytesize = serial.EIGHTBITS
    parity = serial.PARITY_NONE
    stopbits = serial.STOPBITS_ONE
    xonxoff = rtscts = False
    break_condition = False
    cts = dsr = cd = True
    ri = False

    def __init__(self, device: PortDevice) -> None:
        self._device = device
        self._lines = {"dtr": False, "rts": False}

    dtr = property(lambda self: self._lines["dtr"], lambda self, value: self._set(dtr=value))
    rts = property(lambda self: self._lines["rts"], lambda self, value: self._set(rts=value))

    def _set(self, **line: bool) -> None:
        self._lines.update(line)
        self._device.set_lines(**self._lines)

    def reset_input_buffer(self) -> None:
        pass

    def reset_output_buffer(self) -> None:
        pass


class TcpPort:
    """`socket://host:port`, or with `modem_lines` `rfc2217://host:port`, for one device."""

    def __init__(self, device: PortDevice, *, modem_lines: bool = False) -> None:
        self.device = device
        self.scheme = "rfc2217" if modem_lines else "socket"
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._manager: rfc2217.PortManager | None = None
        self._output = HeldOutput(device, self._send)
        device.attach(self._output.write, modem_lines=modem_lines)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = await asyncio.start_server(self._client, host, port)
        bound_host, bound_port = self._server.sockets[0].getsockname()[:2]
        self.url = f"{self.scheme}://{bound_host}:{bound_port}"
        return self.url

    def _send(self, data: bytes) -> None:
        if self._writer is None or self._writer.is_closing():
            return
        if self._manager is not None:
            data = b"".join(self._manager.escape(data))
        self._writer.write(data)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._writer is not None:
            print(f"[{self.device.name}] refused a second client: the port is busy", flush=True)
            writer.close()
            return
        self._writer = writer
        if self.scheme == "rfc2217":
            self._manager = rfc2217.PortManager(VirtualLines(self.device), writer)
        self._output.host_opened()
        try:
            while data := await reader.read(READ_SIZE):
                if self._manager is not None:
                    data = b"".join(self._manager.filter(data))
                self.device.receive(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            self._writer = self._manager = None
            self._output.host_left()
            writer.close()
            self.device.host_closed()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._writer is not None:
            self._writer.close()
        if self._server is not None:
            await self._server.wait_closed()


class PtyPort:
    """A pseudo-terminal (Linux); hosts open `path` like /dev/ttyUSB0."""

    def __init__(self, device: PortDevice) -> None:
        if not sys.platform.startswith("linux"):
            raise OSError("a pty port is only offered on Linux")
        self.device = device
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
        self._output = HeldOutput(device, self._send)
        device.attach(self._output.write, modem_lines=False)
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
            self.device.receive(data)

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
        self.device.receive(data)

    def _closed(self) -> None:
        self._open = False
        self._loop.remove_reader(self._master)
        self._pending.clear()  # what the host did not read is gone with it
        self._stop_writing()
        self._output.host_left()
        self.device.host_closed()
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


SerialPort = TcpPort | PtyPort


async def open_port(device: PortDevice, where: str) -> SerialPort:
    """Serve `device` at `where`: `socket://HOST:PORT`, `rfc2217://HOST:PORT` (port 0: any
    free one) or `pty`. The returned port's `url` is what a host opens."""
    if where == "pty":
        return PtyPort(device)
    parts = urlsplit(where)
    if parts.scheme not in ("socket", "rfc2217") or not parts.hostname or parts.port is None:
        raise ValueError(f"{where!r}: expected socket://HOST:PORT, rfc2217://HOST:PORT or pty")
    port = TcpPort(device, modem_lines=parts.scheme == "rfc2217")
    await port.start(parts.hostname, parts.port)
    return port
