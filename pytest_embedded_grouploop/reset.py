"""What the grouploop service changes in pytest-embedded's serial classes for emulated boards.

- `with_watchdog_reset(cls)`: pytest-embedded resets a board with esptool's RTS pulse on EN
  (`hard_reset`), and the Arduino service flashes with `--after hard-reset`; neither reaches a
  board over socket:// or a pty, which carry no modem lines, so the board would stay in its
  ROM loader. There the subclass resets through the loader instead, as esptool's
  `--after watchdog-reset` does: it arms the RTC watchdog, which the emulated board (like a
  chip) honours by resetting and booting its app. rfc2217:// carries RTS: unchanged.
- `fast_socket_reads()`: socket:// ports opened meanwhile count their waiting bytes
  (protocol_socket.py), so pytest-embedded's 50 ms `read_all()` poll reads whole bursts.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import serial
from pytest_embedded_serial_esp import EspSerial

HANDLERS = __package__


def has_modem_lines(port: serial.SerialBase) -> bool:
    """Whether RTS can reach the board: not over socket:// nor a pty (ENOTTY there)."""
    name = str(port.port)
    return not name.startswith("socket://") and not os.path.realpath(name).startswith("/dev/pts/")


class WatchdogReset:
    """Mixin for pytest-embedded's EspSerial classes: without modem lines, `hard_reset` by
    the RTC watchdog. Over rfc2217:// the RTS pulse works and stays (the watchdog's reset
    could overtake esptool's last register write there, answered one round trip later)."""

    esp: Any  # the esptool loader EspSerial connected
    proc: serial.SerialBase

    def hard_reset(self) -> None:
        if has_modem_lines(self.proc):
            super().hard_reset()  # type: ignore[misc]
        else:
            self._watchdog_reset()

    @EspSerial.use_esptool()  # stops the redirect thread, syncs with the loader
    def _watchdog_reset(self) -> None:
        loader = self.esp
        if loader.sync_stub_detected:  # the Arduino flash left esptool's stub running
            loader = loader.STUB_CLASS(loader)
        loader.watchdog_reset()


class ResetAfterFlash(WatchdogReset):
    """For the Arduino service's serial class: boot what was flashed, where its RTS could not."""

    def flash(self) -> None:
        super().flash()  # type: ignore[misc]  # ends with esptool's RTS pulse
        if not has_modem_lines(self.proc):
            self._watchdog_reset()


def with_watchdog_reset(cls: type) -> type:
    """`cls` (EspSerial or a subclass) resetting by the watchdog, after a flash too."""
    mixin = ResetAfterFlash if hasattr(cls, "flash") else WatchdogReset
    return type(f"Watchdog{cls.__name__}", (mixin, cls), {})


@contextlib.contextmanager
def fast_socket_reads() -> Iterator[None]:
    """Within the block, socket:// URLs open this package's counting socket port."""
    serial.protocol_handler_packages.insert(0, HANDLERS)
    try:
        yield
    finally:
        serial.protocol_handler_packages.remove(HANDLERS)
