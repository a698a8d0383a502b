"""The shared device registry: `/devices` on any hub lists the whole fleet with the hub holding
each device and the hubs; `/metrics` shows the broker's figures; an id that registers on a
second hub moves there (newest wins) and the first hub lets it go.

Three real hubs joined through a real redis-server; emulated devices and raw WebSocket clients.
"""

from __future__ import annotations

from tests.fixtures.cluster import metric
from tests.fixtures.hub import eventually
from tests.support.timing import scaled

#: An id no emulated device of these tests takes, claimed by raw WebSocket clients.
MOVING_ID = "d00d"


async def test_devices_on_any_hub_lists_the_fleet_with_its_hubs(hub_cluster, cluster_devices):
    a, b, _ = hub_cluster.hubs
    on_a = (await cluster_devices(a.url, 2)).devices
    on_b = (await cluster_devices(b.url, 1)).devices
    expected = {d.device_id: "hub-1" for d in on_a} | {on_b[0].device_id: "hub-2"}
    await hub_cluster.wait_placement(expected)

    for hub, name in zip(hub_cluster.hubs, hub_cluster.names, strict=True):
        reply = hub_cluster.devices_json(hub)
        hubs = {entry["name"]: entry for entry in reply["hubs"]}
        assert set(hubs) == {"hub-1", "hub-2", "hub-3"}
        assert [entry["name"] for entry in reply["hubs"] if entry["local"]] == [name]
        assert {n: entry["devices"] for n, entry in hubs.items()} == {
            "hub-1": 2,
            "hub-2": 1,
            "hub-3": 0,
        }
        assert {entry["url"] for entry in reply["hubs"]} == {h.url for h in hub_cluster.hubs}
        for device in reply["devices"]:
            assert device["registered_at"] is not None
            if device["hub"] == name:  # held here: what only this hub knows is filled in
                assert device["remote"] and device["connected_since"]
            else:
                assert device["remote"] is device["frames"] is device["last_values"] is None


async def test_metrics_show_the_broker(hub_cluster, cluster_devices):
    a, _, c = hub_cluster.hubs
    device = (await cluster_devices(a.url, 1)).devices[0]
    await hub_cluster.wait_placement({device.device_id: "hub-1"})
    # The round trip is measured with the heartbeat, once a second.
    round_trip = "grouploop_hub_broker_round_trip_seconds"
    await eventually(lambda: metric(hub_cluster.metrics(c), round_trip) is not None, scaled(5))

    for hub in hub_cluster.hubs:
        text = hub_cluster.metrics(hub)
        assert metric(text, "grouploop_hub_broker_up") == 1
        assert metric(text, "grouploop_hub_broker_hubs") == 2
        assert metric(text, "grouploop_hub_broker_published_total") > 0
        assert metric(text, "grouploop_hub_broker_published_bytes_total") > 0
        assert metric(text, "grouploop_hub_broker_received_total") > 0
        assert metric(text, "grouploop_hub_broker_received_bytes_total") > 0
        assert metric(text, "grouploop_hub_broker_reconnects_total") == 0
        assert metric(text, "grouploop_hub_broker_degraded_seconds_total") is not None
    text = hub_cluster.metrics(c)
    assert metric(text, "grouploop_hub_broker_remote_devices") == 1
    assert 0 < metric(text, round_trip) < scaled(2)


async def test_an_id_registering_on_another_hub_moves_there(hub_cluster, ws_client):
    a, b, c = hub_cluster.hubs
    first = await ws_client(a.url)
    assert await first.ask(f"id:{MOVING_ID}") == "id:ok"
    await hub_cluster.wait_placement({MOVING_ID: "hub-1"})

    second = await ws_client(b.url)
    assert await second.ask(f"id:{MOVING_ID}") == "id:ok"
    await hub_cluster.wait_placement({MOVING_ID: "hub-2"})
    # hub-1 let it go: no longer its own device (its connection stays open, as on one hub).
    reply = hub_cluster.devices_json(a)
    assert [d["hub"] for d in reply["devices"]] == ["hub-2"]
    assert [h["devices"] for h in reply["hubs"] if h["local"]] == [0]
    assert await first.ask("ping") == "pong"

    third = await ws_client(c.url)
    assert await third.ask(f"id:{MOVING_ID}") == "id:ok"
    await hub_cluster.wait_placement({MOVING_ID: "hub-3"})
    for hub in (a, b):
        reply = hub_cluster.devices_json(hub)
        assert [h["devices"] for h in reply["hubs"] if h["local"]] == [0]
    for client in (first, second, third):
        await client.close()
    await hub_cluster.wait_placement({})
