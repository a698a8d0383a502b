"""`grouploop up --hubs N` for real: a private Redis, N hubs as one cluster, devices spread."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.hub import HubClient
from tests.fixtures.redis import require_redis
from tests.support.http import http_get
from tests.support.timing import scaled
from tests.support.up import Up, running_up

HUBS = {"hub-1", "hub-2"}


def http(hub: str) -> str:
    return hub.replace("ws", "http", 1)


def fleet(up: Up, hub: str, token: str | None = None) -> list[dict[str, Any]]:
    """The hub's /devices once it lists all six devices (three per hub)."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    deadline = time.monotonic() + scaled(30)
    while True:
        status, _, body = http_get(http(up.urls[hub]), "/devices", headers=headers)
        assert status == 200, body
        devices: list[dict[str, Any]] = json.loads(body)["devices"]
        if len(devices) == 6 or time.monotonic() > deadline:
            return devices
        time.sleep(0.2)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def assert_all_gone(up: Up) -> None:
    assert "redis" in up.pids
    assert [name for name, pid in up.pids.items() if alive(pid)] == []


def test_up_hubs_2_is_one_fleet_on_two_hubs_and_ctrl_c_stops_it_with_redis(
    tmp_path: Path,
) -> None:
    require_redis()
    with running_up(tmp_path, "--hubs", "2") as up:
        assert set(up.urls) >= {"redis", "cdn", *HUBS, "web", "docs", "devices-1", "devices-2"}
        assert re.fullmatch(r"redis://127\.0\.0\.1:\d+/0", up.urls["redis"])
        assert up.urls["hub-1"] != up.urls["hub-2"]
        for hub in sorted(HUBS):
            status, _, body = http_get(http(up.urls[hub]), "/healthz/cluster")
            assert status == 200 and b"cluster" in body, body
            devices = fleet(up, hub)
            assert len(devices) == 6, devices
            assert {d["hub"] for d in devices} == HUBS, "the devices are spread over both hubs"
        status, _, body = http_get(up.urls["web"], "/config.js")
        assert status == 200 and up.urls["hub-1"].encode() in body, "the web apps use hub-1"

        up.interrupt()
        assert up.process.wait(scaled(30)) == 0
        up.wait_for("[UP] redis stopped", scaled(10))
        assert_all_gone(up)


async def test_up_hubs_2_lan_every_hub_takes_the_same_tokens_and_sigterm_stops_all(
    tmp_path: Path,
) -> None:
    require_redis()
    lan = tmp_path / "lan"
    with running_up(tmp_path, "--hubs", "2", "--lan", "--lan-dir", str(lan)) as up:
        up.wait_for("[UP] the hub's /devices", scaled(10))
        operator = dict(re.findall(r"\[UP\]\s+(operator)\s+(\S+)", "".join(up.output)))["operator"]
        # The devices of both hubs logged in with the secrets they registered in the one file.
        devices = fleet(up, "hub-2", operator)
        assert len(devices) == 6 and {d["hub"] for d in devices} == HUBS
        for hub in sorted(HUBS):
            assert http_get(http(up.urls[hub]), "/devices")[0] == 401
            client = await HubClient.connect(f"{up.urls[hub]}/?token={operator}")
            try:
                assert await client.next_line() == "auth:ok:operator"
                assert await client.ask("cmd:all:led:00ff00") == "cmd:result:sent_to_6_devices"
            finally:
                await client.close()

        up.process.terminate()
        assert up.process.wait(scaled(30)) == 0
        up.wait_for("[UP] redis stopped", scaled(10))
        assert_all_gone(up)


def test_up_hubs_without_redis_server_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no redis-server on it (python runs by full path)
    with (
        pytest.raises(pytest.fail.Exception, match="sudo apt-get install redis-server"),
        running_up(tmp_path, "--hubs", "3"),
    ):
        pass
