"""`grouploop emulate` as a process: devices stream, consoles are reported, it stops cleanly."""

import asyncio
import re

from bench.drivers.console import ConsoleDriver
from tests.fixtures.devices import more_frames, subscribe
from tests.fixtures.hub import eventually
from tests.support.timing import scaled

CONSOLE = re.compile(r"\[CONSOLE\] ([0-9a-f]{4}) (socket://\S+)")


async def stream_ids(sub, count):
    """The device ids seen streaming once `count` distinct ones have been seen."""
    ids: set[str] = set()

    def enough(line):
        if len(line) == 20:
            ids.add(line[:4])
        return len(ids) >= count

    await sub.wait_for(enough, timeout=scaled(10))
    return ids


async def test_emulate_runs_devices_with_consoles_and_stops_cleanly(
    hub, hub_client, emulate_process
):
    sub = await subscribe(await hub_client())
    service = emulate_process(3, "--seed", "cli", "--console-port", "0", "--summary", "0.5")
    assert service.url == hub.url
    ids = await stream_ids(sub, 3)
    consoles = dict(CONSOLE.findall(service.log_path.read_text()))
    assert set(consoles) == ids

    def console_status(url):
        console = ConsoleDriver("device", url).open()
        try:
            return console.command("status", r'^ans:\{"cmd":"status".*$', scaled(5)).group(0)
        finally:
            console.close()

    device_id, url = next(iter(consoles.items()))
    assert f'"id":"{device_id}"' in await asyncio.to_thread(console_status, url)

    summary = "[SWARM] devices 3 connected 3"
    await eventually(lambda: summary in service.log_path.read_text(), scaled(5), summary)
    assert await asyncio.to_thread(service.stop) == 0  # SIGTERM: a clean exit


async def test_emulate_spreads_devices_over_processes(hub_client, emulate_process):
    sub = await subscribe(await hub_client())
    service = emulate_process(4, "--processes", "2", "--seed", "split")
    ids = await stream_ids(sub, 4)
    await more_frames(sub, ids, 15, len(sub.lines), scaled(5))  # each keeps streaming
    assert await asyncio.to_thread(service.stop) == 0
