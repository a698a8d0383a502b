"""`grouploop hub` configured by the environment only, as in the original deployment."""

from __future__ import annotations

from grouploop.services import grouploop_argv, start
from tests.fixtures.hub import UNREACHABLE_CDN
from tests.support.timing import scaled


def test_ws_host_ws_port_and_cdn_base_url() -> None:
    env = {"WS_HOST": "127.0.0.1", "WS_PORT": "0", "CDN_BASE_URL": UNREACHABLE_CDN}
    service = start(
        "hub", grouploop_argv("hub", "--cdn-attempts", "1"), env=env, timeout=scaled(30)
    )
    try:
        assert service.url.startswith("ws://127.0.0.1:")
        assert service.port > 0
    finally:
        assert service.stop(timeout=scaled(10)) == 0
