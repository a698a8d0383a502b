"""One emulated ESP32-C3 board: its modes, what resets it, and its serial console.

Modes: APP (an image booted, the virtual device owns the console), HALTED (the bootloader
refused the flash; the console is silent) and DOWNLOAD (the ROM loader, later the stub,
owns the serial line).

Reset and boot mode, without modem lines (socket:// and pty carry no DTR/RTS; esptool
itself disables resets on socket:// and gets ENOTTY on a pty):

- entering download mode: a SLIP-framed SYNC arriving in APP or HALTED mode does what the
  DTR/RTS auto-program circuit would have done for it: the board resets into the ROM loader,
  which answers that SYNC. Console text never contains 0xC0, so typing cannot trigger it;
- leaving it: the ROM's FLASH_END/FLASH_DEFL_END and the stub's RUN_USER_CODE run the app;
  enabling the RTC watchdog (`--after watchdog-reset`) resets the chip shortly after;
  and the host closing the port while the board is in download mode stands in for
  `--after hard-reset`'s pulse on EN, which cannot reach a socket or a pty;
- power-on (start-up) and a reboot requested by the app (console `reboot`, hub `reset`,
  the end of an OTA) boot from flash again, so a changed or corrupted flash shows at once.

The transport hands bytes to `receive` and reports the host closing the port with
`host_closed`; the board writes through the `write` callable the transport sets.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable

from emulator.board.app import RunningApp
from emulator.board.boot import Reset, boot_from_flash, download_banner
from emulator.board.chip import Chip
from emulator.board.flash import Flash
from emulator.board.loader import Exit, Loader, Op
from emulator.board.ota import fetch_image, install
from emulator.board.slip import Decoder

# esptool arms the RTC watchdog for 2000 slow-clock cycles (about 15 ms), then locks its
# registers with one more WRITE_REG and waits 0.5 s. Firing within that wait, but not so soon
# that a busy host's last WRITE_REG is still unanswered, keeps the exchange intact.
WATCHDOG_DELAY_S = 0.25


class Mode(enum.Enum):
    APP = "app"
    HALTED = "halted"
    DOWNLOAD = "download"


class Board:
    def __init__(
        self,
        name: str,
        chip: Chip,
        flash: Flash,
        *,
        board: str,
        config: str | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.name = name
        self.chip = chip
        self.flash = flash
        self.board = board
        self.config = config  # the app's saved configuration (NVS on a chip)
        self.mode = Mode.HALTED
        self.version: str | None = None  # of the running app
        self._app_offset = 0  # where the running app's image is in flash
        self.write: Callable[[bytes], None] = lambda data: None
        self._log = log
        self._app: RunningApp | None = None
        self._loader: Loader | None = None
        self._knock = Decoder()  # SLIP frames arriving while not in download mode
        self._line = bytearray()
        self._watchdog: asyncio.TimerHandle | None = None
        self._stopping: set[asyncio.Task[None]] = set()

    # -- what resets the board ------------------------------------------------------------

    def power_on(self) -> None:
        self.reset(Reset.POWER_ON)

    def reset(self, reason: Reset, *, download: bool = False) -> None:
        self._stop_app()
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        self._line.clear()
        self._knock = Decoder()
        if download:
            self.mode = Mode.DOWNLOAD
            self._loader = Loader(self.chip, self.flash)
            # Printing the banner would land between esptool's SYNC and its answer: log only.
            self._log(f"[{self.name}] {' | '.join(download_banner(reason))}")
            return
        self._loader = None
        result = boot_from_flash(self.flash, reason)
        self._print("\r\n".join(result.lines) + "\r\n")
        for line in result.lines:
            self._log(f"[{self.name}] {line}")
        if result.image is None:
            self.mode = Mode.HALTED
            return
        self.mode = Mode.APP
        self.version = result.image.version
        self._app_offset = result.offset
        self._app = RunningApp(
            mac=self.chip.mac,
            version=result.image.version,
            board=self.board,
            config=self.config,
            write=self._print,
            on_reboot=self._app_rebooted,
            on_config=self._config_saved,
            on_ota=self._ota,
        )

    def host_closed(self) -> None:
        """The host closed the port: in download mode, the EN pulse of `--after hard-reset`."""
        if self.mode is Mode.DOWNLOAD:
            self.reset(Reset.POWER_ON)

    def _app_rebooted(self) -> None:
        # Called from inside the app's step: reset once that step has returned.
        asyncio.get_running_loop().call_soon(self.reset, Reset.SOFTWARE)

    def _config_saved(self, config: str) -> None:
        self.config = config

    async def _ota(self, url: str) -> tuple[bool, str]:
        image, reason = await fetch_image(url, self.chip.mac)
        if image is not None:
            reason = install(self.flash, self._app_offset, image)
        self._log(f"[{self.name}] ota {url}: {reason or 'installed'}")
        return not reason, reason

    # -- serial input ---------------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        if self.mode is Mode.DOWNLOAD:
            self._to_loader(data)
            return
        start = data.find(b"\xc0")
        text, slip = (data, b"") if start < 0 else (data[:start], data[start:])
        if text:
            self._console(text)
        for frame in self._knock.feed(slip) if slip else []:
            if len(frame) >= 2 and frame[0] == 0 and frame[1] == Op.SYNC:
                self.reset(Reset.POWER_ON, download=True)
                assert self._loader is not None
                self._loader.receive_packet(frame)
                self.write(self._loader.data_to_send())
                return  # the rest of this chunk was sent before the chip was listening

    def _to_loader(self, data: bytes) -> None:
        loader = self._loader
        assert loader is not None
        loader.receive_data(data)
        self.write(loader.data_to_send())
        if loader.exit is Exit.RUN_APP:
            self.reset(Reset.SOFTWARE)
        elif loader.exit is Exit.RESET and self._watchdog is None:
            loop = asyncio.get_running_loop()
            self._watchdog = loop.call_later(WATCHDOG_DELAY_S, self.reset, Reset.WATCHDOG)

    def _console(self, text: bytes) -> None:
        if self._app is None:
            return  # nothing runs to read the line
        self._line += text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        *lines, rest = bytes(self._line).split(b"\n")
        self._line = bytearray(rest)
        for raw in lines:
            line = raw.decode("utf-8", "replace").strip()
            if line and self._app is not None:
                self._app.serial_line(line)

    # -- output and teardown --------------------------------------------------------------

    def _print(self, text: str) -> None:
        self.write(text.replace("\r\n", "\n").replace("\n", "\r\n").encode())

    def _stop_app(self) -> None:
        if self._app is not None:
            task = self._app.stop()
            self._stopping.add(task)
            task.add_done_callback(self._stopping.discard)
            self._app = None
            self.version = None

    async def close(self) -> None:
        self._stop_app()
        if self._watchdog is not None:
            self._watchdog.cancel()
        await asyncio.gather(*self._stopping, return_exceptions=True)
        self.flash.close()
