"""An attacker cannot fill the hub's log: a burst of `cmd:all` or of connections leaves a
bounded number of lines and one line with the count of those suppressed."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from hub import lograte
from tests.fixtures.hub import HubProcess

BURST = 2000


async def test_a_burst_of_broadcasts_logs_a_bounded_number_of_lines(
    start_hub: Callable[..., HubProcess], ws_client: Callable[..., Any]
) -> None:
    # Every budget off: only the log's own limit stands between the burst and the log.
    hub = start_hub("--rate-limit", "0", "--command-rate", "0", "--fleet-command-rate", "0")
    app = await ws_client(hub.url)
    await app.send("\n".join(["cmd:all:status"] * BURST))
    await app.wait_for(lambda line: line == "cmd:result:sent_to_0_devices", start=BURST)
    await hub.wait_log("[BROADCAST] … -> …: … devices:")
    log = hub.log_text()
    shown = log.count("[BROADCAST] status -> all")
    assert 0 < shown <= 4 * lograte.PER_SECOND  # the burst lasts well under 3 s
    suppressed = sum(int(n) for n in re.findall(r"devices: (\d+) more suppressed", log))
    assert shown + suppressed == BURST


async def test_a_burst_of_connections_logs_a_bounded_number_of_lines(
    hub: HubProcess, ws_client: Callable[..., Any]
) -> None:
    for _ in range(60):
        client = await ws_client(hub.url)
        await client.close()
    await hub.wait_log("[CONNECT] … (… connections):")
    log = hub.log_text()
    assert log.count("[CONNECT] 127.0.0.1") < 60
    assert log.count("[DISCONNECT] 127.0.0.1") < 60
