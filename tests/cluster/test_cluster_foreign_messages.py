"""Whatever else is published on the cluster's Redis channels is dropped and counted
(`grouploop_hub_broker_dropped_total{reason=…}`), and never stops a hub: it keeps its link to
the broker (no reconnect), its place in the cluster and its service.

Three real hubs joined through a real redis-server; the messages are published with redis-py,
as any other Redis client could.
"""

from __future__ import annotations

import pytest
import redis.asyncio as redis

from tests.fixtures.cluster import metric
from tests.fixtures.devices import first_frame, more_frames, subscribe
from tests.support.timing import scaled

EVIL = "grouploop:hub:evil"

# (channel, payload, the reason it is dropped for)
MESSAGES = [
    (EVIL, b"garbage \x00\x01\x02", "foreign"),
    (EVIL, b"", "foreign"),
    (EVIL, b"gl1:c\nnot json", "malformed"),
    (EVIL, b'gl1:c\n["type", "hello"]', "malformed"),
    (EVIL, b'gl1:c\n{"type": "coffee"}', "malformed"),
    (EVIL, b'gl1:c\n{"kind": "hello"}', "malformed"),
    (EVIL, b'gl1:c\n{"type": "heartbeat", "url": "ws://x", "subscribers": "many"}', "malformed"),
    (
        EVIL,
        b'gl1:c\n{"type": "heartbeat", "url": "ws://x", "subscribers": 1e999, "devices": []}',
        "malformed",
    ),
    (
        EVIL,
        b'gl1:c\n{"type": "heartbeat", "url": "ws://x", "subscribers": 1, "devices": [["xyz!"]]}',
        "malformed",
    ),
    (EVIL, b'gl1:c\n{"type": "registry", "claims": [[1, 2, 3]], "releases": []}', "malformed"),
    (
        EVIL,
        b'gl1:c\n{"type": "heartbeat", "url": "ws://x", "subscribers": 1, "devices": '
        b'[["a1b2", null, "1.5"]]}',
        "malformed",
    ),
    (EVIL, b'gl1:c\n{"type": "registry", "claims": [], "releases": [7]}', "malformed"),
    (EVIL, b'gl1:c\n{"type": "registry", "claims": [], "releases": "a1b2"}', "malformed"),
    (
        EVIL,
        b'gl1:c\n{"type": "registry", "claims": [["a1b2", null, 1' + b"0" * 400 + b"]], "
        b'"releases": []}',
        "malformed",
    ),
    (EVIL, b'gl1:c\n{"type": "command", "target": "all", "text": 5}', "malformed"),
    (EVIL, b'gl1:c\n{"type": "command", "target": ["zz"], "text": "reset"}', "malformed"),
    (EVIL, b'gl1:c\n{"type": "command", "target": "all", "text": "a\\nb"}', "malformed"),
    (EVIL, b"gl1:c\n" + b"[" * 100_000, "malformed"),
    (EVIL, b"gl1:c\n\xff\xfe{}", "malformed"),
    (EVIL, b"gl1:s\n", "malformed"),
    (EVIL, b"gl1:s\nhello\n", "malformed"),
    (EVIL, b"gl1:s\na1b2808080808080808000", "malformed"),  # no final newline
    (EVIL, b"gl1:s\nA1B28080808080808080\n", "malformed"),  # not the wire's lower case
    (EVIL, b"gl1:s\nans:a1b2:\xff\xfe\n", "malformed"),  # not UTF-8
]


def dropped(text: str, reason: str) -> float:
    return metric(text, f'grouploop_hub_broker_dropped_total{{reason="{reason}"}}') or 0.0


@pytest.fixture
async def publisher(hub_cluster):
    client = redis.Redis.from_url(hub_cluster.redis.url)
    yield client
    await client.aclose()


async def test_foreign_and_malformed_messages_are_dropped_and_counted(
    hub_cluster, ws_client, cluster_devices, publisher
):
    a, b, c = hub_cluster.hubs
    device = (await cluster_devices(a.url, 1)).devices[0]
    sub = await subscribe(await ws_client(c.url))
    await first_frame(sub, device.device_id)
    before = [hub_cluster.metrics(hub) for hub in hub_cluster.hubs]

    for channel, payload, _ in MESSAGES:
        assert await publisher.publish(channel, payload) == len(hub_cluster.hubs)

    def counted(hub_index: int) -> bool:
        now, then = hub_cluster.metrics(hub_cluster.hubs[hub_index]), before[hub_index]
        return all(
            dropped(now, reason) - dropped(then, reason)
            == sum(expected == reason for _, _, expected in MESSAGES)
            for reason in ("foreign", "malformed")
        )

    for i, hub in enumerate(hub_cluster.hubs):
        await hub_cluster.wait_devices(hub, lambda _, i=i: counted(i), "every message counted")

    # Every hub is still in the cluster, on its first link, and the fleet still works; no
    # message left a trace (the sender is no hub, its devices no devices).
    await hub_cluster.joined()
    for hub in hub_cluster.hubs:
        reply = hub_cluster.devices_json(hub)
        assert len(reply["hubs"]) == 3 and len(reply["devices"]) == 1, reply
        assert metric(hub_cluster.metrics(hub), "grouploop_hub_broker_reconnects_total") == 0
    start = len(sub.lines)
    await more_frames(sub, {device.device_id}, 5, start, scaled(5))
    app = await ws_client(b.url)
    assert await app.ask(f"cmd:{device.device_id}:brightness:21") == "cmd:result:success"
    await device.wait_for(lambda: device.brightness == 21, scaled(5))


async def test_a_well_formed_message_of_another_cluster_never_reaches_a_hub(
    hub_cluster, ws_client, cluster_devices, publisher
):
    device = (await cluster_devices(hub_cluster.hubs[0].url, 1)).devices[0]
    await hub_cluster.wait_placement({device.device_id: "hub-1"})
    command = b'gl1:c\n{"type": "command", "target": "all", "text": "brightness:3"}'
    for channel in ("other:hub:evil", "grouploop:hubs", "grouploop:hub"):
        assert await publisher.publish(channel, command) == 0  # nobody listens there

    # A command the hubs do take, published after: once it arrived, the others would have too.
    app = await ws_client(hub_cluster.hubs[1].url)
    assert await app.ask(f"cmd:{device.device_id}:brightness:4") == "cmd:result:success"
    await device.wait_for(lambda: device.brightness == 4, scaled(5))
    assert device.brightness == 4
