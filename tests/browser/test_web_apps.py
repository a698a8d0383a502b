"""What each web app does, in headless chromium against a real hub, CDN and emulated devices
(the firmware core in `grouploop emulate`). Each test saves a screenshot of its page under
test-artifacts/screenshots/."""

from __future__ import annotations

import re
import time
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
    open_page: Callable[..., OpenPage], emulated: Callable[..., list[str]]
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
    page.click("#command-form button[type=submit]")
    log = page.locator("#log")
    expect(log).to_contain_text("hub: success")
    expect(log).to_contain_text(f'ans:{device}:{{"cmd":"status","ok":true')
    expect(row.locator('[data-field="answer"]')).to_have_text("status: ok")

    # A command that commands.json refuses is explained and never sent.
    page.fill("#command", "brightness:300")
    page.click("#command-form button[type=submit]")
    expect(page.locator("#command-error")).to_contain_text("must be <= 255")
    expect(log).not_to_contain_text("sent cmd:" + device + ":brightness")
    opened.screenshot("socket-client")
    assert opened.errors == []


def test_device_control_sets_the_leds_of_the_selected_devices_only(
    open_page: Callable[..., OpenPage],
    emulated: Callable[..., list[str]],
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
        expect(row.locator('[data-field="pattern"]')).to_have_text("solid")

    # What the devices themselves report, asked through the hub by the test, is what shows.
    for device in (first, second):
        state = watch.ask_device(device, "led_get_state")["data"]
        assert state["leds"] == ["00c864"] * 6 and state["pattern"] == "solid"
        leds = page.locator(f'tr[data-device="{device}"] [data-field="leds"]')
        expect(leds).to_have_attribute("data-leds", ",".join(state["pixels"]))
    assert watch.ask_device(third, "led_get_state")["data"]["leds"] == before[third]["leds"]
    third_row = page.locator(f'tr[data-device="{third}"]')
    expect(third_row.locator('[data-field="pattern"]')).to_have_text(before[third]["pattern"])
    expect(third_row.locator('[data-field="firmware"]')).not_to_have_text("")
    opened.screenshot("device-control")
    assert opened.errors == []


def test_device_emulator_page_is_a_streaming_device_that_shows_its_leds(
    open_page: Callable[..., OpenPage],
    web_stack: WebStack,
    hub_watch: Callable[[], HubWatch],
    emulated: Callable[..., list[str]],
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


def test_simulator_joins_the_hub_only_on_start_and_its_devices_follow_commands(
    open_page: Callable[..., OpenPage], web_stack: WebStack, hub_watch: Callable[[], HubWatch]
) -> None:
    already = set(web_stack.hub_devices())
    opened = open_page("simulator", "count=5&behaviour=wander")
    page = opened.page
    # The swarm moves in the page and its own subscriber is connected, yet no device has
    # joined the hub: opening the tab must not add devices to a live installation.
    expect(page.locator("#simulated")).to_have_text("5")
    expect(page.locator("#connection")).to_have_text("connected")
    deadline = time.monotonic() + scaled(1.5)
    while time.monotonic() < deadline:  # a device that joins does so within milliseconds
        assert set(web_stack.hub_devices()) - already == set()  # (earlier tests' may leave)
        expect(page.locator("#connected")).to_have_text("0")
    page.click("#start")
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

    # A device clicked in the room is selected: its orientation is drawn beside the room.
    page.evaluate("() => window.Simulator.swarm.behaviour = 'still'")
    member = page.evaluate("() => window.Simulator.roomPosition(0)")
    canvas = page.locator("#room canvas").bounding_box()
    assert canvas is not None
    page.mouse.click(canvas["x"] + member["x"], canvas["y"] + member["y"])
    expect(page.locator("#selected-id")).to_have_text(member["id"])
    expect(page.locator("#selected-tilt")).to_contain_text("roll")
    opened.screenshot("simulator")

    # Fewer devices: the page closes the others' connections and the hub forgets them.
    page.fill("#count", "2")
    page.click("#swarm-form button")
    expect(page.locator("#connected")).to_have_text("2")
    expect(page.locator("#streaming")).to_have_text("2", timeout=scaled(10) * 1000)
    # Stop: every device leaves the hub, the swarm stays in the page.
    page.click("#start")
    expect(page.locator("#connected")).to_have_text("0")
    web_stack.wait_hub(lambda devices: not new & set(devices))
    expect(page.locator("#simulated")).to_have_text("2")
    assert opened.errors == []


def test_device_control_updates_a_device_to_a_build_the_cdn_publishes(
    open_page: Callable[..., OpenPage],
    web_stack: WebStack,
    emulated: Callable[..., list[str]],
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


def test_two_device_emulator_tabs_get_two_ids_and_each_obeys_only_its_own_commands(
    open_page: Callable[..., OpenPage], web_stack: WebStack, hub_watch: Callable[[], HubWatch]
) -> None:
    watch = hub_watch()
    first = open_page("device-emulator", mobile=True)
    second = first.new_tab(web_stack.apps["device-emulator"])  # same browser, another tab
    tabs = {}
    for tab in (first, second):
        expect(tab.page.locator("#device-id")).to_have_text(re.compile(r"^[0-9a-f]{4}$"))
        tabs[tab.page.locator("#device-id").inner_text()] = tab
    assert len(tabs) == 2, "both tabs took one id"
    (a, tab_a), (b, tab_b) = tabs.items()
    web_stack.wait_devices({a, b}, frames=5)

    for device, colour, shown in ((a, "ff0000", "400000"), (b, "00ff00", "004000")):
        assert watch.ask_device(device, f"led:{colour}") == {"cmd": "led", "ok": True}
        expect(tabs[device].page.locator("#ring .led").first).to_have_attribute("data-color", shown)
    # Each device has only what was sent to it.
    assert watch.ask_device(a, "led_get_state")["data"]["leds"] == ["ff0000"] * 6
    assert watch.ask_device(b, "led_get_state")["data"]["leds"] == ["00ff00"] * 6
    expect(tab_a.page.locator("#led-state")).to_contain_text("#ff0000")
    expect(tab_b.page.locator("#led-state")).to_contain_text("#00ff00")

    # A duplicated tab copies sessionStorage, so it starts with a's id: a live device uses
    # it, so the tab takes another and says so; a stays on the hub.
    copy = OpenPage.watch(first.page.context.new_page())
    copy.page.add_init_script(f"sessionStorage.setItem('grouploop.deviceId', '{a}')")
    copy.page.goto(web_stack.apps["device-emulator"])
    expect(copy.page.locator("#id-notice")).to_contain_text(f"already uses the id {a}")
    c = copy.page.locator("#device-id").inner_text()
    assert c not in (a, b)
    frames = web_stack.hub_devices()[a]["frames"]
    web_stack.wait_devices({c}, frames=5)
    web_stack.wait_devices({a}, frames=frames + 10)
    tab_a.screenshot("device-emulator", full_page=False)
    assert first.errors == second.errors == copy.errors == []


def test_device_emulator_taps_on_keys_offers_motion_only_with_readings_and_vibrates_after_a_touch(
    open_page: Callable[..., OpenPage], web_stack: WebStack, hub_watch: Callable[[], HubWatch]
) -> None:
    watch = hub_watch()
    opened = open_page("device-emulator", "id=d00d", mobile=True)
    page = opened.page
    web_stack.wait_devices({"d00d"}, frames=5)

    def tapped(start: int) -> str:
        return watch.wait_line(lambda line: line.startswith("d00d") and line.endswith("ff"), start)

    for key in ("t", "Space"):
        start = len(watch.lines)
        page.keyboard.press(key)
        tapped(start)

    # Asked to vibrate before any touch, the browser would refuse with a console error: the
    # page waits, says why, and vibrates for what is left once touched. The key presses
    # above were gestures, so this needs a fresh tab, whose vibrate() only records. (Not
    # page.evaluate before the touch: Playwright evaluates as a user gesture.)
    fresh = OpenPage.watch(page.context.new_page())
    fresh.page.add_init_script(
        "window.vibrations = []; navigator.vibrate = (ms) => window.vibrations.push(ms) > 0;"
    )
    fresh.page.goto(web_stack.apps["device-emulator"] + "?id=f00d")
    web_stack.wait_devices({"f00d"}, frames=5)
    assert watch.ask_device("f00d", "vibrate:3000") == {"cmd": "vibrate", "ok": True}
    expect(fresh.page.locator("#vibration-note")).to_be_visible()
    expect(fresh.page.locator("#motor")).to_have_text("motor on (vibrating)")
    fresh.page.locator("#room").click()
    expect(fresh.page.locator("#vibration-note")).to_be_hidden()
    (remaining,) = fresh.page.evaluate("window.vibrations")  # none before the touch
    assert 0 < remaining < 3000
    # After that first touch, vibrate goes straight to the motor.
    assert watch.ask_device("f00d", "vibrate:200") == {"cmd": "vibrate", "ok": True}
    fresh.page.wait_for_function("window.vibrations.length === 2")

    # Headless chromium has no motion sensors (it sends one reading without values): no
    # switch. Readings make it appear, and once switched on they are the accelerometer
    # (held on its side: rolled 90°).
    switch = page.locator("#motion-switch")
    expect(switch).to_be_hidden()
    # A phone's sensor streams readings (here 20 a second), so the one empty reading chromium
    # may still deliver late hides the switch for a moment at most.
    page.evaluate("""() => setInterval(() => window.dispatchEvent(new DeviceMotionEvent(
        "devicemotion", {accelerationIncludingGravity: {x: 0, y: 9.81, z: 0}})), 50)""")
    expect(switch).to_be_visible()
    page.locator("#motion").check()
    expect(page.locator("#source")).to_have_text("motion sensors")
    expect(page.locator("#tilt")).to_have_text(re.compile(r"roll (8\d|90)°"))
    assert opened.errors == fresh.errors == []
