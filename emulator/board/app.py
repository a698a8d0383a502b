"""The app a board boots: the virtual device (the real firmware core) under the board's rules.

Three things differ from a free-standing `VirtualDevice`:

- a reboot (console `reboot`, the hub's `reset`, the end of an OTA) resets the *board*, so
  the bootloader checks the flash again before an app runs;
- an OTA writes the downloaded image to the board's flash (emulator.board.ota), after
  validating it, so the reboot that follows runs the new version;
- the version in the boot line is the flashed image's, and the configuration (NVS on a
  chip) belongs to the board, so it survives reflashing the app.

Each app is stepped by its own `Ticker` task, so the board can stop it at any await point
(cancel the task) before the core is freed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from emulator.device import Clock, VirtualDevice
from emulator.swarm import Ticker

OtaHandler = Callable[[str], Awaitable[tuple[bool, str]]]


class BoardDevice(VirtualDevice):
    """A virtual device whose reboots and OTAs go to the board.

    It hooks the shell's action dispatch (`_act`): VirtualDevice has no public hook for
    these two actions yet.
    """

    def __init__(
        self,
        *args: Any,
        on_reboot: Callable[[], None],
        on_config: Callable[[str], None],
        on_ota: OtaHandler,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self._on_reboot = on_reboot
        self._on_config = on_config
        self._on_ota = on_ota

    def _act(self, action: str, now: int) -> None:
        verb, _, argument = action.partition(" ")
        if verb == "reboot":
            self._drain_serial()  # "rebooting" reaches the console before the reset
            self._on_reboot()
            return
        if verb == "ota":
            self._spawn(self._ota(argument))
            return
        super()._act(action, now)
        if verb == "save_config" and self.saved_config is not None:
            self._on_config(self.saved_config)

    async def _ota(self, url: str) -> None:
        ok, reason = await self._on_ota(url)
        self.core.ota_result(int(ok), reason, self.clock.now_ms())


class RunningApp:
    """One started app: the device, its ticker task, and how to stop it."""

    def __init__(
        self,
        *,
        mac: bytes,
        version: str,
        board: str,
        config: str | None,
        write: Callable[[str], None],
        on_reboot: Callable[[], None],
        on_config: Callable[[str], None],
        on_ota: OtaHandler,
    ) -> None:
        clock = Clock()
        self.device = BoardDevice(
            mac,
            clock,
            config=json.loads(config) if config else None,
            version=version,
            board=board,
            on_reboot=on_reboot,
            on_config=on_config,
            on_ota=on_ota,
        )
        self.device.serial_listeners.append(write)
        ticker = Ticker(clock)
        ticker.devices.append(self.device)
        self._task = asyncio.get_running_loop().create_task(ticker.run())

    def serial_line(self, line: str) -> None:
        self.device.serial_line(line)

    def stop(self) -> asyncio.Task[None]:
        """Silence the app at once; its teardown finishes in the returned task."""
        self.device.serial_listeners.clear()
        self._task.cancel()
        return asyncio.get_running_loop().create_task(self._teardown())

    async def _teardown(self) -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await self.device.close()
