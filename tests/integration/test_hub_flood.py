"""An idle-connection flood meets the hub's connection caps: refused at accept with a 503, no
traceback, a bounded log, and the hub keeps serving its healthz, devices and subscribers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from benchmarks.flood import IdleSocketFlood
from tests.fixtures.hub import HubProcess, eventually
from tests.support.timing import scaled

FRAME = "a1b2" + "0" * 16
#: Another loopback address: the flood's, so the test's own clients stay under the caps.
ATTACKER = "127.0.0.2"


def metric(hub: HubProcess, name: str) -> float:
    _, _, body = hub.get("/metrics")
    match = re.search(rf"^{re.escape(name)} (\S+)$", body.decode(), re.MULTILINE)
    return float(match.group(1)) if match else 0.0


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_flood_over_the_per_address_cap_is_refused_and_the_hub_keeps_serving(
    start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any], transport: str
) -> None:
    hub = start_hub("--transport", transport, "--max-connections-per-address", "200")
    flood = IdleSocketFlood("127.0.0.1", int(hub.url.rsplit(":", 1)[1]), 1000, ATTACKER)
    try:
        await flood.open()
        assert (flood.upgraded, flood.refused, flood.closed, flood.failed) == (200, 800, 0, 0)
        # Throughout the flood: healthz, a device, a subscriber.
        assert hub.get("/healthz")[0] == 200
        app = await ws_client(hub.url)
        assert await app.ask("s") == "stream:on"
        device = await ws_client(hub.url)
        await device.send(FRAME)
        await app.wait_for(lambda line: line == FRAME)
        refused = 'grouploop_hub_connections_refused_total{reason="max_connections_per_address"}'
        assert metric(hub, refused) == 800
        # The flood's 200, the app, the device, and this scrape.
        assert metric(hub, "grouploop_hub_tcp_connections") == 203
    finally:
        await flood.close()
    await eventually(lambda: metric(hub, "grouploop_hub_tcp_connections") == 3)
    log = hub.log_text()
    assert "Traceback" not in log
    # One [REFUSED] line per second at most 5 times, then a count, not 800 lines.
    assert log.count("[REFUSED]") < 800 // 4
    await hub.wait_log("more suppressed")


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_flood_over_the_global_cap_is_refused_until_it_ends(
    start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any], transport: str
) -> None:
    hub = start_hub(
        "--transport",
        transport,
        "--max-connections",
        "300",
        "--max-connections-per-address",
        "0",
    )
    flood = IdleSocketFlood("127.0.0.1", int(hub.url.rsplit(":", 1)[1]), 500, ATTACKER)
    try:
        await flood.open()
        assert (flood.upgraded, flood.refused) == (300, 200)
        refused = 'grouploop_hub_connections_refused_total{reason="max_connections"}'
    finally:
        await flood.close()
    # The scrape itself is the one connection left.
    await eventually(lambda: metric(hub, "grouploop_hub_tcp_connections") == 1, scaled(10))
    assert metric(hub, refused) >= 200  # and the scrapes refused while the cap was reached
    app = await ws_client(hub.url)
    assert await app.ask("ping") == "pong"
    assert "Traceback" not in hub.log_text()
