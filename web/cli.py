"""`grouploop web`: serve the four web apps, each on its own port, from one process.

Prints `[READY] <socket client URL>` once every app listens, then one `[APP] <name> <url>`
line per app. Each app also answers `/apps.json` with the URL of every app, which is how a
caller that asked for port 0 learns the other ports.
"""

from __future__ import annotations

import argparse
import asyncio
import signal

from grouploop import settings, tls
from grouploop.services import announce_ready, shown_host
from web.server import PageConfig, WebApps, app_urls


def _flag(app: str) -> str:
    return f"--{app}-port"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    config = settings.load()
    parser.add_argument(
        "--host",
        default="0.0.0.0",
        help="address to listen on (default 0.0.0.0, so a phone on the network can open the apps)",
    )
    for app, port in settings.WEB_APP_PORTS.items():
        parser.add_argument(
            _flag(app), type=int, default=port, metavar="PORT", help=f"{app} port (default {port})"
        )
    parser.add_argument(
        "--any-ports", action="store_true", help="let the OS choose every port (for tests)"
    )
    parser.add_argument(
        "--hub-url",
        default=config.ws_default_url,
        help=f"hub the pages connect to (WS_DEFAULT_URL, default {config.ws_default_url})",
    )
    parser.add_argument(
        "--docs-url",
        default=f"http://localhost:{settings.DEFAULT_DOCS_PORT}/",
        help="documentation the index page and the navigation bar link to "
        f"(default http://localhost:{settings.DEFAULT_DOCS_PORT}/)",
    )
    parser.add_argument(
        "--cdn-url",
        default=config.cdn_base_url,
        help=f"CDN the pages load libraries from (CDN_BASE_URL, default {config.cdn_base_url})",
    )
    tls.add_server_arguments(parser)


def _ports(args: argparse.Namespace) -> dict[str, int]:
    ports = {}
    for app in settings.WEB_APP_PORTS:
        port = 0 if args.any_ports else getattr(args, _flag(app)[2:].replace("-", "_"))
        if not 0 <= port <= 65535:
            raise SystemExit(f"grouploop web: {_flag(app)} {port} is out of the range 0..65535")
        ports[app] = port
    return ports


async def _serve(args: argparse.Namespace) -> int:
    try:
        server_tls = tls.server_tls(args)
        ssl_context = server_tls.context() if server_tls is not None else None
    except tls.TlsConfigError as error:
        print(f"grouploop web: {error}", flush=True)
        return 1
    config = PageConfig(args.hub_url, args.cdn_url, args.docs_url)
    apps = WebApps(args.host, _ports(args), config, ssl_context)
    try:
        ports = await apps.start()
    except OSError as error:
        print(f"grouploop web: cannot listen on {args.host}: {error}", flush=True)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    urls = app_urls(ports, shown_host(args.host), "https" if ssl_context else "http")
    announce_ready(urls["socket-client"])
    for app, url in urls.items():
        print(f"[APP] {app} {url}", flush=True)
    print(f"every app and the docs: {urls['socket-client']}apps/", flush=True)
    print(f"hub {args.hub_url}, CDN {args.cdn_url}", flush=True)
    try:
        await stop.wait()
    finally:
        await apps.stop()
    return 0


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_serve(args))
