"""Command amplification: many clients sending `cmd:all:status` flat out must not cost the
devices their frames (before: 20 clients x 200/s cut a subscriber's frames from 400 to 81/s)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from grouploop.frame import is_frame
from tests.fixtures.devices import first_frame, subscribe
from tests.fixtures.hub import HubProcess
from tests.support.timing import scaled

DEVICES = 2
ATTACKERS = 10
#: Commands per second each attacker sends: within the per-connection line limit (200/s).
PER_SECOND = 200
WINDOW_S = 3.0


async def attack(client: Any, stop: asyncio.Event) -> None:
    """`PER_SECOND` cmd:all:status a second, in 20 messages of 10 lines each."""
    while not stop.is_set():
        await client.send("\n".join(["cmd:all:status"] * (PER_SECOND // 20)))
        await asyncio.sleep(0.05)


async def test_command_floods_cost_the_devices_no_frames(
    hub: HubProcess, ws_client: Callable[..., Any], emulate_process: Callable[..., Any]
) -> None:
    emulate_process(DEVICES, hub_url=hub.url)
    viewer = await subscribe(await ws_client(hub.url))
    for device_id in await _device_ids(hub):
        await first_frame(viewer, device_id)
    attackers = [await ws_client(hub.url) for _ in range(ATTACKERS)]
    quiet = await _frame_rate(viewer, WINDOW_S)  # frames/s of the fleet, no attack
    stop = asyncio.Event()
    tasks = [asyncio.create_task(attack(a, stop)) for a in attackers]
    try:
        await asyncio.sleep(0.5)  # the attack is under way
        attacked = await _frame_rate(viewer, WINDOW_S)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    assert attacked >= 0.8 * quiet, f"{attacked:.0f} frames/s under attack, {quiet:.0f} before"
    answers = {line for a in attackers for line in a.lines}
    assert "cmd:error:rate_limited" in answers  # each client's own budget
    assert "cmd:error:fleet_rate_limited" in answers  # the fleet's
    # The devices still answered (within their own answer budget).
    assert any(line.startswith("ans:") for line in viewer.lines)


async def _device_ids(hub: HubProcess) -> list[str]:
    deadline = time.monotonic() + scaled(15)
    while time.monotonic() < deadline:
        devices = json.loads(hub.get("/devices")[2])["devices"]
        if len(devices) == DEVICES:
            return [d["id"] for d in devices]
        await asyncio.sleep(0.1)
    raise TimeoutError("the emulated devices did not register")


async def _frame_rate(viewer: Any, seconds: float) -> float:
    start = len(viewer.lines)
    await asyncio.sleep(seconds)
    return sum(is_frame(line) for line in viewer.lines[start:]) / seconds
