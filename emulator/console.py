"""A virtual device's serial console, reachable the way a real port is.

- `socket://127.0.0.1:<port>`: a raw TCP server (pyserial's `serial_for_url` opens it);
- `rfc2217://127.0.0.1:<port>`: the same over Telnet/RFC 2217, negotiated by pyserial's own
  server helper `serial.rfc2217.PortManager` (line settings are accepted and ignored: there is
  no baud rate on a virtual wire);
- a pty (Linux): any program opens the slave path like /dev/ttyUSB0.

Lines typed (ended by CR, LF or both) go to the core's console; what the core prints goes to
every open connection. Like a real port, a connection sees what is printed from the moment it
opens (pyserial purges its input on open anyway): to read the boot line, type `reboot`
(or read `VirtualDevice.serial_log`, which holds everything printed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tty
from collections.abc import Callable

import serial
from serial import rfc2217

from emulator.device import VirtualDevice


class VirtualPort:
    """The serial-port attributes `PortManager` reads and sets; nothing is wired to them."""

    baudrate = 115200
    bytesize = serial.EIGHTBITS
    parity = serial.PARITY_NONE
    stopbits = serial.STOPBITS_ONE
    xonxoff = rtscts = False
    rts = dtr = True
    break_condition = False
    cts = dsr = cd = True
    ri = False

    def reset_input_buffer(self) -> None:
        pass

    def reset_output_buffer(self) -> None:
        pass


class LineSplitter:
    """Bytes in, complete console lines out (CR, LF or CRLF end a line; blanks dropped)."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        self._buffer = b""
        self._on_line = on_line

    def feed(self, data: bytes) -> None:
        self._buffer += data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, self._buffer = self._buffer.split(b"\n")
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._on_line(line)


class Console:
    """Serves one device's console over any of the transports above."""

    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.urls: list[str] = []
        self.pty_path: str | None = None
        self._writers: dict[asyncio.StreamWriter, Callable[[bytes], bytes]] = {}
        self._servers: list[asyncio.Server] = []
        self._pty: tuple[int, int] | None = None
        self._pty_lines = LineSplitter(device.serial_line)
        self._handlers: set[asyncio.Task[None]] = set()
        device.serial_listeners.append(self._output)

    async def serve_socket(self, port: int = 0, host: str = "127.0.0.1") -> str:
        server = await asyncio.start_server(self._raw_client, host, port)
        return self._listening(server, "socket")

    async def serve_rfc2217(self, port: int = 0, host: str = "127.0.0.1") -> str:
        server = await asyncio.start_server(self._rfc2217_client, host, port)
        return self._listening(server, "rfc2217")

    def open_pty(self) -> str:
        """Open a pty pair; returns the slave path a client opens."""
        if not sys.platform.startswith("linux"):
            raise OSError("a pty console is only offered on Linux")
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo, no line editing: bytes pass as on a real UART
        os.set_blocking(master, False)
        # We keep the slave open ourselves so the master never reads EIO between clients.
        self._pty = (master, slave)
        self.pty_path = os.ttyname(slave)
        asyncio.get_running_loop().add_reader(master, self._pty_readable)
        return self.pty_path

    def _listening(self, server: asyncio.Server, scheme: str) -> str:
        self._servers.append(server)
        host, port = server.sockets[0].getsockname()[:2]
        url = f"{scheme}://{host}:{port}"
        self.urls.append(url)
        return url

    async def _raw_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._serve(reader, writer, lambda data: data, lambda data: data)

    async def _rfc2217_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        manager = rfc2217.PortManager(VirtualPort(), writer)

        def incoming(data: bytes) -> bytes:
            return b"".join(manager.filter(data))

        def outgoing(data: bytes) -> bytes:
            return b"".join(manager.escape(data))

        await self._serve(reader, writer, incoming, outgoing)

    async def _serve(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        incoming: Callable[[bytes], bytes],
        outgoing: Callable[[bytes], bytes],
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        lines = LineSplitter(self.device.serial_line)
        self._writers[writer] = outgoing
        try:
            while data := await reader.read(4096):
                lines.feed(incoming(data))
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._writers.pop(writer, None)
            self._handlers.discard(task)
            writer.close()

    def _output(self, text: str) -> None:
        data = text.encode()
        for writer, outgoing in list(self._writers.items()):
            if not writer.is_closing():
                writer.write(outgoing(data))
        if self._pty is not None:
            # A full pty buffer (nobody reading the slave) loses output, like a UART overrun.
            with contextlib.suppress(BlockingIOError):
                os.write(self._pty[0], data)

    def _pty_readable(self) -> None:
        assert self._pty is not None
        try:
            data = os.read(self._pty[0], 4096)
        except (BlockingIOError, InterruptedError):
            return
        self._pty_lines.feed(data)

    async def close(self) -> None:
        if self._output in self.device.serial_listeners:
            self.device.serial_listeners.remove(self._output)
        for server in self._servers:
            server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        for server in self._servers:
            await server.wait_closed()
        if self._pty is not None:
            asyncio.get_running_loop().remove_reader(self._pty[0])
            for fd in self._pty:
                os.close(fd)
            self._pty = None
