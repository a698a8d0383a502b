"""Serve the four web apps from one asyncio process, each on its own port.

Every app is a folder of static files under `web/apps/<app>/`. Its `page.html` holds only
what is its own (a <title>, the scripts it adds, its <main>); `/` serves it inside the layout
every page shares (`shared/layout.html`: head, header, banner, configuration panel). All apps
also get `/shared/` (the browser code they have in common), `/config.js` (the hub, CDN and docs
URLs the page starts with), `/apps.json` (where every app listens, for the navigation bar and
for tests that started the server with port 0) and `/apps/`, the index page that links every
app and the docs.

Settings the user changes are shared by every app although each has its own port, so its own
origin and its own localStorage: they are kept in the localStorage of one origin, the socket
client's (`settingsOrigin` in /config.js), which every page reaches through a hidden frame
(`shared/settings-bridge.html`). Pages on one host are one site, so the browser gives that frame
the same storage wherever it is embedded; its `storage` event tells every open page of a change.
"""

from __future__ import annotations

import json
import re
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from grouploop import settings

APPS_DIR = Path(__file__).parent / "apps"
SHARED_DIR = APPS_DIR / "shared"
LAYOUT = SHARED_DIR / "layout.html"
INDEX = SHARED_DIR / "index.html"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}
_PAGE = re.compile(
    r"\s*<title>(?P<title>[^<]+)</title>(?P<head>.*?)<main>(?P<main>.*)</main>\s*", re.S
)


@dataclass(frozen=True)
class PageConfig:
    """What a page starts with; the page lets the user override both URLs."""

    hub_url: str
    cdn_url: str
    docs_url: str = f"http://localhost:{settings.DEFAULT_DOCS_PORT}/"


def _reachable_from(url: str, request_host: str | None) -> str:
    """`url` with a loopback host replaced by the host the page was loaded from.

    A phone that opens the device emulator at http://<laptop>:5007 cannot reach the hub at
    ws://localhost:5003: localhost is the phone itself. The laptop's name is what it used.
    """
    if not request_host:
        return url
    page_host = urlsplit(f"//{request_host}").hostname or ""
    parts = urlsplit(url)
    if page_host in LOOPBACK_NAMES or (parts.hostname or "") not in LOOPBACK_NAMES:
        return url
    netloc = f"[{page_host}]" if ":" in page_host else page_host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc))


def page_config(config: PageConfig, request_host: str | None) -> dict[str, str]:
    """The configuration one page receives, as seen from the host it was loaded from."""
    return {
        "hubUrl": _reachable_from(config.hub_url, request_host),
        "cdnUrl": _reachable_from(config.cdn_url, request_host).rstrip("/"),
        "docsUrl": _reachable_from(config.docs_url, request_host),
    }


#: The app whose origin keeps the settings every app shares (see the module docstring).
SETTINGS_APP = "socket-client"


def settings_origin(
    ports: Mapping[str, int], request_host: str | None, scheme: str = "http"
) -> str | None:
    """The origin whose localStorage holds the shared settings, as seen from `request_host`."""
    port = ports.get(SETTINGS_APP)
    if port is None:
        return None
    host = urlsplit(f"//{request_host or '127.0.0.1'}").hostname or "127.0.0.1"
    return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"


def config_script(values: Mapping[str, str]) -> str:
    """The body of /config.js: one global the shared boot code reads."""
    return f"window.GROUPLOOP_CONFIG = {json.dumps(dict(values), sort_keys=True)};\n"


def render_page(layout: str, page: str) -> str:
    """An app's page.html (<title>, head lines, <main>) laid out as a whole document."""
    parts = _PAGE.fullmatch(page)
    if parts is None:
        raise ValueError("page.html must be a <title>, head lines, then one <main> element")
    return Template(layout).substitute(
        title=parts["title"].strip(),
        head=parts["head"].strip(),
        main=parts["main"].rstrip(),
    )


def app_urls(ports: Mapping[str, int], host: str, scheme: str = "http") -> dict[str, str]:
    """Every app's URL on `host` (a name or an IP address)."""
    name = f"[{host}]" if ":" in host else host
    return {app: f"{scheme}://{name}:{port}/" for app, port in ports.items()}


def make_app(app: str, config: PageConfig, bound_ports: Mapping[str, int]) -> web.Application:
    """The aiohttp application of one web app; `bound_ports` is filled once all listen."""
    folder = APPS_DIR / app
    if not (folder / "page.html").is_file():
        raise ValueError(f"no web app named {app!r} in {APPS_DIR}")

    async def index(_request: web.Request) -> web.Response:
        # Read on every request: the pages are edited while they run.
        html = render_page(LAYOUT.read_text(), (folder / "page.html").read_text())
        return web.Response(text=html, content_type="text/html")

    async def config_js(request: web.Request) -> web.Response:
        values = page_config(config, request.host)
        if (origin := settings_origin(bound_ports, request.host, request.scheme)) is not None:
            values["settingsOrigin"] = origin
        body = config_script(values)
        return web.Response(text=body, content_type="application/javascript")

    async def apps_index(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(INDEX)

    async def apps_json(request: web.Request) -> web.Response:
        host = urlsplit(f"//{request.host}").hostname or "127.0.0.1"
        return web.json_response(app_urls(bound_ports, host, request.scheme))

    async def no_cache(_request: web.Request, response: web.StreamResponse) -> None:
        # The pages are edited while they run; a stale cached script is a confusing bug.
        response.headers["Cache-Control"] = "no-cache"

    application = web.Application()
    application.on_response_prepare.append(no_cache)
    application.router.add_get("/", index)
    application.router.add_get("/config.js", config_js)
    application.router.add_get("/apps.json", apps_json)
    application.router.add_get("/apps/", apps_index)
    application.router.add_static("/shared/", SHARED_DIR)
    application.router.add_static("/", folder)
    return application


class WebApps:
    """The running apps: `start()` listens on every port, `stop()` closes them all."""

    def __init__(
        self,
        host: str,
        ports: Mapping[str, int],
        config: PageConfig,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """`ssl_context` (grouploop.tls): serve every app over https."""
        self.host = host
        self.ssl_context = ssl_context
        self.requested = dict(ports)
        self.config = config
        self.ports: dict[str, int] = {}  # app → the port it got; filled by start()
        self._runners: list[web.AppRunner] = []

    async def start(self) -> dict[str, int]:
        try:
            for app, port in self.requested.items():
                runner = web.AppRunner(make_app(app, self.config, self.ports), access_log=None)
                await runner.setup()
                self._runners.append(runner)
                await web.TCPSite(runner, self.host, port, ssl_context=self.ssl_context).start()
                self.ports[app] = runner.addresses[0][1]
        except BaseException:
            await self.stop()
            raise
        return self.ports

    async def stop(self) -> None:
        while self._runners:
            await self._runners.pop().cleanup()
