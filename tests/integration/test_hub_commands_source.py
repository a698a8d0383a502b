"""Where the hub's command registry comes from: the packaged table at once, the CDN's later."""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.hub import UNREACHABLE_CDN, HubProcess
from tests.support.timing import scaled

TABLE = Path(__file__).parents[2] / "cdn" / "static" / "commands.json"
#: Seconds for a Python process to start a hub on this (shared, 2-core) machine.
STARTUP_S = 2.0


def table_server(table: dict[str, Any]) -> http.server.ThreadingHTTPServer:
    """An HTTP server serving `table` at /static/commands.json, bound to a free port of the
    loopback but not yet listening: until `serving` starts it, connecting is refused."""
    body = json.dumps(table).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/static/commands.json":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
    server.server_bind()
    return server


def url_of(server: http.server.ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


@contextlib.contextmanager
def serving(server: http.server.ThreadingHTTPServer) -> Iterator[str]:
    """Listen and serve in a thread; stopped and closed at the end."""
    try:
        server.server_activate()
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
    except BaseException:
        server.server_close()
        raise
    try:
        yield url_of(server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def serve_table(table: dict[str, Any]) -> contextlib.AbstractContextManager[str]:
    """A real HTTP server on a free port serving `table`; yields its base URL."""
    return serving(table_server(table))


@contextlib.contextmanager
def hanging_cdn() -> Iterator[str]:
    """A CDN address that accepts connections (into the listen backlog) and never answers."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as sock:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("cdn", ["refuses", "hangs"])
async def test_hub_answers_at_once_whatever_the_cdn_does(
    start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any], cdn: str
) -> None:
    with contextlib.ExitStack() as stack:
        url = UNREACHABLE_CDN if cdn == "refuses" else stack.enter_context(hanging_cdn())
        started = time.monotonic()
        hub = start_hub("--cdn-attempts", "4", cdn_url=url)
        app = await ws_client(hub.url)
        assert await app.ask("ping") == "pong"
        elapsed = time.monotonic() - started
        # Listening did not wait for the CDN: a hanging one is still hanging (its first fetch
        # times out only after 2 s), and the hub serves the full packaged table meanwhile.
        if cdn == "hangs":
            assert "attempt 1 from" not in hub.log_text()
        assert await app.ask("cmd:all:status") == "cmd:result:sent_to_0_devices"
    # Before: +3 s of retries when the CDN refused, +11 s when it hung.
    assert elapsed < scaled(STARTUP_S + 1.0), f"{elapsed:.2f} s from start to pong"


async def test_unreachable_cdn_is_retried_while_the_packaged_table_serves(
    hub: HubProcess, hub_client: Callable[..., Any]
) -> None:
    assert "[COMMANDS] loaded 13 commands from the packaged table" in hub.log_text()
    await hub.wait_log("[COMMANDS] attempt 1 from http://127.0.0.1:1 failed")
    await hub.wait_log("[COMMANDS] CDN http://127.0.0.1:1 unreachable: serving 13 commands")
    await hub.wait_log("[COMMANDS] attempt 2 from http://127.0.0.1:1 failed")
    app = await hub_client()
    for command in json.loads(TABLE.read_text("utf-8"))["commands"].values():
        assert await app.ask(f"cmd:all:{command['example']}") == "cmd:result:sent_to_0_devices"


async def test_commands_come_from_the_cdn_when_reachable(
    start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any]
) -> None:
    table = json.loads(TABLE.read_text("utf-8"))
    table["commands"]["dance"] = {"parameters": [{"name": "style"}, {"name": "tempo"}]}
    del table["commands"]["reset"]
    with serve_table(table) as url:
        hub = start_hub(cdn_url=url)
        await hub.wait_log(f"[COMMANDS] loaded 13 commands from {url}/static/commands.json")
    app = await ws_client(hub.url)
    assert await app.ask("cmd:all:dance:tango:120") == "cmd:result:sent_to_0_devices"
    assert await app.ask("cmd:all:dance:tango") == "cmd:error:missing_parameters"
    assert await app.ask("cmd:all:reset") == "cmd:error:unknown_command"


async def test_commands_from_the_real_cdn(start_hub: Callable[..., HubProcess], cdn: Any) -> None:
    hub = start_hub(cdn_url=cdn.url)
    await hub.wait_log(f"[COMMANDS] loaded 13 commands from {cdn.url}/static/commands.json")


async def test_invalid_table_on_the_cdn_keeps_the_packaged_one(
    start_hub: Callable[..., HubProcess],
) -> None:
    with serve_table({"commands": "none"}) as url:
        hub = start_hub(cdn_url=url)
        await hub.wait_log("no 'commands' object")
    assert "[COMMANDS] loaded 13 commands from the packaged table" in hub.log_text()


async def test_cdn_that_comes_up_late_is_retried(start_hub: Callable[..., HubProcess]) -> None:
    table = json.loads(TABLE.read_text("utf-8"))
    table["commands"]["dance"] = {"parameters": []}
    # The port is bound from the start (no one else can take it) but refuses until served.
    server = table_server(table)
    url = url_of(server)
    try:
        hub = start_hub(cdn_url=url)
        await hub.wait_log(f"[COMMANDS] attempt 1 from {url} failed")
        with serving(server):
            await hub.wait_log(f"[COMMANDS] loaded 14 commands from {url}/static/commands.json")
    finally:
        server.server_close()  # idempotent: also when the test failed before serving
