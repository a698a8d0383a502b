"""One emulated ESP32-C3 board: its modes, what resets it, and its serial console.

Modes: APP (an image booted, the virtual device owns the console), HALTED (the bootloader
refused the flash; the console is silent) and DOWNLOAD (the ROM loader, later the stub,
owns the serial line).

Reset and boot mode with modem lines (rfc2217://, where RFC 2217 carries DTR and RTS): the
DevKit's auto-program circuit. EN is held low while RTS is asserted and DTR is not; IO9 is
pulled low while DTR is asserted and RTS is not; IO9 low when EN comes up means download
mode. On a board the RC on EN delays its rise, so esptool's two separate line writes still
find IO9 low; over RFC 2217 each write costs a round trip (pyserial waits at least 50 ms for
its acknowledgement), so the board counts IO9 as low if it was low at any time within
`STRAP_WINDOW_S` of EN's release. esptool's own reset sequences (`--before default-reset`,
`--after hard-reset`) then work as on a USB board, and the ROM's download banner is printed
for esptool to read.

Reset and boot mode without modem lines (socket:// and pty carry no DTR/RTS; esptool
itself disables resets on socket:// and gets ENOTTY on a pty):

- entering download mode: a SLIP-framed SYNC arriving in APP or HALTED mode does what the
  DTR/RTS auto-program circuit would have done for it: the board resets into the ROM loader,
  which answers that SYNC. Console text never contains 0xC0, so typing cannot trigger it;
- leaving it: the host closing the port while the board is in download mode stands in for
  `--after hard-reset`'s pulse on EN, which cannot reach a socket or a pty.

With or without: the ROM's FLASH_END/FLASH_DEFL_END and the stub's RUN_USER_CODE run the
app; enabling the RTC watchdog (`--after watchdog-reset`) resets the chip shortly after;
power-on (start-up) and a reboot requested by the app (console `reboot`, hub `reset`, the
end of an OTA) boot from flash again, so a changed or corrupted flash shows at once.

A board is the device side of its serial port (an `emulator.serial_port.PortDevice`): the
port hands it bytes (`receive`), DTR/RTS (`set_lines`) and the host closing (`host_closed`),
and gives it where to write (`attach`).
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
from emulator.board.ota import install, slot_size
from emulator.board.slip import Decoder
from emulator.console import LineSplitter

# esptool arms the RTC watchdog for 2000 slow-clock cycles (about 15 ms), then locks its
# registers with one more WRITE_REG and waits 0.5 s. Firing within that wait, but not so soon
# that a busy host's last WRITE_REG is still unanswered, keeps the exchange intact.
WATCHDOG_DELAY_S = 0.25
STRAP_WINDOW_S = 0.15


class Mode(enum.Enum):
    APP = "app"
    HALTED = "halted"
    DOWNLOAD = "download"
    IN_RESET = "held in reset"  # EN low: the chip is off


class Board:
    def __init__(
        self,
        name: str,
        chip: Chip,
        flash: Flash,
        *,
        model: str,
        config: str | None = None,
        log: Callable[[str], None] = print,
    ) -> None:
        self.name = name
        self.chip = chip
        self.flash = flash
        self.model = model  # the board's name in the boot line, e.g. seeed_xiao_esp32c3
        self.config = config  # the app's saved configuration (NVS on a chip)
        self.mode = Mode.HALTED
        self.version: str | None = None  # of the running app
        self._app_offset = 0  # where the running app's image is in flash
        self.write: Callable[[bytes], None] = lambda data: None  # the port's (see `attach`)
        self.modem_lines = False  # the port carries DTR/RTS
        self._dtr = self._rts = False
        self._io9_was_low = False  # since EN's release (see STRAP_WINDOW_S)
        self._strap: asyncio.TimerHandle | None = None
        self._log = log
        self._app: RunningApp | None = None
        self._loader: Loader | None = None
        self._knock = Decoder()  # SLIP frames arriving while not in download mode
        self._lines = LineSplitter(self._app_line)
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
        self._lines = LineSplitter(self._app_line)
        self._knock = Decoder()
        if download:
            self.mode = Mode.DOWNLOAD
            self._loader = Loader(self.chip, self.flash, self._refused)
            banner = download_banner(reason)
            self._log(f"[{self.name}] {' | '.join(banner)}")
            if self.modem_lines:
                # esptool reads it after its reset; entered on a SYNC instead, the banner
                # would land between that SYNC and its answer.
                self._print("\r\n".join(banner) + "\r\n")
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
            board=self.model,
            config=self.config,
            write=self._print,
            on_reboot=self._app_rebooted,
            on_config=self._config_saved,
            on_install=self._install,
            ota_limit=slot_size(self.flash, result.offset),
        )

    # -- the serial port's device side (emulator.serial_port.PortDevice) ---------------------

    def attach(self, send: Callable[[bytes], None], *, modem_lines: bool) -> None:
        self.write = send
        self.modem_lines = modem_lines

    @property
    def printing_console(self) -> bool:
        return self.mode is not Mode.DOWNLOAD

    def host_closed(self) -> None:
        """The host closed the port: its modem lines drop, or without them, in download mode,
        this stands in for the EN pulse of `--after hard-reset`."""
        if self.modem_lines:
            self.set_lines(dtr=False, rts=False)
        elif self.mode is Mode.DOWNLOAD:
            self.reset(Reset.POWER_ON)

    def set_lines(self, *, dtr: bool, rts: bool) -> None:
        """DTR and RTS through the auto-program circuit (see the module docstring)."""
        en_was_low = self._rts and not self._dtr
        self._dtr, self._rts = dtr, rts
        en_low = rts and not dtr
        self._io9_was_low |= dtr and not rts
        if en_low and not en_was_low:
            self._stop_app()
            if self._strap is not None:
                self._strap.cancel()
                self._strap = None
            self.mode, self._loader = Mode.IN_RESET, None
        elif en_was_low and not en_low:
            self._io9_was_low = dtr and not rts
            loop = asyncio.get_running_loop()
            self._strap = loop.call_later(STRAP_WINDOW_S, self._released)

    def _released(self) -> None:
        self._strap = None
        self.reset(Reset.POWER_ON, download=self._io9_was_low)

    def _app_rebooted(self) -> None:
        # Called from inside the app's step: reset once that step has returned.
        asyncio.get_running_loop().call_soon(self.reset, Reset.SOFTWARE)

    def _refused(self, why: str) -> None:
        self._log(f"[{self.name}] {why}")

    def _config_saved(self, config: str) -> None:
        self.config = config

    def _install(self, image: bytes) -> str:
        reason = install(self.flash, self._app_offset, image)
        self._log(f"[{self.name}] ota image accepted by the core: {reason or 'installed'}")
        return reason

    # -- serial input ---------------------------------------------------------------------

    def receive(self, data: bytes) -> None:
        if self.mode is Mode.DOWNLOAD:
            self._to_loader(data)
            return
        if self.mode is Mode.IN_RESET or self.modem_lines:
            if self._app is not None:
                self._console(data)
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
        self._lines.feed(text)

    def _app_line(self, line: str) -> None:
        if self._app is not None:
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
        for timer in (self._watchdog, self._strap):
            if timer is not None:
                timer.cancel()
        await asyncio.gather(*self._stopping, return_exceptions=True)
        self.flash.close()
