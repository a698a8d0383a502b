"""`grouploop web` over real HTTP, and the configuration it writes into the pages."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grouploop import settings
from grouploop.services import Service, ServiceError, grouploop_argv, start
from tests.fixtures import browser as browser_fixtures
from tests.fixtures.browser import app_urls, start_web
from tests.support.timing import scaled
from web.server import (
    APPS_DIR,
    LAYOUT,
    PageConfig,
    config_script,
    page_config,
    render_page,
    settings_origin,
)

HUB = "ws://localhost:5003"
CDN = "http://localhost:5008"
DOCS = "http://localhost:5006/"


@pytest.mark.parametrize(
    ("request_host", "hub", "cdn"),
    [
        (None, HUB, CDN),
        ("127.0.0.1:5004", HUB, CDN),
        ("localhost:5004", HUB, CDN),
        # A phone that opened the page by the laptop's address reaches the hub there too.
        ("192.168.1.20:5007", "ws://192.168.1.20:5003", "http://192.168.1.20:5008"),
        ("[fd00::2]:5007", "ws://[fd00::2]:5003", "http://[fd00::2]:5008"),
    ],
)
def test_page_config_reaches_loopback_services_from_where_the_page_was_loaded(
    request_host: str | None, hub: str, cdn: str
) -> None:
    docs = hub.replace("ws://", "http://").replace(":5003", ":5006") + "/"
    assert page_config(PageConfig(HUB, CDN + "/", DOCS), request_host) == {
        "hubUrl": hub,
        "cdnUrl": cdn,
        "docsUrl": docs,
    }


def test_page_config_keeps_services_that_are_not_on_loopback() -> None:
    config = PageConfig(
        "wss://hub.example.org/ws", "https://cdn.example.org", "https://docs.example.org/"
    )
    assert page_config(config, "192.168.1.20:5007") == {
        "hubUrl": "wss://hub.example.org/ws",
        "cdnUrl": "https://cdn.example.org",
        "docsUrl": "https://docs.example.org/",
    }


@pytest.mark.parametrize(
    ("request_host", "origin"),
    [
        ("127.0.0.1:5009", "http://127.0.0.1:5004"),
        ("192.168.1.20:5007", "http://192.168.1.20:5004"),
        ("[fd00::2]:5005", "http://[fd00::2]:5004"),
        (None, "http://127.0.0.1:5004"),
    ],
)
def test_the_settings_live_at_the_socket_clients_origin_as_the_page_reaches_it(
    request_host: str | None, origin: str
) -> None:
    assert settings_origin(settings.WEB_APP_PORTS, request_host) == origin
    secure = origin.replace("http://", "https://")  # apps served over TLS keep it on https
    assert settings_origin(settings.WEB_APP_PORTS, request_host, "https") == secure
    assert settings_origin({}, request_host) is None


def test_config_script_is_one_global_with_json_values() -> None:
    script = config_script({"hubUrl": 'ws://x:1/"</script>', "cdnUrl": "http://y:2"})
    prefix = "window.GROUPLOOP_CONFIG = "
    assert script.startswith(prefix) and script.endswith(";\n")
    assert json.loads(script[len(prefix) : -2])["hubUrl"] == 'ws://x:1/"</script>'


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    log = tmp_path_factory.mktemp("web") / "web.log"
    service = start_web("ws://127.0.0.1:5999", "http://127.0.0.1:5998", log)
    yield service
    assert service.stop(timeout=scaled(10)) == 0, "grouploop web did not stop cleanly"


def get(url: str, path: str) -> tuple[int, str, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=scaled(5))
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read().decode()
    finally:
        conn.close()


def test_a_page_is_its_own_parts_inside_the_shared_layout() -> None:
    page = '<title>Demo</title>\n<script src="x.js"></script>\n<main>\n<p>$5 only</p>\n</main>\n'
    html = render_page(LAYOUT.read_text(), page)
    assert "<title>GroupLoop · Demo</title>" in html and "<h1>Demo</h1>" in html
    head, body = html.split("<body>")
    assert '<script src="x.js"></script>' in head
    assert head.index('src="/shared/grouploop.js"') < head.index('src="x.js"')
    assert head.index('src="x.js"') < head.index('src="app.js"')
    assert body.index("<p>$5 only</p>") < body.index('id="config"') < body.index("</main>")
    for app in settings.WEB_APP_PORTS:
        html = render_page(LAYOUT.read_text(), (APPS_DIR / app / "page.html").read_text())
        assert html.count('id="config"') == 1 and html.count("<main>") == 1, app


@pytest.mark.parametrize(
    "page",
    [
        "<main></main>",
        "<title>x</title>",
        "<title>x</title><main>",
        "<p></p><title>x</title><main></main>",
    ],
)
def test_a_page_without_a_title_and_a_main_is_refused(page: str) -> None:
    with pytest.raises(ValueError, match=r"page\.html"):
        render_page(LAYOUT.read_text(), page)


def test_every_app_listens_on_its_own_port_and_lists_the_others(web: Service) -> None:
    urls = app_urls(web)
    assert set(urls) == set(settings.WEB_APP_PORTS)
    assert urls["socket-client"] == web.url
    assert len({urlsplit(url).port for url in urls.values()}) == 4
    for app, url in urls.items():
        assert app_urls(Service(app, url, web.process)) == urls
        status, content_type, body = get(url, "/")
        assert status == 200 and content_type.startswith("text/html")
        assert "<title>GroupLoop" in body and 'src="/config.js"' in body


def test_pages_get_the_hub_and_cdn_urls_the_server_was_given(web: Service) -> None:
    status, content_type, body = get(web.url, "/config.js")
    assert status == 200 and "javascript" in content_type
    assert '"hubUrl": "ws://127.0.0.1:5999"' in body
    assert '"cdnUrl": "http://127.0.0.1:5998"' in body


def test_every_port_serves_the_index_and_names_the_settings_origin(web: Service) -> None:
    urls = app_urls(web)
    home = urls["socket-client"].rstrip("/")
    for url in urls.values():
        status, content_type, body = get(url, "/apps/")
        assert status == 200 and content_type.startswith("text/html")
        assert 'src="/shared/index.js"' in body
        assert f'"settingsOrigin": "{home}"' in get(url, "/config.js")[2]
    assert get(web.url, "/shared/settings-bridge.html")[0] == 200


def test_shared_code_is_served_to_every_app_and_nothing_outside_it(web: Service) -> None:
    for url in app_urls(web).values():
        status, _type, body = get(url, "/shared/browser-device.js")
        assert status == 200 and "BrowserDevice" in body
    assert get(web.url, "/no-such-file.js")[0] == 404
    for hostile in ("/shared/../../cli.py", "/%2e%2e/%2e%2e/cli.py", "/../web/cli.py"):
        status, _type, body = get(web.url, hostile)
        assert status in (403, 404), hostile
        assert "add_arguments" not in body


def test_a_taken_port_is_refused_with_a_clear_error(web: Service, tmp_path: Path) -> None:
    taken = urlsplit(app_urls(web)["simulator"]).port
    argv = grouploop_argv("web", "--host", "127.0.0.1", "--socket-client-port", "0")
    argv += ["--simulator-port", "0", "--device-control-port", "0"]
    argv += ["--device-emulator-port", str(taken)]
    with pytest.raises(ServiceError, match="cannot listen"):
        start("web2", argv, log_path=tmp_path / "taken.log", timeout=scaled(30))


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_without_chromium_browser_tests_skip_locally_and_fail_in_ci(
    ci: str, outcome: type[BaseException], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(browser_fixtures, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setattr(browser_fixtures.shutil, "which", lambda _name: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="chromium is not installed"):
        browser_fixtures.require_browser()
