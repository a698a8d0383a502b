"""`grouploop cdn`: the CDN app served by hypercorn, an asyncio server made for many connections.

Why hypercorn (measured in docs/cdn.md): an idle or slow connection costs it a coroutine, not
a worker thread, and a connection that has not sent a whole request within
`HEADER_TIMEOUT_S` is closed, so 1,000 slow clients from one address do not delay a real
download. The Flask app runs unchanged in a thread pool behind a2wsgi's WSGI-to-ASGI adapter.
With `--tls-cert` and `--tls-key` it serves https itself (grouploop.tls).

Prints `[READY] http(s)://<host>:<port>` once listening (port 0 picks a free port) and stops
cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import socket
from pathlib import Path

from a2wsgi import WSGIMiddleware
from hypercorn.asyncio import serve
from hypercorn.config import Config

from cdn import manifest
from cdn.app import create_app
from grouploop import aio, fds, settings, tls
from grouploop.services import announce_ready, shown_host

#: Seconds a connection may take to send a whole request (and may stay idle between two).
HEADER_TIMEOUT_S = 5.0
#: Threads running the Flask app: requests in progress at once (the rest wait, not the sockets).
WSGI_THREADS = 8
#: Seconds a client may take over the TLS handshake.
TLS_HANDSHAKE_TIMEOUT_S = 10.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    config = settings.load()
    parser.add_argument("--host", default=config.cdn_host, help="address to listen on (CDN_HOST)")
    parser.add_argument(
        "--port", type=int, default=config.cdn_port, help="port, 0 for any free one (CDN_PORT)"
    )
    parser.add_argument(
        "--firmware-dir",
        type=Path,
        default=manifest.default_firmware_dir(),
        help="folder of firmware images and manifest.json (CDN_FIRMWARE_DIR)",
    )
    tls.add_server_arguments(parser)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, bound here so that port 0's real port is known before serving."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family)


def server_config(listener_fd: int, server_tls: tls.ServerTls | None) -> Config:
    """hypercorn's settings: our listening socket, the header timeout, TLS when given."""
    config = Config()
    config.bind = [f"fd://{listener_fd}"]
    config.keep_alive_timeout = HEADER_TIMEOUT_S
    config.accesslog = None  # the app logs each request itself (cdn.app)
    if server_tls is not None:
        config.certfile = str(server_tls.cert)
        config.keyfile = str(server_tls.key)
        config.ssl_handshake_timeout = TLS_HANDSHAKE_TIMEOUT_S
    return config


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    fds.raise_soft_limit()  # a socket per connection: thousands may be open at once
    try:
        server_tls = tls.server_tls(args)
        if server_tls is not None:
            server_tls.context()  # a bad certificate or key fails here, with a clear reason
        listener = listen(args.host, args.port)
    except (tls.TlsConfigError, OSError) as exc:
        print(f"grouploop cdn: {exc}", flush=True)
        return 1
    host, port = args.host, listener.getsockname()[1]
    config = server_config(listener.detach(), server_tls)  # hypercorn owns the socket now
    # a2wsgi runs the Flask app in a thread pool and streams its body with back-pressure
    # (hypercorn's own WSGI mode buffers whole bodies and drops empty ones, like a 304).
    flask_app = create_app(args.firmware_dir.resolve())
    app = WSGIMiddleware(flask_app, workers=WSGI_THREADS)  # type: ignore[arg-type]
    scheme = "https" if server_tls else "http"
    print(f"[CDN] listening on {host}:{port} ({scheme}), firmware in {args.firmware_dir}")
    aio.run(_serve(app, config, f"{scheme}://{shown_host(host)}:{port}"))
    print("[CDN] stopping", flush=True)
    return 0


async def _serve(app: WSGIMiddleware, config: Config, url: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # hypercorn listens on the socket bound above: the port is known before it serves.
    loop.call_soon(announce_ready, url)
    # a2wsgi's and hypercorn's ASGI type stubs describe the same protocol differently.
    await serve(app, config, shutdown_trigger=stop.wait, mode="asgi")  # type: ignore[arg-type]
