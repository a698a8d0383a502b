"""Where the hub's command registry comes from: the CDN, or the packaged fallback."""

from __future__ import annotations

import asyncio
import contextlib
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.fixtures.hub import HubProcess, eventually
from tests.support.timing import scaled

TABLE = Path(__file__).parents[2] / "cdn" / "static" / "commands.json"


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


async def test_unreachable_cdn_falls_back_to_the_full_set(
    hub: HubProcess, hub_client: Callable[..., Any]
) -> None:
    log = hub.log_text()
    assert "[COMMANDS] CDN http://127.0.0.1:1 unreachable" in log
    assert "loaded 13 commands from the packaged fallback" in log
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
    assert f"[COMMANDS] loaded 13 commands from {url}/static/commands.json" in hub.log_text()
    app = await ws_client(hub.url)
    assert await app.ask("cmd:all:dance:tango:120") == "cmd:result:sent_to_0_devices"
    assert await app.ask("cmd:all:dance:tango") == "cmd:error:missing_parameters"
    assert await app.ask("cmd:all:reset") == "cmd:error:unknown_command"


def test_commands_from_the_real_cdn(start_hub: Callable[..., HubProcess], cdn: Any) -> None:
    hub = start_hub(cdn_url=cdn.url)
    assert f"[COMMANDS] loaded 13 commands from {cdn.url}/static/commands.json" in hub.log_text()


def test_invalid_table_on_the_cdn_falls_back(start_hub: Callable[..., HubProcess]) -> None:
    with serve_table({"commands": "none"}) as url:
        hub = start_hub(cdn_url=url)
    log = hub.log_text()
    assert "no 'commands' object" in log
    assert "loaded 13 commands from the packaged fallback" in log


async def test_cdn_that_comes_up_late_is_retried(
    start_hub: Callable[..., HubProcess], tmp_path: Path
) -> None:
    # The port is bound from the start (no one else can take it) but refuses until served.
    server = table_server(json.loads(TABLE.read_text("utf-8")))
    url = url_of(server)
    try:
        starting = asyncio.create_task(
            asyncio.to_thread(start_hub, "--cdn-attempts", "4", cdn_url=url)
        )

        def first_attempt_failed() -> bool:
            return any("attempt 1/4" in log.read_text() for log in tmp_path.glob("hub-*.log"))

        await eventually(first_attempt_failed, what="the hub's first attempt")
        with serving(server):
            hub = await asyncio.wait_for(starting, scaled(10))
    finally:
        server.server_close()  # idempotent: also when the test failed before serving
    assert f"[COMMANDS] loaded 13 commands from {url}/static/commands.json" in hub.log_text()
