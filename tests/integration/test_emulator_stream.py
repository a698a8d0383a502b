"""A virtual device on a real hub: it registers, streams at 20 Hz, and taps show in one frame."""

import asyncio
import time

from grouploop.frame import is_frame
from tests.support.timing import scaled

RATE_HZ = 20
WINDOW_S = 5.0


async def first_frame(sub, device_id):
    return await sub.wait_line(lambda line: is_frame(line) and line[:4] == device_id, scaled(10))


async def test_device_registers_and_streams_at_20_hz(virtual_devices, subscriber):
    sub = await subscriber()
    device = (await virtual_devices(1, seed="stream")).devices[0]
    await first_frame(sub, device.device_id)
    assert (await sub.command(device.device_id, "status")) == "cmd:result:success"  # registered

    start = time.monotonic()
    await asyncio.sleep(WINDOW_S)  # the measurement window itself
    frames = [t for t, _ in sub.frames(device.device_id, since=start) if t < start + WINDOW_S]
    expected = RATE_HZ * WINDOW_S
    assert abs(len(frames) - expected) <= 0.1 * expected, f"{len(frames)} frames in {WINDOW_S} s"
    # Frames carry the device's sensors: gravity on z (1 g -> about 191 of 255).
    _, frame = sub.frames(device.device_id, since=start)[-1]
    assert 180 <= frame.az <= 200


async def test_each_tap_sets_the_tap_byte_in_exactly_one_frame(virtual_devices, subscriber):
    sub = await subscriber()
    device = (await virtual_devices(1, seed="taps")).devices[0]
    await first_frame(sub, device.device_id)
    start = time.monotonic()
    for _ in range(3):
        device.tap()
        seen = len(sub.lines)
        await sub.wait_line(
            lambda line: is_frame(line) and line[:4] == device.device_id and line.endswith("ff"),
            scaled(2),
            seen,
        )
        await asyncio.sleep(0.3)  # leave several frames between taps
    frames = [f for _, f in sub.frames(device.device_id, since=start)]
    assert len(frames) >= 15
    assert sum(f.tapped for f in frames) == 3
    assert {f.tap for f in frames} == {0, 255}
