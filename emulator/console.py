"""A virtual device's serial console, as the device side of a serial port.

`DeviceConsole` is what `emulator.serial_port` drives for a `VirtualDevice`: lines typed
(ended by CR, LF or both) go to the core's console; what the core prints goes to the host.
Serve it like a board's UART:

    port = await open_port(DeviceConsole(device), "socket://127.0.0.1:0")   # or rfc2217://…, pty

The port's rules (one host at a time, output held while nobody has it open) are those of
emulator.serial_port. A virtual device has no auto-program circuit: DTR and RTS are ignored.
"""

from __future__ import annotations

from collections.abc import Callable

from emulator.device import VirtualDevice


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


class DeviceConsole:
    """One wire to a virtual device's console (a `PortDevice`); one per port serving it."""

    printing_console = True  # the core only ever prints console text

    def __init__(self, device: VirtualDevice) -> None:
        self.device = device
        self.name = device.device_id
        self._lines = LineSplitter(device.serial_line)

    def attach(self, send: Callable[[bytes], None], *, modem_lines: bool) -> None:
        self.device.serial_listeners.append(lambda text: send(text.encode()))

    def receive(self, data: bytes) -> None:
        self._lines.feed(data)

    def set_lines(self, *, dtr: bool, rts: bool) -> None:
        pass  # no auto-program circuit on a virtual device

    def host_closed(self) -> None:
        self._lines = LineSplitter(self.device.serial_line)  # a half-typed line goes with it
