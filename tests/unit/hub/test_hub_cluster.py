"""The cluster's sans-I/O half (`hub.cluster`) and the core's cluster paths, without Redis:
payloads in, events and outbox out; the core's sends with another hub's devices."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from hub import commands
from hub.cluster import CONTROL, OUTBOX_LIMIT, STREAM, Cluster, Command
from hub.core import HubCore
from hub.limits import Limits

B = "grouploop:hub:hub-2"
C = "grouploop:hub:hub-3"
FRAME = "a1b2" + "80" * 7 + "00"
REMOTE_FRAME = "e1e2" + "40" * 7 + "ff"


def control(**message: Any) -> bytes:
    return CONTROL + json.dumps(message).encode()


def heartbeat(devices: list[list[Any]], subscribers: int = 0, url: str = "ws://x") -> bytes:
    return control(type="heartbeat", url=url, subscribers=subscribers, devices=devices)


def registry(claims: Sequence[list[Any]] = (), releases: Sequence[Any] = ()) -> bytes:
    return control(type="registry", claims=list(claims), releases=list(releases))


def sent(cluster: Cluster) -> list[Any]:
    """The outbox, decoded: control messages as dicts, stream batches as text."""
    out = []
    for payload in cluster.take_outbox():
        if payload.startswith(CONTROL):
            out.append(json.loads(payload[len(CONTROL) :]))
        else:
            assert payload.startswith(STREAM)
            out.append(payload[len(STREAM) :].decode())
    return out


@dataclass
class Local:
    device_id: str
    label: str | None
    registered_at: float


@pytest.fixture
def cluster() -> Cluster:
    """hub-1, joined, its hello and first heartbeat already taken."""
    cluster = Cluster("hub-1", hub_timeout=3.0)
    cluster.link_up(0.0, {}, 0)
    cluster.take_outbox()
    return cluster


def place(cluster: Cluster) -> dict[str, str]:
    """Device id -> the hub this hub believes holds it."""
    return {i: d.hub for i, d in cluster.remote.items()}


# -- payloads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "event"),
    [
        (STREAM + f"{REMOTE_FRAME}\n".encode(), ("stream", f"{REMOTE_FRAME}\n")),
        (STREAM + b'ans:e1e2:{"cmd":"status"}\n', ("stream", 'ans:e1e2:{"cmd":"status"}\n')),
        (control(type="hello"), ("hello", None)),
        (
            control(type="command", target="all", text="reset"),
            ("command", Command("all", "reset")),
        ),
        (
            control(type="command", target=["e1e2", "a1b2"], text="led:ff0000"),
            ("command", Command(["e1e2", "a1b2"], "led:ff0000")),
        ),
        (heartbeat([["e1e2", "lamp", 5.0]]), None),
        (registry([["e1e2", None, 5]]), None),
        (control(type="bye"), None),
    ],
)
def test_well_formed_payloads(cluster: Cluster, payload: bytes, event: Any) -> None:
    assert cluster.receive(B, payload, 1.0, {}) == event
    assert not cluster.stats.dropped
    assert cluster.stats.received == 1 and cluster.stats.received_bytes == len(payload)


@pytest.mark.parametrize(
    "payload",
    [
        b"gl1:c\nnot json",
        b"gl1:c\n" + b"[" * 100_000,
        b"gl1:c\n\xff{}",
        b'gl1:c\n["type"]',
        b'gl1:c\n"hello"',
        control(type="coffee"),
        control(kind="hello"),
        control(type=["hello"]),
        heartbeat([], subscribers="many"),  # type: ignore[arg-type]
        heartbeat([], subscribers=-1),
        heartbeat([], subscribers=True),
        heartbeat([], url=5),  # type: ignore[arg-type]
        b'gl1:c\n{"type":"heartbeat","url":"x","subscribers":1e999,"devices":[]}',
        heartbeat([["E1E2", None, 1.0]]),
        heartbeat([["e1e2", 5, 1.0]]),
        heartbeat([["e1e2", None, "1.0"]]),
        heartbeat([["e1e2", None]]),
        b'gl1:c\n{"type":"heartbeat","url":"x","subscribers":1,"devices":[["e1e2",null,NaN]]}',
        registry([], ["e1e2", 7]),
        control(type="registry", claims=[], releases="e1e2"),
        b'gl1:c\n{"type":"registry","claims":[["e1e2",null,1' + b"0" * 400 + b']],"releases":[]}',
        control(type="command", target="all", text=""),
        control(type="command", target="all", text="a\nb"),
        control(type="command", target="all", text=5),
        control(type="command", target="e1e2", text="reset"),
        control(type="command", target=["zz"], text="reset"),
        STREAM,
        STREAM + b"hello\n",
        STREAM + REMOTE_FRAME.encode(),
        STREAM + REMOTE_FRAME.upper().encode() + b"\n",
        STREAM + b"ans:e1e2:\xff\n",
        STREAM + b"ans:E1E2:{}\n",
    ],
)
def test_malformed_payloads_are_dropped_counted_and_leave_no_trace(
    cluster: Cluster, payload: bytes
) -> None:
    assert cluster.receive(B, payload, 1.0, {}) is None
    assert cluster.stats.dropped == {"malformed": 1}
    assert cluster.hubs == {} and cluster.remote == {} and not cluster.wants_stream


@pytest.mark.parametrize(
    ("channel", "payload"),
    [
        (B, b"garbage"),
        (B, b""),
        (B, b"gl2:s\n" + FRAME.encode() + b"\n"),
        ("other:hub:hub-2", control(type="hello")),
        ("grouploop:hubs", control(type="hello")),
    ],
)
def test_foreign_payloads_are_dropped_and_counted(
    cluster: Cluster, channel: str, payload: bytes
) -> None:
    assert cluster.receive(channel, payload, 1.0, {}) is None
    assert cluster.stats.dropped == {"foreign": 1}
    assert cluster.hubs == {}


def test_own_publishes_echoed_back_are_skipped(cluster: Cluster) -> None:
    assert cluster.receive("grouploop:hub:hub-1", control(type="hello"), 1.0, {}) is None
    assert cluster.stats.received == 0 and not cluster.stats.dropped and not cluster.hubs


# -- registry ----------------------------------------------------------------------------------


def test_heartbeat_replaces_the_hubs_device_set(cluster: Cluster) -> None:
    cluster.receive(B, heartbeat([["e1e2", None, 1.0], ["e3e4", "x", 1.0]], url="ws://b"), 1.0, {})
    assert place(cluster) == {"e1e2": "hub-2", "e3e4": "hub-2"}
    cluster.receive(B, heartbeat([["e3e4", "x", 1.0], ["e5e6", None, 2.0]], url="ws://b"), 2.0, {})
    assert place(cluster) == {"e3e4": "hub-2", "e5e6": "hub-2"}
    hub = cluster.hubs["hub-2"]
    assert hub.devices == {"e3e4", "e5e6"} and hub.url == "ws://b" and hub.last_heard == 2.0
    cluster.receive(B, heartbeat([]), 3.0, {})
    assert cluster.remote == {} and cluster.hubs["hub-2"].devices == set()


def test_registry_claims_and_releases(cluster: Cluster) -> None:
    cluster.receive(B, registry([["e1e2", None, 1.0], ["e3e4", None, 1.0]]), 1.0, {})
    cluster.receive(B, registry(releases=["e1e2", "ffff"]), 2.0, {})
    assert place(cluster) == {"e3e4": "hub-2"}
    # A release by a hub that does not hold the device changes nothing.
    cluster.receive(C, registry(releases=["e3e4"]), 2.0, {})
    assert place(cluster) == {"e3e4": "hub-2"}


@pytest.mark.parametrize("order", [(B, C), (C, B)])
def test_newest_registration_wins_across_hubs_in_any_order(
    cluster: Cluster, order: tuple[str, str]
) -> None:
    at = {B: 10.0, C: 20.0}
    for channel in order:
        cluster.receive(channel, registry([["e1e2", None, at[channel]]]), 1.0, {})
    assert place(cluster) == {"e1e2": "hub-3"}
    assert cluster.hubs["hub-3"].devices == {"e1e2"}
    assert cluster.hubs["hub-2"].devices == set()
    # A stale heartbeat of the older hub does not take it back.
    cluster.receive(B, heartbeat([["e1e2", None, 10.0]]), 2.0, {})
    assert place(cluster) == {"e1e2": "hub-3"}


@pytest.mark.parametrize("order", [(B, C), (C, B)])
def test_a_tie_goes_to_the_larger_hub_name(cluster: Cluster, order: tuple[str, str]) -> None:
    for channel in order:
        cluster.receive(channel, registry([["e1e2", None, 10.0]]), 1.0, {})
    assert place(cluster) == {"e1e2": "hub-3"}


def test_a_newer_claim_moves_a_local_device_away_an_older_one_does_not(cluster: Cluster) -> None:
    cluster.wall_offset = 1000.0
    local = {"a1b2": Local("a1b2", None, registered_at=5.0)}  # wall clock 1005
    assert cluster.receive(B, registry([["a1b2", None, 1004.0]]), 1.0, local) is None
    assert cluster.remote == {}
    # A heartbeat never takes a device this hub holds, whatever its time.
    cluster.receive(B, heartbeat([["a1b2", None, 2000.0]]), 1.0, local)
    assert cluster.remote == {}
    assert cluster.receive(B, registry([["a1b2", None, 1006.0]]), 1.0, local) == (
        "moved",
        ["a1b2"],
    )
    assert place(cluster) == {"a1b2": "hub-2"}


def test_a_local_registration_takes_the_device_from_the_other_hub(cluster: Cluster) -> None:
    cluster.wall_offset = 1000.0
    cluster.receive(B, heartbeat([["a1b2", None, 1000.0]]), 1.0, {})
    cluster.registered(Local("a1b2", "lamp", registered_at=2.0))
    cluster.released("c3d4")
    assert cluster.remote == {} and cluster.hubs["hub-2"].devices == set()
    cluster.tick()
    assert sent(cluster) == [
        {"type": "registry", "claims": [["a1b2", "lamp", 1002.0]], "releases": ["c3d4"]}
    ]
    cluster.tick()  # nothing new: nothing sent
    assert sent(cluster) == []


def test_silent_hubs_expire_with_their_devices(cluster: Cluster) -> None:
    cluster.receive(B, heartbeat([["e1e2", None, 1.0]], subscribers=1), 10.0, {})
    cluster.receive(C, heartbeat([["e3e4", None, 1.0]]), 11.0, {})
    assert cluster.wants_stream
    assert cluster.expire(13.0) == []  # exactly hub_timeout: still there
    assert cluster.expire(13.5) == ["hub-2"]
    assert place(cluster) == {"e3e4": "hub-3"}
    assert not cluster.wants_stream  # the only subscribers were on hub-2
    # Any payload counts as being heard, stream lines too.
    cluster.receive(C, STREAM + f"{REMOTE_FRAME}\n".encode(), 14.5, {})
    assert cluster.expire(17.0) == []
    assert cluster.expire(17.6) == ["hub-3"] and cluster.remote == {} and cluster.hubs == {}


def test_bye_forgets_a_hub_at_once(cluster: Cluster) -> None:
    cluster.receive(B, heartbeat([["e1e2", None, 1.0]], subscribers=2), 1.0, {})
    cluster.receive(B, control(type="bye"), 1.5, {})
    assert cluster.hubs == {} and cluster.remote == {} and not cluster.wants_stream


def test_stream_interest_follows_the_other_hubs_subscribers(cluster: Cluster) -> None:
    cluster.receive(B, heartbeat([]), 1.0, {})
    assert not cluster.wants_stream
    cluster.receive(C, heartbeat([], subscribers=3), 1.0, {})
    assert cluster.wants_stream
    cluster.receive(C, heartbeat([]), 2.0, {})
    assert not cluster.wants_stream


# -- link ----------------------------------------------------------------------------------


def test_link_down_forgets_the_others_and_the_outbox_until_link_up() -> None:
    cluster = Cluster("hub-1", now=5.0)
    assert not cluster.joined and cluster.degraded_for(7.0) == 2.0
    local = {"a1b2": Local("a1b2", None, registered_at=1.0)}
    cluster.link_up(8.0, local, 1)
    assert cluster.joined and cluster.stats.degraded_s == 3.0
    assert sent(cluster) == [
        {"type": "hello"},
        {"type": "heartbeat", "url": "", "subscribers": 1, "devices": [["a1b2", None, 1.0]]},
    ]
    cluster.receive(B, heartbeat([["e1e2", None, 1.0]], subscribers=1), 9.0, {})
    cluster.publish_stream(f"{FRAME}\n")
    cluster.registered(Local("c3d4", None, 9.0))

    cluster.link_down(10.0)
    assert cluster.hubs == {} and cluster.remote == {} and not cluster.wants_stream
    assert cluster.outbox == [] and cluster.stats.dropped == {"link_down": 1}
    assert cluster.degraded_for(12.0) == 2.0
    # Nothing is queued while degraded: it could only be stale when the link comes back.
    cluster.publish_stream(f"{FRAME}\n")
    cluster.publish_command("all", "reset")
    cluster.registered(Local("c3d5", None, 11.0))
    cluster.released("c3d4")
    cluster.heartbeat(local, 0)
    cluster.tick()
    assert cluster.outbox == []
    cluster.link_up(13.0, {}, 0)
    assert cluster.stats.degraded_s == 6.0
    assert [m["type"] for m in sent(cluster)] == ["hello", "heartbeat"]


def test_the_outbox_is_bounded_dropping_the_oldest_stream_batch_first(cluster: Cluster) -> None:
    cluster.publish_stream("first\n")
    cluster.publish_command("all", "reset")
    for i in range(OUTBOX_LIMIT - 2):
        cluster.publish_stream(f"{i}\n")
    assert len(cluster.outbox) == OUTBOX_LIMIT and not cluster.stats.dropped
    cluster.publish_stream("last\n")
    out = sent(cluster)
    assert len(out) == OUTBOX_LIMIT and cluster.stats.dropped == {"outbox_full": 1}
    assert out[0] == {"type": "command", "target": "all", "text": "reset"}
    assert out[1] == "0\n" and out[-1] == "last\n"


def test_a_full_outbox_of_control_messages_drops_the_oldest(cluster: Cluster) -> None:
    for i in range(OUTBOX_LIMIT + 1):
        cluster.publish_command("all", f"vibrate:{i + 1}")
    out = sent(cluster)
    assert len(out) == OUTBOX_LIMIT and cluster.stats.dropped == {"outbox_full": 1}
    assert out[0]["text"] == "vibrate:2"


# -- the core's cluster paths --------------------------------------------------------------


@pytest.fixture
def core(cluster: Cluster) -> HubCore:
    """hub-1 holding a1b2 (`dev`), with clients `app` and `app2`; hub-2 holds e1e2 and e3e4."""
    core = HubCore(commands.packaged(), Limits(rate_lines_per_s=0), cluster=cluster)
    for conn in ("dev", "app", "app2"):
        core.connect(conn, 0.0)
    core.receive("dev", FRAME, 0.0)
    devices = [["e1e2", None, 1.0], ["e3e4", None, 1.0]]
    assert core.cluster_receive(B, heartbeat(devices), 0.0) == []
    cluster.tick()
    cluster.take_outbox()
    return core


def test_a_command_for_another_hubs_device_is_published_once(
    core: HubCore, cluster: Cluster
) -> None:
    assert core.receive("app", "cmd:E1E2:status", 1.0) == [("app", "cmd:result:success")]
    assert sent(cluster) == [{"type": "command", "target": ["e1e2"], "text": "status"}]


@pytest.mark.parametrize(
    ("message", "here", "published", "answer"),
    [
        ("cmd:all:reset", ["dev"], ["all"], "cmd:result:sent_to_3_devices"),
        (
            "cmd:a1b2,e1e2,e3e4,ffff:led:00ff00",
            ["dev"],
            [["e1e2", "e3e4"]],
            "cmd:result:sent_to_3_devices",
        ),
        ("cmd:e1e2,e1e2,E1E2:reset", [], [["e1e2"]], "cmd:result:sent_to_1_devices"),
        ("cmd:a1b2:reset", ["dev"], [], "cmd:result:success"),
        ("cmd:ffff:reset", [], [], "cmd:result:failed"),
        ("cmd:e1e2:nope", [], [], "cmd:error:unknown_command"),
    ],
)
def test_targets_span_the_cluster(
    core: HubCore,
    cluster: Cluster,
    message: str,
    here: list[str],
    published: list[Any],
    answer: str,
) -> None:
    sends = core.receive("app", message, 1.0)
    assert sends[-1] == ("app", answer)
    assert [conn for conn, _ in sends[:-1]] == here
    assert [m["target"] for m in sent(cluster)] == published


def test_a_remote_answer_reaches_the_client_that_asked_and_no_other(
    core: HubCore, cluster: Cluster
) -> None:
    core.receive("app", "cmd:e1e2:status", 1.0)
    answer = 'ans:e1e2:{"cmd":"status","ok":true}'
    batch = f"{REMOTE_FRAME}\n{answer}\n"
    assert core.cluster_receive(B, STREAM + batch.encode(), 1.5) == [("app", answer)]
    assert core.flush() == []  # nobody here subscribes: nothing else goes anywhere
    # Asked once, answered once: the next answer is nobody's.
    assert core.cluster_receive(B, STREAM + f"{answer}\n".encode(), 1.6) == []


def test_a_subscriber_gets_the_remote_batch_after_its_own_in_one_message(
    core: HubCore, cluster: Cluster
) -> None:
    core.receive("app2", "s", 1.0)
    core.receive("app", "cmd:e1e2:status", 1.0)  # not a subscriber: answered directly
    answer = 'ans:e1e2:{"cmd":"status","ok":true}'
    remote = f"{REMOTE_FRAME}\n{answer}\n"
    assert core.cluster_receive(B, STREAM + remote.encode(), 1.1) == [("app", answer)]
    core.receive("dev", FRAME, 1.2)
    assert core.flush() == [("app2", f"{FRAME}\n" + remote)]
    assert core.stats.lines_delivered == 3
    assert core.flush() == []


def test_frames_are_published_only_while_another_hub_subscribes(
    core: HubCore, cluster: Cluster
) -> None:
    core.receive("dev", FRAME, 1.0)
    core.flush()
    assert sent(cluster) == []
    core.cluster_receive(B, heartbeat([["e1e2", None, 1.0]], subscribers=1), 1.0)
    core.receive("dev", FRAME, 1.1)
    core.receive("dev", FRAME, 1.2)
    core.flush()
    assert sent(cluster) == [f"{FRAME}\n{FRAME}\n"]  # one batch per tick


def test_a_command_from_another_hub_reaches_devices_here_and_their_answer_goes_back(
    core: HubCore, cluster: Cluster
) -> None:
    payload = control(type="command", target=["a1b2", "ffff"], text="status")
    assert core.cluster_receive(B, payload, 1.0) == [("dev", "status")]
    assert core.cluster_receive(B, control(type="command", target="all", text="reset"), 1.0) == [
        ("dev", "reset")
    ]
    # Nobody subscribes anywhere, yet the answer is published for the hub that asked.
    assert core.receive("dev", 'ans:{"cmd":"status","ok":true}', 1.5) == []
    core.flush()
    assert sent(cluster) == ['ans:a1b2:{"cmd":"status","ok":true}\n']
    # Only that one answer: the next goes nowhere.
    core.receive("dev", 'ans:{"cmd":"status","ok":true}', 1.6)
    core.flush()
    assert sent(cluster) == []


def test_a_newer_registration_elsewhere_makes_this_hub_let_go(
    core: HubCore, cluster: Cluster
) -> None:
    held = core.devices["a1b2"]
    newer = held.registered_at + cluster.wall_offset + 1.0
    assert core.cluster_receive(B, registry([["a1b2", None, newer]]), 1.0) == []
    assert "a1b2" not in core.devices and "dev" in core.sessions
    assert cluster.remote["a1b2"].hub == "hub-2"
    assert core.receive("app", "cmd:a1b2:reset", 1.1) == [("app", "cmd:result:success")]
    assert [m["target"] for m in sent(cluster) if isinstance(m, dict) and "target" in m] == [
        ["a1b2"]
    ]


def test_losing_the_broker_drops_the_remote_stream_not_yet_flushed(
    core: HubCore, cluster: Cluster
) -> None:
    core.receive("app2", "s", 1.0)
    core.cluster_receive(B, STREAM + f"{REMOTE_FRAME}\n".encode(), 1.0)
    core.cluster_lost(1.1)
    core.receive("dev", FRAME, 1.2)
    assert core.flush() == [("app2", f"{FRAME}\n")]
    assert core.receive("app", "cmd:e1e2:reset", 1.3) == [("app", "cmd:result:failed")]
