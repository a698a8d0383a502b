"""The app a board boots: the virtual device (the real firmware core) under the board's rules.

Three things differ from a free-standing `VirtualDevice`, through its hooks:

- a reboot (console `reboot`, the hub's `reset`, the end of an OTA) resets the *board*, so
  the bootloader checks the flash again before an app runs;
- an OTA download stops at the board's slot size, and an image the core accepted is written
  to the board's flash (emulator.board.ota), after validating it, so the reboot that follows
  runs the new version;
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

from emulator.device import Clock, Installer, VirtualDevice
from emulator.swarm import Ticker


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
        on_install: Installer,
        ota_limit: int,
    ) -> None:
        clock = Clock()
        self.device = VirtualDevice(
            mac,
            clock,
            config=json.loads(config) if config else None,
            version=version,
            board=board,
            on_reboot=on_reboot,
            on_config=on_config,
            on_install=on_install,
            ota_limit=ota_limit,
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
