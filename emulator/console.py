"""A virtual device's serial console, as the device side of a serial port.

`DeviceConsole` is what `emulator.serial_port` drives for a `VirtualDevice`: lines typed
(ended by CR, LF or both) go to the core's console; what the core prints goes to the host.
Serve it like a board's UART:

    port = await open_port(DeviceConsole(device), "socket://127.0.0.1:0")   # or rfc2217://…, pty

The port's rules (one host at a time, output held while nobody has it open) are those of
emulator.serial_port. A virtual device has no auto-program circuit: DTR and RTS are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from emulator.device import LINE_MAX, VirtualDevice

_LINE_END = re.compile(rb"\r\n|\r|\n")


class LineSplitter:
    """Bytes in, complete console lines out, as bytes (CR, LF or CRLF end a line; blank and
    whitespace-only lines dropped).

    A line longer than `LINE_MAX` bytes is not kept: its bytes are dropped as they come and
    `on_too_long` is called when it ends, as the shell does. Each byte is looked at a bounded
    number of times, so a flood with no line end costs linear time and no memory.
    """

    def __init__(self, on_line: Callable[[bytes], None], on_too_long: Callable[[], None]) -> None:
        self._buffer = bytearray()
        self._overflow = False
        self._on_line = on_line
        self._on_too_long = on_too_long

    def feed(self, data: bytes) -> None:
        *ended, rest = _LINE_END.split(data)
        for part in ended:
            self._add(part)
            line, overflow = bytes(self._buffer).strip(), self._overflow
            self._buffer.clear()
            self._overflow = False
            if overflow:
                self._on_too_long()
            elif line:
                self._on_line(line)
        self._add(rest)

    def _add(self, part: bytes) -> None:
        if self._overflow:
            return
        if len(self._buffer) + len(part) > LINE_MAX:
            self._buffer.clear()
            self._overflow = True
        else:
            self._buffer += part


class DeviceConsole:
    """One wire to a virtual device's console (a `PortDevice`); one per port serving it."""

    printing_console = True  # the core only ever prints console text

    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.name = device.device_id
        self._lines = LineSplitter(device.serial_line, device.serial_line_too_long)

    def attach(self, send: Callable[[bytes], None], *, modem_lines: bool) -> None:
        self.device.serial_listeners.append(lambda text: send(text.encode()))

    def receive(self, data: bytes) -> None:
        self._lines.feed(data)

    def set_lines(self, *, dtr: bool, rts: bool) -> None:
        pass  # no auto-program circuit on a virtual device

    def host_closed(self) -> None:
        # A half-typed line goes with the host.
        self._lines = LineSplitter(self.device.serial_line, self.device.serial_line_too_long)
