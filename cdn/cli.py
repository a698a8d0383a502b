"""`grouploop cdn`: the CDN app behind waitress, a production WSGI server.

Prints `[READY] http://<host>:<port>` once listening (port 0 picks a free port) and stops
cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from types import FrameType

from waitress.server import create_server

from cdn import manifest
from cdn.app import create_app
from grouploop import settings
from grouploop.services import announce_ready, shown_host


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
    parser.add_argument("--threads", type=int, default=4, help="waitress worker threads")


_stopping: list[int] = []


def _stop(signum: int, frame: FrameType | None) -> None:
    # Ctrl-C reaches the whole process group and `grouploop up` then sends SIGTERM: stop once.
    if not _stopping:
        _stopping.append(signum)
        raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = create_app(args.firmware_dir.resolve())
    server = create_server(app, host=args.host, port=args.port, threads=args.threads)
    host = server.effective_host
    print(f"[CDN] listening on {host}:{server.effective_port}, firmware in {args.firmware_dir}")
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        # Inside the try: a SIGTERM right after the ready line must still stop cleanly.
        announce_ready(f"http://{shown_host(host)}:{server.effective_port}")
        server.run()
    except KeyboardInterrupt:
        print("[CDN] stopping", flush=True)
    finally:
        server.close()
    # Done: a late SIGTERM must not kill the interpreter while it finalises (exit code -15).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    return 0
