"""What each web app does, in headless chromium against a real hub, CDN and emulated devices
(the firmware core in `grouploop emulate`). Each test saves a screenshot of its page under
test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from cdn import manifest
from grouploop import signing
from grouploop.esp.image import write_stand_in_image
from tests.fixtures.browser import HubWatch, OpenPage, WebStack
from tests.support.timing import scaled

VALUE_FIELDS = ["ax", "ay", "az", "NW", "NE", "SE", "SW"]
BOARD = "seeed_xiao_esp32c3"


def test_socket_client_shows_an_emulated_device_and_its_changing_values(
    open_page: Callable[..., OpenPage], emulated: Callable[[int, str], list[str]]
) -> None:
    (device,) = emulated(1, "socket-client")
    opened = open_page("socket-client")
    page = opened.page
    row = page.locator(f'tr[data-device="{device}"]')
    expect(row.locator('[data-field="az"]')).not_to_have_text("")

    def values() -> list[str]:
        return [row.locator(f'[data-field="{field}"]').inner_text() for field in VALUE_FIELDS]

    first = values()
    # The emulated device walks in the room: its beacon RSSI and acceleration move.
    page.wait_for_function(
        """([id, first]) => {
          const row = document.querySelector(`tr[data-device="${id}"]`);
          const now = ["ax", "ay", "az", "NW", "NE", "SE", "SW"]
            .map((f) => row.querySelector(`[data-field="${f}"]`).textContent);
          return now.some((value, i) => value !== first[i]);
        }""",
        arg=[device, first],
        timeout=scaled(10) * 1000,
    )
    assert -2 <= float(first[2]) <= 2 and all(-100 <= float(v) <= -40 for v in first[3:])

    # A command typed in the box reaches the device; the hub's and the device's answers show.
    page.fill("#target", device)
    page.fill("#command", "status")
    page.click("#command-form button")
    log = page.locator("#log")
    expect(log).to_contain_text("hub: success")
    expect(log).to_contain_text(f'ans:{device}:{{"cmd":"status","ok":true')
    expect(row.locator('[data-field="answer"]')).to_have_text("status: ok")

    # A command that commands.json refuses is explained and never sent.
    page.fill("#command", "brightness:300")
    page.click("#command-form button")
    expect(page.locator("#command-error")).to_contain_text("must be <= 255")
    expect(log).not_to_contain_text("sent cmd:" + device + ":brightness")
    opened.screenshot("socket-client")
    assert opened.errors == []


def test_device_control_sets_the_leds_of_the_selected_devices_only(
    open_page: Callable[..., OpenPage],
    emulated: Callable[[int, str], list[str]],
    hub_watch: Callable[[], HubWatch],
) -> None:
    first, second, third = emulated(3, "device-control")
    watch = hub_watch()
    before = {d: watch.ask_device(d, "led_get_state")["data"] for d in (first, second, third)}
    assert all(state["leds"] != ["00c864"] * 6 for state in before.values())

    opened = open_page("device-control")
    page = opened.page
    for device in (first, second):
        page.locator(f'tr[data-device="{device}"] input[type="checkbox"]').check()
    expect(page.locator("#target-summary")).to_contain_text("2 devices")
    page.locator("#color").fill("#00c864")
    page.click("#send-color")

    # The page asked for their LED state after the command and shows it per device. Waiting
    # for that first also orders the test's own questions below after the page's command.
    for device in (first, second):
        row = page.locator(f'tr[data-device="{device}"]')
        expect(row).to_have_attribute("data-leds", ",".join(["00c864"] * 6))
        expect(row.locator('[data-field="pattern"]')).to_have_text("solid")

    # What the devices themselves report, asked through the hub by the test.
    for device in (first, second):
        state = watch.ask_device(device, "led_get_state")["data"]
        assert state["leds"] == ["00c864"] * 6 and state["pattern"] == "solid"
    assert watch.ask_device(third, "led_get_state")["data"]["leds"] == before[third]["leds"]
    third_row = page.locator(f'tr[data-device="{third}"]')
    expect(third_row).to_have_attribute("data-leds", ",".join(before[third]["leds"]))
    expect(third_row.locator('[data-field="firmware"]')).not_to_have_text("")
    opened.screenshot("device-control")
    assert opened.errors == []


def test_device_emulator_page_is_a_streaming_device_that_shows_its_leds(
    open_page: Callable[..., OpenPage],
    web_stack: WebStack,
    hub_watch: Callable[[], HubWatch],
    emulated: Callable[[int, str], list[str]],
) -> None:
    watch = hub_watch()
    opened = open_page("device-emulator", "id=e1e1", mobile=True)
    page = opened.page
    web_stack.wait_devices({"e1e1"}, frames=20)  # listed in /devices and streaming
    frames = web_stack.hub_devices()["e1e1"]["frames"]
    web_stack.wait_devices({"e1e1"}, frames=frames + 10)

    answer = watch.ask_device("e1e1", "led:ff8000")
    assert answer == {"cmd": "led", "ok": True}
    # ff8000 at the default brightness 64 → 0x40 0x20 0x00 on every LED, as the firmware.
    leds = page.locator("#ring .led")
    expect(leds).to_have_count(6)
    for index in range(6):
        expect(leds.nth(index)).to_have_attribute("data-color", "402000")
    expect(page.locator("#led-state")).to_contain_text("solid, colours #ff8000")
    assert watch.ask_device("e1e1", "led_get_state")["data"]["pixels"] == ["402000"] * 6

    # The tap button sets the tap byte of one frame; dragging moves the beacon distances.
    start = len(watch.lines)
    page.click("#tap")
    watch.wait_line(lambda line: line.startswith("e1e1") and line.endswith("ff"), start)
    room = page.locator("#room").bounding_box()
    assert room is not None
    start = len(watch.lines)
    page.mouse.move(room["x"] + room["width"] / 2, room["y"] + room["height"] / 2)
    page.mouse.down()
    page.mouse.move(room["x"] + 5, room["y"] + 5, steps=8)
    page.mouse.up()
    # Near the NW beacon: its RSSI byte (5th) is the strongest of the four.
    watch.wait_line(
        lambda line: line.startswith("e1e1") and int(line[10:12], 16) > int(line[16:18], 16) + 40,
        start,
    )
    # The browser device answers as the firmware core does: same fields, same shapes.
    (firmware,) = emulated(1, "answer-shapes")
    for command in ("status", "led_get_state"):
        ours = watch.ask_device("e1e1", command)["data"]
        theirs = watch.ask_device(firmware, command)["data"]
        assert set(ours) == set(theirs), command
        assert {k: type(v) for k, v in ours.items()} == {k: type(v) for k, v in theirs.items()}
    opened.screenshot("device-emulator")
    assert opened.errors == []


def test_simulator_devices_are_devices_of_the_hub_and_follow_commands(
    open_page: Callable[..., OpenPage], web_stack: WebStack, hub_watch: Callable[[], HubWatch]
) -> None:
    already = set(web_stack.hub_devices())
    opened = open_page("simulator", "count=5&behaviour=wander")
    page = opened.page
    expect(page.locator("#connected")).to_have_text("5")
    expect(page.locator("#streaming")).to_have_text("5")
    devices = web_stack.wait_hub(lambda devices: len(set(devices) - already) == 5)
    new = set(devices) - already
    web_stack.wait_devices(new, frames=20)

    watch = hub_watch()
    for device in sorted(new):
        assert watch.ask_device(device, "led:ff0000") == {"cmd": "led", "ok": True}
        state = watch.ask_device(device, "led_get_state")["data"]
        assert state["leds"] == ["ff0000"] * 6 and state["pattern"] == "solid"

    opened.screenshot("simulator")

    # Fewer devices: the page closes the others' connections and the hub forgets them.
    page.fill("#count", "2")
    page.click("#swarm-form button")
    expect(page.locator("#connected")).to_have_text("2")
    expect(page.locator("#streaming")).to_have_text("2", timeout=scaled(10) * 1000)
    assert opened.errors == []


def test_device_control_updates_a_device_to_a_build_the_cdn_publishes(
    open_page: Callable[..., OpenPage],
    web_stack: WebStack,
    emulated: Callable[[int, str], list[str]],
    hub_watch: Callable[[], HubWatch],
) -> None:
    image = write_stand_in_image(web_stack.tmp / "ota" / "app.bin", "9.8.7", BOARD)
    assert image is not None
    name = f"grouploop-{BOARD}-9.8.7.bin"
    manifest.publish(
        web_stack.tmp / "ota" / "app.bin",
        web_stack.cdn.firmware_dir,
        board=BOARD,
        version="9.8.7",
        stand_in=True,
        name=name,
        key=signing.load_key(signing.default_key_path()),  # the session's (tests.fixtures)
    )
    (device,) = emulated(1, "device-control-ota")
    watch = hub_watch()
    opened = open_page("device-control")
    page = opened.page
    expect(page.locator("#ota option")).to_contain_text([f"9.8.7 · {BOARD} (stand-in)"])
    page.locator(f'tr[data-device="{device}"] input[type="checkbox"]').check()
    start = len(watch.lines)
    page.click("#send-ota")
    expect(page.locator("#log")).to_contain_text(
        f"sent cmd:{device}:ota:{web_stack.cdn.url}/firmware/{name}"
    )
    # The device fetched the image from the CDN and reported the update as done.
    result = watch.wait_line(
        lambda line: line.startswith(f"ans:{device}:") and '"state":"succeeded"' in line,
        start,
        timeout=15,
    )
    opened.screenshot("device-control-ota")
    assert '"ok":true' in result, result
    assert opened.errors == []
