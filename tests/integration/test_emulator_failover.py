"""Virtual devices given several hubs fail over along the list when their hub dies.

Real, independent hub processes (no broker: failover needs none). The firmware core moves a
device to the next URL once its hub fails it, after the usual backoff: the first retry after a
lost link comes within 0.5 s, so every device streams on the survivor within a few seconds.
"""

from __future__ import annotations

import asyncio
import time

from emulator.swarm import Swarm
from tests.fixtures.devices import more_frames, subscribe
from tests.fixtures.hub import UNREACHABLE_CDN
from tests.support.timing import scaled

#: Nothing listens on port 1 of the loopback: a hub URL that refuses at once.
DEAD_HUB = UNREACHABLE_CDN.replace("http://", "ws://", 1)
DEVICES = 6


async def test_spread_devices_come_back_on_the_other_hub_after_a_kill_9(start_hub, ws_client):
    a, b = await asyncio.gather(asyncio.to_thread(start_hub), asyncio.to_thread(start_hub))
    swarm = Swarm([a.url, b.url], DEVICES, spread_hubs=True, seed="failover")
    swarm.start()
    try:
        devices = swarm.devices
        for device in devices:
            await device.wait_for(lambda d=device: d.frames_sent > 0, scaled(10))
        # Device k starts at hub k mod 2.
        assert [d.status["hub_url"] for d in devices] == [a.url, b.url] * (DEVICES // 2)
        sub = await subscribe(await ws_client(b.url))

        a.service.process.kill()  # SIGKILL: no close handshake, the kernel resets the sockets
        killed = time.monotonic()
        ids = {d.device_id for d in devices}
        await more_frames(sub, ids, 5, 0, scaled(10))
        print(f"all {DEVICES} devices streaming on the survivor {time.monotonic() - killed:.2f} s")
        assert {d.status["hub_url"] for d in devices} == {b.url}
        # Only the devices of the killed hub moved; those on the survivor stayed.
        assert [d.status["reconnects"] for d in devices] == [1, 0] * (DEVICES // 2)
    finally:
        await swarm.close()


async def test_emulate_takes_several_hubs_and_skips_an_unreachable_one(
    start_hub, ws_client, emulate_process
):
    hub = await asyncio.to_thread(start_hub)
    sub = await subscribe(await ws_client(hub.url))
    service = await asyncio.to_thread(emulate_process, 3, "--hub", hub.url, hub_url=DEAD_HUB)
    assert service.url == DEAD_HUB  # [READY] names the first hub of the list
    streamed: set[str] = set()

    def three_devices(line: str) -> bool:
        if len(line) == 20:
            streamed.add(line[:4])
        return len(streamed) == 3

    await sub.wait_for(three_devices, timeout=scaled(15))
