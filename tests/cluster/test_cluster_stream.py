"""Stream lines cross hubs: frames of a device on one hub reach the subscribers of every hub, in
the wire format of one hub, batched; a device's answer reaches the client that asked, on its
own hub, and the stream subscribers everywhere.

Three real hubs joined through a real redis-server (tests/fixtures/cluster.py), real WebSocket
clients, emulated devices running the firmware core.
"""

from __future__ import annotations

import json

from grouploop.frame import is_frame
from tests.fixtures.devices import first_frame, more_frames, subscribe
from tests.support.timing import scaled

#: A device id no emulated device of these tests takes (raw WebSocket "devices" use it).
RAW_ID = "c1a0"


async def every_hub_sees_subscribers(hub_cluster, hub, count: int) -> None:
    """Wait until `hub` knows that each of the other hubs has `count` stream subscribers."""

    def ready(reply):
        others = [h for h in reply["hubs"] if not h["local"]]
        return len(others) == len(hub_cluster.hubs) - 1 and all(
            h["subscribers"] == count for h in others
        )

    await hub_cluster.wait_devices(hub, ready, f"{count} subscribers on every other hub")


async def test_frames_of_a_device_on_one_hub_reach_subscribers_on_every_hub_batched(
    hub_cluster, ws_client
):
    a, b, c = hub_cluster.hubs
    subs = [await subscribe(await ws_client(hub.url)) for hub in (a, b, c)]
    await every_hub_sees_subscribers(hub_cluster, a, 1)
    device = await ws_client(a.url)
    # Ten frames in one message land in one flush tick of hub-1: one batch, one publish.
    frames = [f"{RAW_ID}{i:02x}" + "80" * 6 + "3c" for i in range(10)]
    batch = "\n".join(frames) + "\n"
    await device.send(batch)

    for sub in subs:
        await more_frames(sub, {RAW_ID}, len(frames), 0, scaled(5))
        assert [line for line in sub.lines if line[:4] == RAW_ID] == frames
        # The subscriber's messages are batches of whole lines: the ten came in one message.
        assert any(batch in message for message in sub.messages), sub.messages
        assert all(message.endswith("\n") for message in sub.messages if is_frame(message[:20]))
    await device.close()


async def test_emulated_devices_on_every_hub_stream_to_every_hub(
    hub_cluster, ws_client, cluster_devices
):
    subs = [await subscribe(await ws_client(hub.url)) for hub in hub_cluster.hubs]
    swarms = [await cluster_devices(hub.url, 2) for hub in hub_cluster.hubs]
    ids = {device.device_id for swarm in swarms for device in swarm.devices}
    for sub in subs:
        await more_frames(sub, ids, 5, 0, scaled(10))


async def test_an_answer_reaches_the_client_that_asked_on_its_own_hub_and_every_subscriber(
    hub_cluster, ws_client, cluster_devices
):
    a, b, c = hub_cluster.hubs
    device = (await cluster_devices(a.url, 1)).devices[0]
    subs = [await subscribe(await ws_client(hub.url)) for hub in (a, b, c)]
    await first_frame(subs[1], device.device_id)
    asker = await ws_client(b.url)  # not a stream subscriber
    bystander = await ws_client(c.url)  # neither asked nor subscribed

    assert await asker.ask(f"cmd:{device.device_id}:status") == "cmd:result:success"
    prefix = f"ans:{device.device_id}:"
    _, line = await asker.wait_for(lambda line: line.startswith(prefix), timeout=scaled(5))
    answer = json.loads(line[len(prefix) :])
    assert answer["cmd"] == "status" and answer["ok"], answer
    for sub in subs:
        await sub.wait_for(lambda text, line=line: text == line, timeout=scaled(5))

    # The asker got its answer once and nothing of the stream; the bystander got nothing.
    assert await asker.ask("ping") == "pong"
    assert [text for text in asker.lines if text.startswith("ans:")] == [line]
    assert not any(is_frame(text) for text in asker.lines)
    assert await bystander.ask("ping") == "pong"
    assert bystander.lines == [bystander.lines[0], "pong"]
