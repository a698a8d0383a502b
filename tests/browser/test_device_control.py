"""Device control's room map, LED grid and truthful state, in headless chromium against a real
hub, CDN and emulated devices (the firmware core in `grouploop emulate`), checked through the
hub. Every request off this machine is blocked and fails the test (the `open_page` fixture)."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.sync_api import expect

from emulator.sensors import Room
from tests.fixtures.browser import HubWatch, OpenPage
from tests.support.timing import scaled

ROOM = Room()  # the emulator's room is the map's default room
# Where four emulated devices stand (the emulator's coordinates: metres, y to the north).
INSIDE = [(2.0, 6.0), (3.5, 5.0)]
OUTSIDE = [(8.0, 2.0), (7.0, 6.5)]


def positions_flags(points: list[tuple[float, float]]) -> list[str]:
    """Devices standing at `points`, their RSSI without noise: the map's estimate is then
    where they stand (within a frame byte's resolution), and a test knows where to click."""
    places = [flag for x, y in points for flag in ("--position", f"{x},{y}")]
    return ["--rssi-noise", "0", *places]


def on_map(point: tuple[float, float]) -> tuple[float, float]:
    """An emulator position as the map draws it: y to the south."""
    return point[0], ROOM.depth_m - point[1]


def wait_placed(page, devices: dict[str, tuple[float, float]], within_m: float = 0.5) -> None:
    """Wait until the map has put each device within `within_m` of where it stands."""
    wanted = {device: on_map(point) for device, point in devices.items()}
    page.wait_for_function(
        """([wanted, within]) => Object.entries(wanted).every(([id, [x, y]]) => {
          const item = document.querySelector(`#map-list [data-device="${id}"]`);
          return item && Math.hypot(item.dataset.x - x, item.dataset.y - y) < within;
        })""",
        arg=[wanted, within_m],
        timeout=scaled(15) * 1000,
    )


def on_page(page, point: tuple[float, float]) -> tuple[float, float]:
    """Where a room point (map coordinates, metres) is on the page, from the canvas's data."""
    canvas = page.locator("#map")
    box = canvas.bounding_box()
    data = canvas.evaluate("c => ({...c.dataset})")
    origin, scale = (float(data["originX"]), float(data["originY"])), float(data["scale"])
    return box["x"] + origin[0] + point[0] * scale, box["y"] + origin[1] + point[1] * scale


def drag_on_map(page, corner: tuple[float, float], other: tuple[float, float], shift=False):
    """Drag a rectangle on the map between two room points (map coordinates, metres)."""

    def client(point: tuple[float, float]) -> tuple[float, float]:
        return on_page(page, point)

    if shift:
        page.keyboard.down("Shift")
    page.mouse.move(*client(corner))
    page.mouse.down()
    page.mouse.move(*client(other), steps=6)
    page.mouse.up()
    if shift:
        page.keyboard.up("Shift")


def answered(watch: HubWatch, start: int, command: str) -> set[str]:
    """The devices whose answer to `command` reached the hub since line `start`."""
    devices = set()
    for line in watch.lines[start:]:
        if line.startswith("ans:"):
            _, device, body = line.split(":", 2)
            if json.loads(body)["cmd"] == command:
                devices.add(device)
    return devices


def test_a_rectangle_dragged_on_the_map_sends_to_exactly_the_devices_inside_it(
    open_page: Callable[..., OpenPage],
    emulated: Callable[..., list[str]],
    hub_watch: Callable[[], HubWatch],
) -> None:
    points = INSIDE + OUTSIDE
    ids = emulated(len(points), "map-drag", *positions_flags(points))
    inside, outside = set(ids[: len(INSIDE)]), set(ids[len(INSIDE) :])
    watch = hub_watch()
    opened = open_page("device-control")
    page = opened.page
    wait_placed(page, dict(zip(ids, points, strict=True)))

    # The rectangle spans the north-west of the map, where the INSIDE devices stand.
    drag_on_map(page, (0.2, 0.2), (5.2, 4.6))
    expect(page.locator("#target-summary")).to_contain_text("2 devices")
    start = len(watch.lines)
    page.locator("#color").fill("#12ab34")
    page.click("#send-color")
    watch.wait_line(lambda _line: answered(watch, start, "led") >= inside, start)
    for device in ids:
        state = watch.ask_device(device, "led_get_state")["data"]
        assert (state["leds"] == ["12ab34"] * 6) == (device in inside), (device, state)
    assert answered(watch, start, "led") == inside

    # Shift-drag adds the others; a plain drag selects only what it spans.
    placed = dict(zip(ids, points, strict=True))
    wait_placed(page, placed)
    drag_on_map(page, (5.6, 0.2), (9.8, 7.8), shift=True)
    expect(page.locator("#target-summary")).to_contain_text("4 devices")
    wait_placed(page, placed)
    drag_on_map(page, (5.6, 0.2), (9.8, 7.8))
    summary = page.locator("#target-summary")
    expect(summary).to_contain_text("2 devices")
    for device in outside:
        expect(summary).to_contain_text(device)

    # A click on a marker selects that device alone: where the map draws it now (its text
    # list is rewritten every second; the click follows a fresh one).
    target = ids[0]
    written = page.locator("#map-list").get_attribute("data-at")
    expect(page.locator("#map-list")).not_to_have_attribute("data-at", written or "")
    item = page.locator(f'#map-list [data-device="{target}"]')
    x, y = float(item.get_attribute("data-x") or ""), float(item.get_attribute("data-y") or "")
    page.mouse.click(*on_page(page, (x, y)))
    expect(summary).to_have_text(f"1 device ({target})")
    opened.screenshot("device-control-map")
    assert opened.errors == []


def test_room_settings_are_checked_and_move_the_map(
    open_page: Callable[..., OpenPage], emulated: Callable[..., list[str]]
) -> None:
    (device,) = emulated(1, "room-settings", *positions_flags([(2.0, 6.0)]))
    opened = open_page("device-control")
    page = opened.page
    wait_placed(page, {device: (2.0, 6.0)})
    page.click(".room-settings summary")
    page.fill("#room-width", "0")
    page.click("#room-form button[type=submit]")
    expect(page.locator("#room-error")).to_contain_text("room width must be")
    page.fill("#room-width", "10")
    # Every beacon said to hang in the corner east-west of its own: the room is mirrored.
    for beacon, corner in (("NW", "NE"), ("NE", "NW"), ("SE", "SW"), ("SW", "SE")):
        page.select_option(f"#room-corner-{beacon}", corner)
    page.click("#room-form button[type=submit]")
    expect(page.locator("#room-error")).to_be_hidden()
    wait_placed(page, {device: (8.0, 6.0)})
    assert opened.errors == []


def test_a_click_on_an_led_of_the_grid_sets_that_one_pixel_on_the_device(
    open_page: Callable[..., OpenPage],
    emulated: Callable[..., list[str]],
    hub_watch: Callable[[], HubWatch],
) -> None:
    (device,) = emulated(1, "led-grid")
    watch = hub_watch()
    before = watch.ask_device(device, "led_get_state")["data"]["leds"]
    opened = open_page("device-control")
    page = opened.page
    page.locator(f'tr[data-device="{device}"] input[type="checkbox"]').check()
    expect(page.locator("#pixels-device")).to_have_text(device)
    expect(page.locator("#pixels .pixel")).to_have_count(6)  # commands.json's pixel count

    page.locator("#color").fill("#ff8000")
    page.locator('#pixels .pixel[data-index="2"]').click()
    expect(page.locator("#log")).to_contain_text(f"sent cmd:{device}:led_set:2:ff8000")
    # The grid shows what the device reported back: pixel 2 lit, the others as they were.
    expect(page.locator('#pixels .pixel[data-index="2"]')).not_to_have_attribute("data-color", "")
    state = watch.ask_device(device, "led_get_state")["data"]
    assert state["leds"] == [*before[:2], "ff8000", *before[3:]]

    # Clearing that one LED, then every LED.
    page.check("#pixel-clear")
    page.locator('#pixels .pixel[data-index="2"]').click()
    expect(page.locator('#pixels .pixel[data-index="2"]')).to_have_attribute("data-color", "000000")
    assert watch.ask_device(device, "led_get_state")["data"]["leds"][2] == "000000"
    page.click("#send-all-off")
    for index in range(6):
        pixel = page.locator(f'#pixels .pixel[data-index="{index}"]')
        expect(pixel).to_have_attribute("data-color", "000000")
    assert watch.ask_device(device, "led_get_state")["data"]["leds"] == ["000000"] * 6
    assert opened.errors == []


def test_the_rows_show_what_the_device_reports_dark_after_pattern_off_motor_back_off(
    open_page: Callable[..., OpenPage],
    emulated: Callable[..., list[str]],
    hub_watch: Callable[[], HubWatch],
) -> None:
    (device,) = emulated(1, "truthful")
    watch = hub_watch()
    opened = open_page("device-control")
    page = opened.page
    row = page.locator(f'tr[data-device="{device}"]')
    leds = row.locator('[data-field="leds"]')
    # A fresh device breathes blue: its LEDs column shows blue, not dark.
    expect(leds).to_have_attribute("data-leds", ",".join(["000040"] * 6))
    row.locator('input[type="checkbox"]').check()

    page.select_option("#pattern", "off")
    page.click("#send-pattern")
    expect(leds).to_have_attribute("data-leds", ",".join(["000000"] * 6))
    expect(row.locator('[data-field="pattern"]')).to_have_text("off")
    assert watch.ask_device(device, "led_get_state")["data"]["pixels"] == ["000000"] * 6

    # The motor column follows the device: on while it vibrates, off once the vibration ends.
    page.fill("#vibrate", "600")
    page.click("#send-vibrate")
    motor = row.locator('[data-field="motor"]')
    expect(motor).to_have_text("on")
    expect(motor).to_have_text("off")
    assert watch.ask_device(device, "status")["data"]["motor"] is False
    assert opened.errors == []


def test_reset_of_several_devices_is_asked_about_first(
    open_page: Callable[..., OpenPage],
    emulated: Callable[..., list[str]],
    hub_watch: Callable[[], HubWatch],
) -> None:
    ids = emulated(2, "confirm-reset")
    watch = hub_watch()
    opened = open_page("device-control")
    page = opened.page
    for device in ids:
        page.locator(f'tr[data-device="{device}"] input[type="checkbox"]').check()
    page.click("#send-reset")
    expect(page.locator("#confirm-text")).to_have_text("Reset 2 devices?")
    page.click("#confirm-no")
    expect(page.locator("#log")).to_contain_text("reset to 2 devices cancelled")
    start = len(watch.lines)
    page.click("#send-reset")
    page.click("#confirm-yes")
    watch.wait_line(lambda _line: answered(watch, start, "reset") == set(ids), start)
    assert opened.errors == []
