"""Every web app in headless chromium: loads cleanly, says when the hub is gone, comes back,
and shrugs off lines it does not understand."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import pytest
from playwright.sync_api import expect
from websockets.sync.server import ServerConnection, serve

from grouploop import settings
from tests.fixtures.browser import OpenPage, WebStack
from tests.fixtures.hub import start_hub_process
from tests.support.timing import scaled

MOBILE = {"device-emulator"}


@pytest.mark.parametrize("app", list(settings.WEB_APP_PORTS))
def test_page_loads_connects_and_logs_no_error(
    app: str, open_page: Callable[..., OpenPage], web_stack: WebStack
) -> None:
    opened = open_page(app, mobile=app in MOBILE)
    page = opened.page
    expect(page.locator("#connection")).to_have_text("connected")
    expect(page.locator("nav a")).to_have_count(6)  # the four apps, the index, the docs
    expect(page.locator("nav a.current")).to_have_count(1)
    # The configuration panel shows what the server injected, ready to be edited.
    expect(page.locator("#config-hub")).to_have_value(web_stack.hub.url)
    expect(page.locator("#config-cdn")).to_have_value(web_stack.cdn.url)
    expect(page.locator("#banner")).to_be_hidden()
    assert opened.errors == []


@pytest.mark.parametrize("app", ["socket-client", "device-emulator"])
def test_page_says_the_hub_is_unreachable_and_reconnects_when_it_is_back(
    app: str, open_page: Callable[..., OpenPage], web_stack: WebStack
) -> None:
    hub = start_hub_process(web_stack.tmp, cdn_url=web_stack.cdn.url)
    try:
        page = open_page(app, f"hub={hub.url}&id=cafe", mobile=app in MOBILE).page
        expect(page.locator("#connection")).to_have_text("connected")
        hub.stop()
        expect(page.locator("#connection")).to_have_text("hub unreachable")
        expect(page.locator("#banner")).to_contain_text(f"The hub at {hub.url} is unreachable")
        hub = start_hub_process(
            web_stack.tmp, "--port", str(hub.service.port), cdn_url=web_stack.cdn.url
        )
        # Backoff doubles from 0.5 s: a hub gone for a few seconds is back within ~10 s.
        expect(page.locator("#connection")).to_have_text("connected", timeout=scaled(20) * 1000)
        expect(page.locator("#banner")).to_be_hidden()
        if app == "device-emulator":
            _status, _headers, body = hub.get("/devices")
            assert "cafe" in {d["id"] for d in json.loads(body)["devices"]}
    finally:
        hub.stop()


@pytest.mark.parametrize("app", list(settings.WEB_APP_PORTS))
def test_page_says_which_cdn_is_unreachable(
    app: str, open_page: Callable[..., OpenPage], web_stack: WebStack
) -> None:
    page = open_page(app, "cdn=http://127.0.0.1:1").page
    expect(page.locator("#banner")).to_contain_text(
        "The CDN at http://127.0.0.1:1 is unreachable (could not load "
        "http://127.0.0.1:1/js/HitloopDevice.js)"
    )
    # The configuration panel still works, so the URL can be fixed from the page.
    page.fill("#config-cdn", web_stack.cdn.url)
    page.click("form.config button[type=submit]")
    expect(page.locator("#connection")).to_have_text("connected")
    expect(page.locator("#banner")).to_be_hidden()


class OddHub:
    """A WebSocket server that greets, then sends lines no client should choke on."""

    ODD_LINES: ClassVar[list[str]] = [
        "something new from a future hub",
        "ans:zz:{not json",
        "ans:abcd:[1,2]",
        "cmd:result:something_unheard_of",
        "ffffffffffffffffffffffffffff",
        "\u00e9\u00e8 \U0001f600",
    ]

    def __init__(self) -> None:
        self.received: list[str] = []
        self.changed = threading.Condition()
        self.server = serve(self._handle, "127.0.0.1", 0)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"ws://127.0.0.1:{self.server.socket.getsockname()[1]}"

    def _handle(self, ws: ServerConnection) -> None:
        ws.send("Connected to GroupLoop WebSocket server")
        for message in ws:
            with self.changed:
                self.received.extend(str(message).split("\n"))
                self.changed.notify_all()
            if message == "s":
                ws.send("\n".join([*self.ODD_LINES, "abcd8080bf4060700000"]))
            elif str(message).startswith("id:"):
                ws.send("\n".join(["id:ok", *self.ODD_LINES, "bogus", "led:00ff00"]))

    def wait(self, predicate: Callable[[str], bool]) -> str:
        with self.changed:
            if not self.changed.wait_for(
                lambda: any(predicate(line) for line in self.received), scaled(10)
            ):
                raise AssertionError(f"not received; got {self.received[-5:]}")
            return next(line for line in self.received if predicate(line))

    def close(self) -> None:
        self.server.shutdown()
        self.thread.join(scaled(5))


@pytest.fixture
def odd_hub() -> Iterator[OddHub]:
    hub = OddHub()
    yield hub
    hub.close()


def test_socket_client_ignores_lines_it_does_not_know(
    open_page: Callable[..., OpenPage], odd_hub: OddHub
) -> None:
    opened = open_page("socket-client", f"hub={odd_hub.url}")
    row = opened.page.locator('tr[data-device="abcd"]')
    expect(row.locator('[data-field="ax"]')).to_have_text("0.01")
    expect(row.locator('[data-field="SW"]')).to_have_text("-100")
    expect(opened.page.locator("#log")).to_contain_text("something new from a future hub")
    assert opened.errors == []


def test_browser_device_answers_unknown_commands_and_keeps_working(
    open_page: Callable[..., OpenPage], odd_hub: OddHub
) -> None:
    opened = open_page("device-emulator", f"hub={odd_hub.url}&id=beef", mobile=True)
    odd_hub.wait(lambda line: line == "id:beef")
    answer: dict[str, Any] = json.loads(
        odd_hub.wait(lambda line: line.startswith('ans:{"cmd":"bogus"'))[4:]
    )
    assert answer == {"cmd": "bogus", "ok": False, "error": "unknown_command"}
    odd_hub.wait(lambda line: line == 'ans:{"cmd":"led","ok":true}')
    # led:00ff00 at the firmware's default brightness 64: green 255·64/255 = 0x40.
    expect(opened.page.locator("#ring .led").first).to_have_attribute("data-color", "004000")
    odd_hub.wait(lambda line: len(line) == 20 and line.startswith("beef"))
    assert opened.errors == []


def test_a_setting_changed_in_one_app_applies_to_the_others(
    open_page: Callable[..., OpenPage], web_stack: WebStack
) -> None:
    # Two apps on two ports (two origins) in one browser, as a user has them in two tabs.
    control = open_page("device-control")
    client = control.page.context.new_page()
    client.goto(web_stack.apps["socket-client"])
    for page in (control.page, client):
        expect(page.locator("#connection")).to_have_text("connected")
    # The same hub by another name: the apps must follow the change and still connect.
    moved = web_stack.hub.url.replace("127.0.0.1", "localhost")
    assert moved != web_stack.hub.url
    client.fill("#config-hub", moved)
    client.click("form.config button[type=submit]")
    expect(client.locator("#config-hub")).to_have_value(moved)
    # The other app reloads with it, without being touched.
    expect(control.page.locator("#config-hub")).to_have_value(moved)
    expect(control.page.locator("#connection")).to_have_text("connected")
    # A page opened later starts with it too; resetting anywhere resets everywhere.
    later = open_page_in(control, web_stack.apps["simulator"])
    expect(later.locator("#config-hub")).to_have_value(moved)
    control.page.click("form.config button.secondary")
    for page in (control.page, client, later):
        expect(page.locator("#config-hub")).to_have_value(web_stack.hub.url)
    assert control.errors == []


def open_page_in(opened: OpenPage, url: str) -> Any:
    page = opened.page.context.new_page()
    page.on("pageerror", lambda e: opened.errors.append(f"uncaught: {e}"))
    page.goto(url)
    return page


def test_the_index_page_links_every_app_and_the_docs(
    open_page: Callable[..., OpenPage], web_stack: WebStack
) -> None:
    opened = open_page("simulator")
    page = opened.page
    page.click("nav a:text('All apps')")
    links = page.locator("#apps a")
    expect(links).to_have_count(4)
    for app, url in web_stack.apps.items():
        expect(page.locator(f'#apps a[data-app="{app}"]')).to_have_attribute("href", url)
    expect(page.locator("#docs")).to_have_attribute("href", "http://localhost:5006/")
    assert opened.errors == []


def test_a_request_off_this_machine_is_blocked_and_counted(
    open_page: Callable[..., OpenPage],
) -> None:
    opened = open_page("socket-client")
    outcome = opened.page.evaluate(
        """url => fetch(url, {mode: "no-cors"}).then(() => "reached", () => "blocked")""",
        "http://192.0.2.7/font.woff2",  # TEST-NET-1: never a real host
    )
    assert outcome == "blocked"
    outside = [e for e in opened.errors if e.startswith("outside: ")]
    assert outside == ["outside: GET http://192.0.2.7/font.woff2"]
    opened.errors.clear()  # expected here (and chromium's console line on it); any other fails
