"""Every command sent through a real hub changes what a virtual device reports.

Each command goes `cmd:<id>:<command>` into the hub; the device's `ans:` answer comes back to
the subscriber, and the LED state / status answers and the device's outputs (pixels,
brightness, motor) show the change. The behaviour is the firmware core's, not Python's.
"""

import time

import pytest

from grouploop.esp.image import build_stand_in_image
from tests.fixtures.devices import ask_device, first_frame, subscribe
from tests.support.timing import scaled


@pytest.fixture
async def rig(hub, hub_client, virtual_devices):
    sub = await subscribe(await hub_client())
    device = (await virtual_devices(1, seed="commands")).devices[0]
    await first_frame(sub, device.device_id)

    async def ask(command):
        answer = await ask_device(sub, device.device_id, command)
        assert answer["ok"], answer
        return answer.get("data")

    return sub, device, ask


async def test_led_colour_pattern_and_brightness(rig):
    _, device, ask = rig
    await ask("brightness:255")
    await ask("led:ff0000")
    state = await ask("led_get_state")
    assert state["pattern"] == "solid" and state["leds"] == ["ff0000"] * 6
    assert device.pixels == [(255, 0, 0)] * 6

    await ask("brightness:64")
    assert (await ask("led_get_state"))["brightness"] == 64
    assert device.brightness == 64
    assert all(0 < r < 255 and g == b == 0 for r, g, b in device.pixels)

    await ask("pattern:cycle")
    assert (await ask("status"))["pattern"] == "cycle"
    first = device.pixels
    await device.wait_for(lambda: device.pixels != first, scaled(2))  # the pattern runs

    await ask("pattern:off")
    assert (await ask("led_get_state"))["pixels"] == ["000000"] * 6
    await device.wait_for(lambda: device.pixels == [(0, 0, 0)] * 6, scaled(1))


async def test_per_led_commands(rig):
    _, device, ask = rig
    await ask("brightness:255")
    await ask("led:0000ff")
    await ask("led_set:3:00ff00")
    state = await ask("led_get_state")
    assert state["leds"] == ["0000ff"] * 3 + ["00ff00"] + ["0000ff"] * 2
    assert device.pixels[3] == (0, 255, 0) and device.pixels[2] == (0, 0, 255)

    await ask("led_off:3")
    assert (await ask("led_get_state"))["leds"][3] == "000000"
    await ask("led_all_off")
    assert (await ask("led_get_state"))["leds"] == ["000000"] * 6
    assert device.pixels == [(0, 0, 0)] * 6

    await ask("spring_param:10050a")
    assert (await ask("led_get_state"))["spring"] == "10050a"


async def test_vibration_runs_for_its_duration_then_stops(rig):
    _, device, ask = rig
    assert not device.motor_on
    started = time.monotonic()  # before the device can start the motor
    await ask("vibrate:800")
    assert (await ask("status"))["motor"] is True
    await device.wait_for(lambda: not device.motor_on, scaled(3))
    elapsed = time.monotonic() - started
    # At least the 800 ms asked for (1 ms of clock rounding); the slack above is scaled for
    # the round trip through the hub on a loaded machine.
    assert 0.79 <= elapsed < 0.8 + scaled(0.5)
    assert (await ask("status"))["motor"] is False


async def test_status_answer_describes_the_device(rig):
    _, device, ask = rig
    status = await ask("status")
    assert status["id"] == device.device_id and status["link"] == "online"
    assert status["hub_url"] == device.status["hub_url"]
    assert len(status["rssi"]) == 4 and all(-100 <= r <= -20 for r in status["rssi"])


async def test_invalid_parameters_are_refused_by_the_device_and_change_nothing(rig):
    sub, device, ask = rig
    before = (await ask("led_get_state"))["leds"]  # the set colours (pixels breathe)
    answer = await ask_device(sub, device.device_id, "led_set:9:ff0000")
    assert answer == {"cmd": "led_set", "ok": False, "error": "invalid_parameters"}
    assert (await ask("led_get_state"))["leds"] == before


async def test_reset_reboots_and_the_device_comes_back(rig):
    sub, device, ask = rig
    await ask("reset")
    await device.wait_for(lambda: device.boots == 2, scaled(2))
    start = len(sub.lines)
    await sub.wait_for(lambda line: line.startswith(device.device_id), start, scaled(10))
    assert (await ask("status"))["uptime_ms"] < 10_000


async def test_ota_from_the_cdn(hub, hub_client, virtual_devices, cdn, signing_keys):
    sub = await subscribe(await hub_client())
    swarm = await virtual_devices(1, seed="ota", config={"cdn_url": cdn.url})
    device = swarm.devices[0]
    await first_frame(sub, device.device_id)
    cdn.firmware_dir.mkdir(parents=True, exist_ok=True)
    image = cdn.firmware_dir / "next.bin"
    image.write_bytes(build_stand_in_image("99.0.0", "seeed_xiao_esp32c3"))
    signing_keys.sign(image)
    start = len(sub.lines)
    answer = await ask_device(sub, device.device_id, f"ota:{cdn.url}/firmware/next.bin")
    assert answer["data"]["state"] == "in_progress", answer
    _, line = await sub.wait_for(lambda line: '"cmd":"ota_result"' in line, start, scaled(10))
    assert '"ok":true' in line
    await device.wait_for(lambda: device.boots == 2, scaled(5))  # rebooted into the update


async def test_ota_failure_keeps_the_running_image(hub, hub_client, virtual_devices, cdn):
    sub = await subscribe(await hub_client())
    device = (await virtual_devices(1, seed="ota", config={"cdn_url": cdn.url})).devices[0]
    await first_frame(sub, device.device_id)

    async def ask(command):
        answer = await ask_device(sub, device.device_id, command)
        assert answer["ok"], answer
        return answer.get("data")

    start = len(sub.lines)
    await ask(f"ota:{cdn.url}/firmware/missing.bin")
    _, line = await sub.wait_for(lambda line: '"cmd":"ota_result"' in line, start, scaled(10))
    assert '"ok":false' in line and "http_404" in line
    assert device.boots == 1
    assert (await ask("status"))["ota"]["state"] == "failed"
