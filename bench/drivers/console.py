"""The device's serial console: send lines, `expect` patterns, keep a log of everything seen.

Works on any pyserial URL (a device path, `socket://`, `rfc2217://`, a pty), so the same test
drives a USB board or an emulated one. A reader thread appends what arrives, line ends as
`\n` (CR dropped), to the target's log and to a `grouploop.expect.Transcript`; `expect`
searches it from where the last match ended, so a test reads the console as a sequence of
events.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import IO

import serial

from grouploop.expect import Match, Pattern, Transcript

BAUD = 115200


class ConsoleDriver:
    """One board's serial console, opened and closed around flashing (the port is shared)."""

    def __init__(self, name: str, port: str, log_path: Path | None = None, baud: int = BAUD):
        self.name, self.port, self.baud = name, port, baud
        self._log_path = log_path
        self._log: IO[str] | None = None
        self._log_lock = threading.Lock()
        self._serial: serial.SerialBase | None = None
        self.transcript = Transcript(name, "on the console")
        self._reader: threading.Thread | None = None
        self._stop = threading.Event()

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def open(self) -> ConsoleDriver:
        if self._serial is not None:
            return self
        # No DTR/RTS change on open: on a USB board they are EN and IO0, and toggling them
        # would reset the chip or hold it in the bootloader.
        port = serial.serial_for_url(self.port, baudrate=self.baud, timeout=0.05, do_not_open=True)
        port.dtr = False
        port.rts = False
        port.open()
        self._serial = port
        if self._log_path:
            self._log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self._log_path.open("a", encoding="utf-8")
            self._note(f"--- console open {self.port}")
        self._stop.clear()
        self._reader = threading.Thread(target=self._read, name=f"console-{self.name}", daemon=True)
        self._reader.start()
        return self

    def close(self) -> None:
        """Release the port (so esptool can use it); the buffer and log stay."""
        if self._serial is None:
            return
        self._stop.set()
        if self._reader:
            self._reader.join(5)
        self._serial.close()
        self._serial = None
        self._note(f"--- console closed {self.port}")
        with self._log_lock:
            if self._log:
                self._log.close()
                self._log = None

    def _note(self, text: str) -> None:
        with self._log_lock:
            if self._log:
                self._log.write(f"{time.strftime('%H:%M:%S')} {text}\n")
                self._log.flush()

    def log_to(self, path: Path) -> None:
        """Continue the log in another file (one per test) without closing the port."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_lock:
            self._log_path = path
            if self._log:
                self._log.close()
                self._log = path.open("a", encoding="utf-8")

    def _read(self) -> None:
        assert self._serial is not None
        pending = ""
        while not self._stop.is_set():
            try:
                data = self._serial.read(4096)
            except (serial.SerialException, OSError) as exc:
                self._note(f"--- read error: {exc}")
                return
            if not data:
                continue
            data = data.replace(b"\r", b"")
            pending += data.decode("utf-8", errors="replace")
            *lines, pending = pending.split("\n")
            for line in lines:  # logged first: what a test matched is already in the log
                self._note(f"< {line}")
            self.transcript.feed(data)

    def write(self, data: str | bytes, secret: str | None = None) -> None:
        """Send `data` as it is (a str as UTF-8); `secret` (a device secret in it) is masked
        in the log."""
        if self._serial is None:
            raise RuntimeError(f"{self.name}: console is closed")
        raw = data.encode() if isinstance(data, str) else data
        shown = raw.decode("utf-8", "replace").rstrip()
        self._note(f"> {shown.replace(secret, '********') if secret else shown}")
        self._serial.write(raw)
        self._serial.flush()

    def send_line(self, line: str, secret: str | None = None) -> None:
        self.write(line + "\n", secret)

    def pulse_reset(self, seconds: float = 0.1) -> None:
        """EN low then high through RTS with IO0 (DTR) released: a normal boot from flash."""
        if self._serial is None:
            raise RuntimeError(f"{self.name}: console is closed")
        self._note("--- reset (RTS pulse)")
        self._serial.dtr = False
        self._serial.rts = True
        time.sleep(seconds)  # EN must stay low long enough for the chip to reset
        self._serial.rts = False

    def skip(self) -> None:
        """Forget what arrived so far: the next `expect` only sees newer output."""
        self.transcript.skip()

    def expect(self, pattern: Pattern, timeout: float) -> Match:
        """Wait for `pattern` in the output after the previous match; return the match."""
        return self.transcript.expect(pattern, timeout)

    def expect_exact(self, text: str | bytes, timeout: float) -> Match:
        return self.transcript.expect_exact(text, timeout)

    def command(
        self, line: str, answer: str, timeout: float, secret: str | None = None
    ) -> re.Match[str]:
        """Send a console line and wait for the answer pattern."""
        self.skip()
        self.send_line(line, secret)
        return self.expect(answer, timeout)
