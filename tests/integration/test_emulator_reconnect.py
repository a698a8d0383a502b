"""After the hub restarts on the same port, a virtual device is back and streaming.

When it reconnects is the firmware core's backoff (base 0.5 s, doubling, capped at 30 s,
with jitter); the test allows the cap plus the time the new hub takes to start.
"""

import asyncio
import time

from tests.fixtures.devices import more_frames, subscribe
from tests.support.timing import scaled

BACKOFF_CAP_S = 30.0


async def test_device_streams_again_after_a_hub_restart(start_hub, ws_client, virtual_devices):
    hub = await asyncio.to_thread(start_hub)  # in a thread: the devices keep ticking
    device = (await virtual_devices(1, hub_url=hub.url, seed="restart")).devices[0]
    await device.wait_for(lambda: device.frames_sent > 0, scaled(10))

    await asyncio.to_thread(hub.stop)
    await device.wait_for(lambda: not device.connected, scaled(5))
    down = time.monotonic()

    again = await asyncio.to_thread(start_hub, "--port", str(hub.service.port))
    assert again.url == hub.url
    sub = await subscribe(await ws_client(again.url))
    await sub.wait_for(
        lambda line: line[:4] == device.device_id and len(line) == 20,
        timeout=scaled(BACKOFF_CAP_S + 5),
    )
    assert time.monotonic() - down < BACKOFF_CAP_S + 5
    await more_frames(sub, {device.device_id}, 15, len(sub.lines), scaled(5))  # streaming again
    assert device.status["reconnects"] >= 1
