"""Graceful shutdown: on SIGTERM or SIGINT the hub closes its connections (1001) and exits 0."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any

import pytest

from tests.fixtures.hub import HubProcess
from tests.support.timing import scaled


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_signal_stops_the_hub_cleanly(
    sig: signal.Signals, start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any]
) -> None:
    hub = start_hub()
    client = await ws_client(hub.url)
    await client.send("a1b2" + "00" * 8)
    assert await client.ask("ping") == "pong"
    hub.service.process.send_signal(sig)
    await asyncio.wait_for(client.ws.wait_closed(), scaled(5))
    assert client.ws.close_code == 1001  # going away
    code = await asyncio.to_thread(hub.service.process.wait, scaled(5))
    assert code == 0
    log = hub.log_text()
    assert "[DEVICE_DISCONNECT] a1b2: disconnected" in log
    assert log.rstrip().endswith("[DISCONNECT] hub stopped")
