"""The app a board boots: the virtual device (the real firmware core) under the board's rules.

Two things differ from a free-standing `VirtualDevice`:

- a reboot (console `reboot`, the hub's `reset`, the end of an OTA) resets the *board*, so
  the bootloader checks the flash again before an app runs;
- the version in the boot line is the flashed image's, and the configuration (NVS on a
  chip) belongs to the board, so it survives reflashing the app.

Each app is stepped by its own `Ticker` task, so the board can stop it at any await point
(cancel the task) before the core is freed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from emulator.device import Clock, VirtualDevice
from emulator.swarm import Ticker


class BoardDevice(VirtualDevice):
    """A virtual device whose reboots go to the board (`on_reboot`) instead of itself."""

    def __init__(
        self, *args: Any, on_reboot: Callable[[], None], on_config: Callable[[str], None], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self._on_reboot = on_reboot
        self._on_config = on_config

    def _act(self, action: str, now: int) -> None:
        verb = action.partition(" ")[0]
        if verb == "reboot":
            self._drain_serial()  # "rebooting" reaches the console before the reset
            self._on_reboot()
            return
        super()._act(action, now)
        if verb == "save_config" and self.saved_config is not None:
            self._on_config(self.saved_config)


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
