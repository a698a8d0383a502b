"""`grouploop hub` configured by the environment only, as in the original deployment."""

from __future__ import annotations

from pathlib import Path

from grouploop.services import grouploop_argv, start
from tests.fixtures.cdn import CdnServer
from tests.fixtures.hub import eventually
from tests.support.timing import scaled


async def test_ws_host_ws_port_and_cdn_base_url_configure_the_hub(
    cdn: CdnServer, tmp_path: Path
) -> None:
    env = {"WS_HOST": "127.0.0.1", "WS_PORT": "0", "CDN_BASE_URL": cdn.url}
    log = tmp_path / "hub.log"
    service = start(
        "hub",
        grouploop_argv("hub", "--cdn-attempts", "1"),
        env=env,
        log_path=log,
        timeout=scaled(30),
    )
    try:
        assert service.url.startswith("ws://127.0.0.1:")
        assert service.port > 0
        # The command table came (in the background) from the CDN that CDN_BASE_URL named.
        loaded = f"[COMMANDS] loaded 13 commands from {cdn.url}/static/commands.json"
        await eventually(lambda: loaded in log.read_text(), what=loaded)
    finally:
        assert service.stop(timeout=scaled(10)) == 0
