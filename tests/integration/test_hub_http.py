"""The operators' HTTP endpoints on the hub's WebSocket port."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.fixtures.hub import HubProcess


@pytest.fixture(params=["websockets", "picows"])
def hub(request: pytest.FixtureRequest, start_hub: Callable[..., HubProcess]) -> HubProcess:
    """Both transports (the one core) must behave the same here."""
    return start_hub("--transport", request.param)


def samples(hub: HubProcess) -> dict[str, float]:
    status, headers, body = hub.get("/metrics")
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            found[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
    return found


def test_healthz_answers_ok(hub: HubProcess) -> None:
    status, _, body = hub.get("/healthz")
    assert (status, body) == (200, b"ok\n")


def test_devices_lists_none_before_any_device_connects(hub: HubProcess) -> None:
    status, headers, body = hub.get("/devices?pretty=1")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"devices": []}


def test_devices_may_be_read_by_a_page_of_another_origin(hub: HubProcess) -> None:
    # The web apps run on other ports than the hub's; the device emulator reads /devices.
    _status, headers, _body = hub.get("/devices")
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_plain_http_elsewhere_is_refused(hub: HubProcess) -> None:
    status, _, _ = hub.get("/")
    # websockets answers 426 Upgrade Required, picows 400: either way, no page here.
    assert status in (400, 426)


async def test_metrics_follow_traffic(hub: HubProcess, hub_client: Callable[..., Any]) -> None:
    before = samples(hub)
    assert before["grouploop_hub_devices"] == 0
    assert before["grouploop_hub_commands_loaded"] == 13
    assert "process_cpu_seconds_total" in before
    app = await hub_client()
    await app.ask("s")
    dev = await hub_client()
    for i in range(5):
        await dev.send(f"a1b2{i:02x}" + "00" * 7)
    await app.wait_for(lambda line: line.startswith("a1b204"))
    assert await app.ask("cmd:a1b2:nope") == "cmd:error:unknown_command"
    assert await app.ask(b"\x00") == "error:binary_not_supported"
    after = samples(hub)
    assert after["grouploop_hub_frames_received_total"] == 5
    assert after["grouploop_hub_stream_lines_delivered_total"] == 5
    assert after["grouploop_hub_devices"] == 1
    assert after["grouploop_hub_subscribers"] == 1
    assert after["grouploop_hub_open_connections"] == 2
    assert after["grouploop_hub_errors_total{reason=unknown_command}"] == 1
    assert after["grouploop_hub_errors_total{reason=binary_not_supported}"] == 1
