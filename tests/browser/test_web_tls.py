"""The web apps over https and wss in headless chromium: hub, CDN and web server with TLS.

Chromium trusts exactly the servers' certificate key (`--ignore-certificate-errors-spki-list`),
as a browser on a venue laptop trusts the venue's certificate once installed
(docs/security.md). The socket client, loaded over https, loads the libraries and the
command table from the https CDN and shows an emulated device streaming through the wss hub.
A page over https may use no ws:// or http:// at all: any mixed content would be an error.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import expect

from emulator.swarm import mac_for
from grouploop.services import Service
from tests.fixtures.browser import app_urls, launch_chromium, start_web
from tests.fixtures.cdn import CdnServer, start_cdn
from tests.fixtures.hub import HubProcess, start_hub_process
from tests.fixtures.tls import ServerCa, make_ca
from tests.support.http import http_get
from tests.support.timing import scaled


def spki_hash(cert_path: Path) -> str:
    """What --ignore-certificate-errors-spki-list takes: base64 SHA-256 of the leaf's key."""
    leaf = x509.load_pem_x509_certificate(cert_path.read_bytes())  # the first in the chain
    key = leaf.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(key).digest()).decode()


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> ServerCa:
    return make_ca(tmp_path_factory.mktemp("web-tls-ca"))


@pytest.fixture(scope="module")
def tls_browser(ca: ServerCa) -> Iterator[Any]:
    with launch_chromium(f"--ignore-certificate-errors-spki-list={spki_hash(ca.cert_path)}") as b:
        yield b


@pytest.fixture(scope="module")
def tls_stack(
    tls_browser: Any, ca: ServerCa, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[CdnServer, HubProcess, Service]]:
    tmp = tmp_path_factory.mktemp("web-tls-stack")
    cdn = start_cdn(tmp / "firmware", tmp / "cdn.log", *ca.server_args)
    started: list[Any] = [cdn.service]
    try:
        hub = start_hub_process(tmp, *ca.server_args, "--cdn-ca", str(ca.ca_path), cdn_url=cdn.url)
        started.append(hub.service)
        web = start_web(hub.url, cdn.url, tmp / "web.log", *ca.server_args)
        started.append(web)
        yield cdn, hub, web
    finally:
        for service in reversed(started):
            service.stop(timeout=scaled(10))


def test_socket_client_over_https_shows_a_device_streaming_through_the_wss_hub(
    tls_browser: Any,
    tls_stack: tuple[CdnServer, HubProcess, Service],
    ca: ServerCa,
    emulate_process: Callable[..., Service],
) -> None:
    cdn, hub, web = tls_stack
    assert web.url.startswith("https://") and hub.url.startswith("wss://")
    emulate_process(1, "--seed", "web-tls", "--ca-cert", str(ca.ca_path), hub_url=hub.url)
    device = mac_for("web-tls", 0)[-2:].hex()
    urls = app_urls(web, ca.client_context())
    context = tls_browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(scaled(10) * 1000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(urls["socket-client"])
        row = page.locator(f'tr[data-device="{device}"]')
        expect(row.locator('[data-field="az"]')).not_to_have_text("")
        page.fill("#target", device)
        page.fill("#command", "status")
        page.click("#command-form button")
        expect(page.locator("#log")).to_contain_text(f'ans:{device}:{{"cmd":"status","ok":true')
    finally:
        context.close()
    assert errors == []
    status, _, body = http_get(cdn.url, "/", context=ca.client_context())
    assert status == 200 and b"grouploop-cdn" in body
