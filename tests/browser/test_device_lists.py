"""The device lists of the socket client and device control with many devices, in headless
chromium against a real hub, CDN and emulated devices: only the rows in view exist, columns
sort, the filter narrows, the socket client's graphs draw, the command panels stay in view."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import expect

from tests.fixtures.browser import OpenPage

MANY = 60


@pytest.fixture
def emulated_crowd(emulated: Callable[..., list[str]]) -> list[str]:
    """Sixty emulated devices streaming; their ids in order."""
    return sorted(emulated(MANY, "crowd"))


@pytest.mark.parametrize("app", ["socket-client", "device-control"])
def test_a_long_list_keeps_only_the_rows_in_view_sorts_and_filters(
    app: str, open_page: Callable[..., OpenPage], emulated_crowd: list[str]
) -> None:
    ids = emulated_crowd
    opened = open_page(app)
    page = opened.page
    expect(page.locator("#device-count")).to_have_text(f"({MANY})")
    rows = page.locator("#devices tbody tr[data-device]")
    expect(rows.first).to_have_attribute("data-device", ids[0])  # sorted by id
    assert 5 < rows.count() < MANY / 2, "every row was put in the document"

    # Scrolled to the end, the last device is drawn and the first is not in the document.
    page.locator("#devices .table-viewport").evaluate("v => { v.scrollTop = v.scrollHeight; }")
    expect(page.locator(f'#devices tr[data-device="{ids[-1]}"]')).to_be_visible()
    expect(page.locator(f'#devices tr[data-device="{ids[0]}"]')).to_have_count(0)

    # Sorting by id again turns the order round; the filter keeps what matches.
    page.locator("#devices th button.sort", has_text="id").click()
    page.locator("#devices .table-viewport").evaluate("v => { v.scrollTop = 0; }")
    expect(rows.first).to_have_attribute("data-device", ids[-1])
    page.fill("#devices .table-filter", ids[7])
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-device", ids[7])
    expect(page.locator("#devices .table-count")).to_have_text(f"1 of {MANY} shown")

    # The command panel is in the window although the page is scrolled to its end.
    page.mouse.wheel(0, 5000)
    panel = ".command-panel" if app == "socket-client" else ".controls"
    expect(page.locator(panel)).to_be_in_viewport()
    opened.screenshot(f"{app}-{MANY}")
    assert opened.errors == []


def test_the_socket_client_draws_each_devices_graphs(
    open_page: Callable[..., OpenPage], emulated: Callable[..., list[str]]
) -> None:
    (device,) = emulated(1, "graphs")
    opened = open_page("socket-client")
    page = opened.page
    row = page.locator(f'tr[data-device="{device}"]')
    for field in ("motion", "beacons"):
        canvas = row.locator(f'[data-field="{field}"] canvas')
        # Something is drawn, and it follows the frames (the history scrolls).
        page.wait_for_function(
            """canvas => {
              const g = canvas.getContext("2d");
              const pixels = g.getImageData(0, 0, canvas.width, canvas.height).data;
              return pixels.some((value, i) => i % 4 === 3 && value > 0);
            }""",
            arg=canvas.element_handle(),
        )
        frames = int(canvas.get_attribute("data-frames") or "0")
        expect(canvas).not_to_have_attribute("data-frames", str(frames))
    assert opened.errors == []
