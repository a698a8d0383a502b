"""Many virtual devices in one process, stepped by one shared timer loop.

A task per device would cost a wake-up per device per tick; one `Ticker` steps every device
in turn instead, on a fixed cadence that does not drift (a late tick is not made up in a
burst: the core's clocks catch up by themselves on the next tick).

A device whose step raises is halted (logged with its traceback, its link dropped) and the
others go on: one faulty device never stops a swarm or the board it runs on.

Several hubs: a swarm given an ordered list of hub URLs provisions it as every device's
`hub_url`, and the firmware core fails over along it (firmware/core/gl_connection.h). With
`spread_hubs=True` device k gets the list rotated to start at URL k mod N (`hub_order`), so the
devices start spread evenly over the hubs and each fails over in the same order from there.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emulator.device import Clock, VirtualDevice
from emulator.sensors import PathLoss, Sensors

MAX_DEVICES = 65536  # the device id is the last two bytes of the MAC
SMALL_SWARM = 10


def mac_for(seed: int | str, index: int) -> bytes:
    """The MAC of device `index` of a swarm: unique for every index, reproducible by seed.

    The first byte marks a locally administered unicast address; the last two bytes (the
    device id) count up from a seeded start, so no two devices of a swarm share an id.
    """
    if not 0 <= index < MAX_DEVICES:
        raise ValueError(f"device index {index} out of range 0..{MAX_DEVICES - 1}")
    rng = random.Random(f"grouploop-mac-{seed}")
    middle = rng.randbytes(3)
    low = (rng.randrange(MAX_DEVICES) + index) % MAX_DEVICES
    return bytes([0x02]) + middle + low.to_bytes(2, "big")


VIRTUAL_SSID = "grouploop-virtual"

#: One hub URL, or an ordered list of them to fail over along (the firmware's `hub_url`).
HubUrls = str | Sequence[str]


def hub_order(hub_url: HubUrls, index: int) -> list[str]:
    """The hub list of device `index` when a swarm spreads over the hubs: the list rotated to
    start at URL index mod N, in the same order from there (device 0: the list as given)."""
    hubs = [hub_url] if isinstance(hub_url, str) else list(hub_url)
    if not hubs:
        raise ValueError("no hub URL given")
    start = index % len(hubs)
    return hubs[start:] + hubs[:start]


def device_config(hub_url: HubUrls, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The configuration provisioned into a virtual device: a network, its hub(s), overrides.

    Keys are the firmware's (firmware/core/gl_config.h); the core validates them. One hub is
    written as a string, several as the ordered list the device fails over along.
    """
    hubs = hub_order(hub_url, 0)
    hub = hubs[0] if len(hubs) == 1 else hubs
    return {"wifi_ssid": VIRTUAL_SSID, "hub_url": hub, **(extra or {})}


@dataclass
class Counters:
    """Totals over a swarm; the summary line shows their rates."""

    devices: int = 0
    connected: int = 0
    frames: int = 0
    answers: int = 0
    max_lag_ms: float = 0.0


class Ticker:
    """Steps a set of devices every `period_ms` from one task."""

    def __init__(self, clock: Clock, period_ms: float = 5.0) -> None:
        self.clock = clock
        self.period_s = period_ms / 1000.0
        self.devices: list[VirtualDevice] = []
        self.max_lag_ms = 0.0  # worst tick lateness since the last `take_max_lag`

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            now = self.clock.now_ms()
            for device in self.devices:
                if device.fault is None:
                    await self._step(device, now)
            due += self.period_s
            if loop.time() > due:  # this tick overran the next one: go on at once, no burst
                self._late(loop.time() - due)
                due = loop.time()
            await asyncio.sleep(due - loop.time())
            self._late(loop.time() - due)  # the wake-up itself may be late (a busy machine)

    @staticmethod
    async def _step(device: VirtualDevice, now: int) -> None:
        try:
            await device.step(now)
        except Exception as exc:  # contained: the other devices must keep running
            print(
                f"[ERROR] device {device.mac[-2:].hex()} halted:\n{traceback.format_exc()}",
                file=sys.stderr,
                flush=True,
            )
            device.halt(f"{type(exc).__name__}: {exc}")

    def _late(self, seconds: float) -> None:
        self.max_lag_ms = max(self.max_lag_ms, seconds * 1000.0)

    def take_max_lag(self) -> float:
        lag, self.max_lag_ms = self.max_lag_ms, 0.0
        return lag


class Swarm:
    """Devices `first`..`first+count-1` of a seeded swarm, on one hub or a list of hubs."""

    def __init__(
        self,
        hub_url: HubUrls,
        count: int,
        *,
        spread_hubs: bool = False,
        seed: int | str = 0,
        first: int = 0,
        tick_ms: float | None = None,
        tap_rate_hz: float = 0.0,
        config: dict[str, Any] | None = None,
        state_dir: Path | None = None,
        positions: Sequence[tuple[float, float]] = (),
        rssi_noise_db: float | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> None:
        """`hub_url`: one URL or an ordered list (every device fails over along it); with
        `spread_hubs` device `index` starts at URL index mod N (`hub_order`).
        `secrets`: device id → its hub secret (`device_secret`), for a hub with auth on."""
        self.clock = Clock()
        # A few devices tick every 5 ms (snappy consoles and patterns); a crowd every 10 ms,
        # which still holds the 50 ms frame cadence and halves the cost. The console output
        # of a crowd is rarely read: it is drained every 100 ms.
        small = count <= SMALL_SWARM
        self.ticker = Ticker(self.clock, tick_ms or (5.0 if small else 10.0))
        serial_period_ms = 0 if small else 100
        for index in range(first, first + count):
            mac = mac_for(seed, index)
            # Device `index` stands at positions[index] when there is one, else it walks.
            position = positions[index] if index < len(positions) else None
            path_loss = PathLoss() if rssi_noise_db is None else PathLoss(noise_db=rssi_noise_db)
            sensors = Sensors.seeded(
                f"{seed}-{index}", tap_rate_hz=tap_rate_hz, position=position, path_loss=path_loss
            )
            path = state_dir / f"{mac.hex()}.json" if state_dir is not None else None
            secret = (secrets or {}).get(mac[-2:].hex())
            extra = {**(config or {}), **({"device_secret": secret} if secret else {})}
            self.ticker.devices.append(
                VirtualDevice(
                    mac,
                    self.clock,
                    config=device_config(hub_order(hub_url, index if spread_hubs else 0), extra),
                    config_path=path,
                    sensors=sensors,
                    serial_period_ms=serial_period_ms,
                )
            )
        self._task: asyncio.Task[None] | None = None

    @property
    def devices(self) -> list[VirtualDevice]:
        return self.ticker.devices

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self.ticker.run())

    def counters(self) -> Counters:
        devices = self.devices
        return Counters(
            devices=len(devices),
            connected=sum(d.connected for d in devices),
            frames=sum(d.frames_sent for d in devices),
            answers=sum(d.answers_sent for d in devices),
            max_lag_ms=self.ticker.take_max_lag(),
        )

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await asyncio.gather(*(d.close() for d in self.devices), return_exceptions=True)
