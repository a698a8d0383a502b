"""The web apps against a hub with auth on, in headless chromium: the token is entered once in
the configuration panel, kept across reloads, and the page works with the role it grants
(an operator's LED command passes, an admin-only one is refused and explained)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from emulator.swarm import mac_for
from grouploop.services import Service
from hub import credentials
from tests.fixtures.browser import SCREENSHOTS, app_urls, start_web
from tests.fixtures.cdn import start_cdn
from tests.fixtures.hub import start_hub_process
from tests.support.timing import scaled

SEED = "web-auth"


@pytest.fixture(scope="module")
def auth_stack(chromium: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("web-auth")
    tokens_file = tmp / "tokens.json"
    operator = credentials.add(tokens_file, "operator")
    device = mac_for(SEED, 0)[-2:].hex()
    secrets = tmp / "secrets.json"
    secrets.write_text(
        json.dumps({device: credentials.add(tokens_file, "device", device_id=device)})
    )
    cdn = start_cdn(tmp / "firmware", log_path=tmp / "cdn.log")
    started: list[Service] = [cdn.service]
    try:
        hub = start_hub_process(tmp, "--tokens", str(tokens_file), cdn_url=cdn.url)
        started.append(hub.service)
        web = start_web(hub.url, cdn.url, tmp / "web.log")
        started.append(web)
        yield {
            "hub": hub,
            "apps": app_urls(web),
            "operator": operator,
            "device": device,
            "secrets": secrets,
        }
    finally:
        for service in reversed(started):
            service.stop(timeout=scaled(10))


def test_socket_client_keeps_the_token_and_commands_with_its_role(
    chromium: Any, auth_stack: dict[str, Any], emulate_process: Callable[..., Service]
) -> None:
    hub, device = auth_stack["hub"], auth_stack["device"]
    emulate_process(1, "--seed", SEED, "--secrets", str(auth_stack["secrets"]), hub_url=hub.url)
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(scaled(10) * 1000)
        page.goto(auth_stack["apps"]["socket-client"])
        # Without a token the hub lets the page in but streams nothing to it.
        expect(page.locator("#connection")).to_have_text("connected")
        page.fill("#config-token", auth_stack["operator"])
        page.click("#config form button[type=submit]")
        expect(page.locator("#connection")).to_have_text("connected (operator)")
        page.reload()  # kept like the other settings
        expect(page.locator("#connection")).to_have_text("connected (operator)")
        assert page.input_value("#config-token") == auth_stack["operator"]
        expect(page.locator(f'tr[data-device="{device}"]')).to_have_count(1)
        page.fill("#target", device)
        page.fill("#command", "led:00ff00")
        page.click("#command-form button")
        expect(page.locator("#log")).to_contain_text("hub: success")
        page.fill("#command", "reset")
        page.click("#command-form button")
        expect(page.locator("#banner")).to_contain_text("role may not send it")
        stored = page.evaluate("localStorage.getItem('grouploop.config')")
        assert json.loads(stored)["token"] == auth_stack["operator"]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "socket-client-auth.png"))
    finally:
        context.close()
