"""Every command shape sent to any hub reaches the devices wherever they are, and the answer
counts the whole fleet: `cmd:<id>:…`, `cmd:<id1>,<id2>:…`, `cmd:all:…`, an unknown id.

Three real hubs joined through a real redis-server, one emulated device on each; a device shows
that a command reached it through its brightness (the firmware core's own state).
"""

from __future__ import annotations

import pytest

from tests.fixtures.devices import first_frame, subscribe
from tests.support.timing import scaled


@pytest.fixture
async def fleet(hub_cluster, ws_client, cluster_devices):
    """One emulated device per hub, streaming, and every hub knowing where each one is."""
    devices = [(await cluster_devices(hub.url, 1)).devices[0] for hub in hub_cluster.hubs]
    await hub_cluster.wait_placement(
        {d.device_id: name for d, name in zip(devices, hub_cluster.names, strict=True)}
    )
    sub = await subscribe(await ws_client(hub_cluster.hubs[0].url))
    for device in devices:
        await first_frame(sub, device.device_id)
    return devices


async def brightness(devices, value: int) -> None:
    for device in devices:
        await device.wait_for(lambda d=device: d.brightness == value, scaled(5))


async def test_one_id_on_another_hub(hub_cluster, ws_client, fleet):
    on_a, on_b, on_c = fleet
    app = await ws_client(hub_cluster.hubs[1].url)
    assert await app.ask(f"cmd:{on_a.device_id}:brightness:17") == "cmd:result:success"
    await brightness([on_a], 17)
    assert on_b.brightness != 17 and on_c.brightness != 17
    # Upper case ids name the same device, as on one hub.
    assert await app.ask(f"cmd:{on_a.device_id.upper()}:brightness:18") == "cmd:result:success"
    await brightness([on_a], 18)


async def test_two_ids_on_two_other_hubs(hub_cluster, ws_client, fleet):
    on_a, on_b, on_c = fleet
    app = await ws_client(hub_cluster.hubs[0].url)
    target = f"{on_b.device_id},{on_c.device_id}"
    assert await app.ask(f"cmd:{target}:brightness:33") == "cmd:result:sent_to_2_devices"
    await brightness([on_b, on_c], 33)
    assert on_a.brightness != 33
    # One here, one elsewhere, one unknown: the two known ones are reached.
    target = f"{on_a.device_id},{on_c.device_id},ffff"
    assert await app.ask(f"cmd:{target}:brightness:34") == "cmd:result:sent_to_2_devices"
    await brightness([on_a, on_c], 34)


async def test_all_reaches_every_hub_and_counts_the_fleet(hub_cluster, ws_client, fleet):
    app = await ws_client(hub_cluster.hubs[2].url)
    assert await app.ask("cmd:all:brightness:99") == "cmd:result:sent_to_3_devices"
    await brightness(fleet, 99)


async def test_an_unknown_id_fails_on_every_hub(hub_cluster, ws_client, fleet):
    assert "ffff" not in {device.device_id for device in fleet}
    for hub in hub_cluster.hubs:
        app = await ws_client(hub.url)
        assert await app.ask("cmd:ffff:brightness:5") == "cmd:result:failed"
    assert all(device.brightness != 5 for device in fleet)
