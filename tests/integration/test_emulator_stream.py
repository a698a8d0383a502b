"""A virtual device on a real hub: it registers, streams at 20 Hz, and taps show in one frame."""

import asyncio

from tests.fixtures.devices import first_frame, frames_of, more_frames, subscribe
from tests.support.timing import scaled

RATE_HZ = 20
WINDOW_S = 5.0


async def test_device_registers_and_streams_at_20_hz(hub, hub_client, virtual_devices):
    sub = await subscribe(await hub_client())
    device = (await virtual_devices(1, seed="stream")).devices[0]
    await first_frame(sub, device.device_id)
    assert await sub.ask(f"cmd:{device.device_id}:status") == "cmd:result:success"  # registered

    start = len(sub.lines)
    await asyncio.sleep(WINDOW_S)  # the measurement window itself
    count = len(frames_of(sub, device.device_id, start))
    expected = RATE_HZ * WINDOW_S
    assert abs(count - expected) <= 0.1 * expected, f"{count} frames in {WINDOW_S} s"
    # Frames carry the device's sensors: gravity on z (1 g is byte 191 of 0..255).
    assert 180 <= frames_of(sub, device.device_id, start)[-1].az <= 200


async def test_each_tap_sets_the_tap_byte_in_exactly_one_frame(hub, hub_client, virtual_devices):
    sub = await subscribe(await hub_client())
    device = (await virtual_devices(1, seed="taps")).devices[0]
    await first_frame(sub, device.device_id)
    start = len(sub.lines)
    for _ in range(3):
        seen = len(sub.lines)
        device.tap()
        tapped, _ = await sub.wait_for(
            lambda line: line[:4] == device.device_id and line.endswith("ff") and len(line) == 20,
            seen,
            scaled(2),
        )
        await more_frames(sub, {device.device_id}, 6, tapped + 1, scaled(2))  # untapped ones
    frames = frames_of(sub, device.device_id, start)
    assert len(frames) >= 15
    assert sum(f.tapped for f in frames) == 3
    assert {f.tap for f in frames} == {0, 255}
