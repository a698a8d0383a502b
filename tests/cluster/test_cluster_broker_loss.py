"""Redis killed (SIGKILL) and restarted: every hub keeps serving its own devices and subscribers
without losing a frame, says it is degraded (`/healthz/cluster` 503), and rejoins the cluster by
itself once Redis answers again: cross-hub frames flow, `/healthz/cluster` is 200, the
reconnect is counted.

Three real hubs, a real redis-server (tests/fixtures/redis.py), an emulated device, real
WebSocket subscribers.
"""

from __future__ import annotations

import asyncio

from tests.fixtures.cluster import metric
from tests.fixtures.devices import first_frame, frames_of, more_frames, subscribe
from tests.support.timing import scaled

DEGRADED = b"degraded: broker unreachable for "


async def health(hub, path: str) -> tuple[int, bytes]:
    status, _, body = await asyncio.to_thread(hub.get, path)
    return status, body


async def all_degraded(hubs) -> None:
    for hub in hubs:
        deadline = asyncio.get_running_loop().time() + scaled(5)
        while (await health(hub, "/healthz/cluster"))[0] != 503:
            assert asyncio.get_running_loop().time() < deadline, "never degraded"
            await asyncio.sleep(0.05)


async def test_redis_killed_and_restarted(start_cluster, ws_client, cluster_devices):
    cluster = await start_cluster(3)
    a, b, _ = cluster.hubs
    # Subscribed before the device starts: it sees every frame the device ever sends.
    local = await subscribe(await ws_client(a.url))
    remote = await subscribe(await ws_client(b.url))
    swarm = await cluster_devices(a.url, 1)
    device = swarm.devices[0]
    await first_frame(remote, device.device_id)

    await asyncio.to_thread(cluster.redis.kill)
    await all_degraded(cluster.hubs)
    for hub in cluster.hubs:
        status, body = await health(hub, "/healthz/cluster")
        assert status == 503 and body.startswith(DEGRADED), body
        assert body.endswith(b" s; serving local devices only\n"), body
        status, body = await health(hub, "/healthz")
        assert status == 200 and body.startswith(DEGRADED), body  # the hub itself is alive
        assert metric(cluster.metrics(hub), "grouploop_hub_broker_up") == 0
    # Local service goes on: the local subscriber keeps getting the device's frames.
    await more_frames(local, {device.device_id}, 20, len(local.lines), scaled(5))
    assert [d["id"] for d in cluster.devices_json(a)["devices"]] == [device.device_id]

    await asyncio.to_thread(cluster.redis.restart)
    await cluster.joined()  # every hub: 200, "3 hubs", by itself
    await cluster.wait_placement({device.device_id: "hub-1"})
    await more_frames(remote, {device.device_id}, 5, len(remote.lines), scaled(5))
    for hub in cluster.hubs:
        text = cluster.metrics(hub)
        assert metric(text, "grouploop_hub_broker_up") == 1
        assert metric(text, "grouploop_hub_broker_reconnects_total") >= 1
        assert metric(text, "grouploop_hub_broker_degraded_seconds_total") > 0

    # Not a frame lost on the local hub, throughout: all the device sent, once, in order.
    device_id = device.device_id
    await swarm.close()
    await more_frames(local, {device_id}, device.frames_sent, 0, scaled(5))
    assert len(frames_of(local, device_id)) == device.frames_sent
