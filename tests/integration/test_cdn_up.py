"""`grouploop up` for real: hub, CDN and docs start on free ports, answer, and stop together."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.fixtures.hub import HubClient
from tests.fixtures.tls import ServerCa
from tests.support.http import http_get
from tests.support.timing import scaled
from tests.support.up import Up, running_up


@pytest.fixture
def up(tmp_path: Path) -> Iterator[Up]:
    with running_up(tmp_path) as running:
        yield running


def get(url: str, path: str) -> tuple[int, bytes]:
    status, _, body = http_get(url, path)
    return status, body


def assert_gone(pid: int) -> None:
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_up_serves_hub_cdn_and_docs_and_sigterm_stops_all(up: Up, tmp_path: Path) -> None:
    assert set(up.urls) >= {"hub", "cdn", "docs", "web"}
    assert (tmp_path / "fw").is_dir(), "CDN_FIRMWARE_DIR reaches the CDN"
    assert all(urlsplit(url).port for url in up.urls.values())
    status, body = get(up.urls["cdn"], "/")
    assert status == 200 and b'"grouploop-cdn"' in body
    status, body = get(up.urls["hub"], "/healthz")
    assert status == 200, body
    status, body = get(up.urls["docs"], "/")
    assert status == 200 and b"GroupLoop" in body
    status, body = get(up.urls["web"], "/config.js")
    assert status == 200 and up.urls["hub"].encode() in body, body
    status, body = get(up.urls["docs"], "/architecture/")
    assert status == 200 and b"mermaid" in body
    # The hub took its command table from this CDN, not from the fallback.
    assert any("[COMMANDS]" in line and up.urls["cdn"] in line for line in up.output)

    up.process.send_signal(signal.SIGTERM)
    assert up.process.wait(scaled(30)) == 0
    up.wait_for("[UP] cdn stopped", scaled(10))
    for pid in up.pids.values():
        assert_gone(pid)


def test_a_dying_child_stops_everything_with_an_error(up: Up) -> None:
    os.kill(up.pids["cdn"], signal.SIGKILL)
    up.wait_for("[UP] cdn exited with -9; stopping the others", scaled(30))
    assert up.process.wait(scaled(30)) == 1
    for pid in up.pids.values():
        assert_gone(pid)


async def test_up_lan_sets_up_auth_and_prints_what_each_app_and_device_needs(
    tmp_path: Path,
) -> None:
    # --host 127.0.0.1: tests bind loopback only; --lan's auth is the same on any address.
    with running_up(tmp_path, "--lan", "--lan-dir", str(tmp_path / "lan")) as up:
        up.wait_for("[UP] the hub's /devices", scaled(10))
        text = "".join(up.output)
        tokens = dict(re.findall(r"\[UP\]\s+(admin|operator|viewer)\s+(\S+)", text))
        assert set(tokens) == {"admin", "operator", "viewer"}
        assert all(
            token not in (tmp_path / "lan" / "tokens.json").read_text() for token in tokens.values()
        )
        assert "device_secret" in text and "configuration panel" in text
        hub = up.urls["hub"]
        stranger = await HubClient.connect(hub)
        operator = await HubClient.connect(f"{hub}/?token={tokens['operator']}")
        try:
            assert await stranger.ask("cmd:all:led:ff0000") == "cmd:error:forbidden"
            assert await operator.next_line() == "auth:ok:operator"
            assert await operator.ask("s") == "stream:on"
            # The three virtual devices logged in with their secrets and stream.
            ids: set[str] = set()

            def three_devices(line: str) -> bool:
                if len(line) == 20:
                    ids.add(line[:4])
                return len(ids) == 3

            await operator.wait_for(three_devices, timeout=scaled(15))
            assert await operator.ask("cmd:all:led:00ff00") == "cmd:result:sent_to_3_devices"
        finally:
            await stranger.close()
            await operator.close()
        assert http_get(hub.replace("ws", "http", 1), "/devices")[0] == 401
        up.process.send_signal(signal.SIGTERM)
        assert up.process.wait(scaled(30)) == 0


def test_up_with_tls_serves_wss_and_https_and_its_devices_verify_the_hub(
    tmp_path: Path, tls_ca: ServerCa
) -> None:
    with running_up(tmp_path, *tls_ca.server_args, "--tls-ca", str(tls_ca.ca_path)) as up:
        assert up.urls["hub"].startswith("wss://") and up.urls["cdn"].startswith("https://")
        assert up.urls["web"].startswith("https://")
        context = tls_ca.client_context()
        status, _, body = http_get(up.urls["cdn"], "/", context=context)
        assert status == 200 and b'"grouploop-cdn"' in body
        status, _, body = http_get(up.urls["web"], "/config.js", context=context)
        assert status == 200 and up.urls["hub"].encode() in body
        assert any("[COMMANDS]" in line and up.urls["cdn"] in line for line in up.output)
        deadline = time.monotonic() + scaled(20)
        devices: list[object] = []
        while len(devices) < 3 and time.monotonic() < deadline:
            status, _, body = http_get(up.urls["hub"], "/devices", context=context)
            devices = json.loads(body)["devices"]
            time.sleep(0.2)
        assert len(devices) == 3, "the virtual devices verified the hub with --tls-ca"
