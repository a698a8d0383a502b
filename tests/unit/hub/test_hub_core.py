"""The protocol table of docs/protocol.md against the sans-I/O core: text in, sends out."""

from __future__ import annotations

import pytest

from hub import commands, lograte
from hub.core import GREETING, HubCore
from hub.limits import Limits

FRAME = "a1b2" + "80" * 7 + "00"
OTHER = "c3d4" + "40" * 7 + "ff"


@pytest.fixture
def core() -> HubCore:
    core = HubCore(commands.packaged(), Limits(rate_lines_per_s=0))
    for conn in ("dev", "dev2", "app"):
        core.connect(conn, 0.0, remote=f"{conn}:1")
    core.receive("dev", FRAME, 0.0)
    core.receive("dev2", OTHER, 0.0)
    return core


def test_connect_greets() -> None:
    core = HubCore(commands.packaged())
    assert core.connect("x", 0.0) == [("x", GREETING)]
    assert GREETING == "Connected to GroupLoop WebSocket server"


@pytest.mark.parametrize(
    ("message", "answer"),
    [
        ("ping", "pong"),
        ("s", "stream:on"),
        ("id:web-app", "id:ok"),
        ("id:Socket Client 2", "id:ok"),
        ("id:", "id:error"),
        ("id:   ", "id:error"),
        ("id:a:b", "id:error"),
        ("id:" + "x" * 65, "id:error"),
        ("id:tab\there", "id:error"),
        ("hello", "error:unknown_message"),
        ("ans:{}", "error:not_registered"),
    ],
)
def test_one_line_messages_get_their_answer(core: HubCore, message: str, answer: str) -> None:
    assert list(core.receive("app", message, 1.0)) == [("app", answer)]


@pytest.mark.parametrize(
    ("message", "to_devices", "answer"),
    [
        ("cmd:a1b2:led:ff0000", [("dev", "led:ff0000")], "cmd:result:success"),
        ("cmd:A1B2:led:ff0000", [("dev", "led:ff0000")], "cmd:result:success"),
        ("cmd:a1b2:led_set:3:ff0000", [("dev", "led_set:3:ff0000")], "cmd:result:success"),
        ("cmd:a1b2:status:", [("dev", "status")], "cmd:result:success"),
        ("cmd:a1b2:status", [("dev", "status")], "cmd:result:success"),
        (
            "cmd:a1b2:ota:http://127.0.0.1:5008/firmware/x.bin",
            [("dev", "ota:http://127.0.0.1:5008/firmware/x.bin")],
            "cmd:result:success",
        ),
        ("cmd:ffff:status", [], "cmd:result:failed"),
        (
            "cmd:all:pattern:breathing",
            [("dev", "pattern:breathing"), ("dev2", "pattern:breathing")],
            "cmd:result:sent_to_2_devices",
        ),
        (
            "cmd:c3d4,a1b2,ffff:vibrate:200",
            [("dev2", "vibrate:200"), ("dev", "vibrate:200")],
            "cmd:result:sent_to_2_devices",
        ),
        ("cmd:a1b2,a1b2:reset", [("dev", "reset")], "cmd:result:sent_to_1_devices"),
        ("cmd:ffff,eeee:reset", [], "cmd:result:sent_to_0_devices"),
        ("cmd:a1b2:nope", [], "cmd:error:unknown_command"),
        ("cmd:a1b2:led", [], "cmd:error:missing_parameters"),
        ("cmd:a1b2:led:", [], "cmd:error:missing_parameters"),
        ("cmd:a1b2:led_set:3", [], "cmd:error:missing_parameters"),
        ("cmd:a1b2:led_set::ff0000", [], "cmd:error:missing_parameters"),
        ("cmd:", [], "cmd:error:invalid_format"),
        ("cmd:a1b2", [], "cmd:error:invalid_format"),
        ("cmd:a1b2:", [], "cmd:error:invalid_format"),
        ("cmd::status", [], "cmd:error:invalid_format"),
        ("cmd:zz:status", [], "cmd:error:invalid_format"),
        ("cmd:a1b2,:status", [], "cmd:error:invalid_format"),
        ("cmd:a1b2x:status", [], "cmd:error:invalid_format"),
    ],
)
def test_commands_reach_their_devices_and_get_a_result(
    core: HubCore, message: str, to_devices: list[tuple[str, str]], answer: str
) -> None:
    assert list(core.receive("app", message, 1.0)) == [*to_devices, ("app", answer)]


def test_frame_registers_device_and_is_not_answered(core: HubCore) -> None:
    core.connect("new", 0.0)
    assert core.receive("new", "beef" + "00" * 8, 2.0) == ()
    device = core.devices["beef"]
    assert (device.session.key, device.frames, device.last_frame_at) == ("new", 1, 2.0)
    assert core.receive("new", "beef" + "11" * 8, 3.0) == ()
    assert (device.frames, device.last_frame) == (2, "beef" + "11" * 8)


def test_uppercase_frame_is_normalised(core: HubCore) -> None:
    core.connect("new", 0.0)
    core.receive("new", "BEEF" + "AA" * 8 + "\n", 1.0)
    assert core.devices["beef"].last_frame == "beef" + "aa" * 8


def test_id_with_device_id_registers_device(core: HubCore) -> None:
    core.connect("new", 0.0)
    assert list(core.receive("new", "id:BEEF", 1.0)) == [("new", "id:ok")]
    assert core.devices["beef"].session.label == "BEEF"
    assert list(core.receive("app", "cmd:beef:status", 1.0)) == [
        ("new", "status"),
        ("app", "cmd:result:success"),
    ]


def test_multi_line_message_handles_each_line_in_order(core: HubCore) -> None:
    sends = core.receive("app", "ping\r\n\nid:x\ncmd:a1b2:reset\ns\n", 1.0)
    assert list(sends) == [
        ("app", "pong"),
        ("app", "id:ok"),
        ("dev", "reset"),
        ("app", "cmd:result:success"),
        ("app", "stream:on"),
    ]


def test_subscriber_gets_frames_and_answers_batched(core: HubCore) -> None:
    core.receive("app", "s", 1.0)
    core.receive("dev", FRAME, 1.1)
    core.receive("dev2", OTHER, 1.1)
    core.receive("dev", 'ans:{"cmd":"status","ok":true}', 1.2)
    assert core.flush() == [
        ("app", f'{FRAME}\n{OTHER}\nans:a1b2:{{"cmd":"status","ok":true}}\n'),
    ]
    assert core.flush() == []


def test_frames_before_subscribing_are_not_buffered(core: HubCore) -> None:
    core.receive("dev", FRAME, 1.0)
    core.receive("app", "s", 1.0)
    assert core.flush() == []


def test_disconnect_removes_device_and_subscription(core: HubCore) -> None:
    core.receive("app", "s", 1.0)
    core.disconnect("dev", 2.0)
    core.disconnect("app", 2.0)
    assert "a1b2" not in core.devices
    assert core.fanout.subscribers == {}
    assert core.receive("dev", FRAME, 3.0) == ()  # a late message of a gone connection
    assert "a1b2" not in core.devices


def test_reconnected_device_takes_over_and_old_disconnect_keeps_it(core: HubCore) -> None:
    core.connect("dev-again", 1.0)
    core.receive("dev-again", FRAME, 1.0)
    core.disconnect("dev", 2.0)
    assert core.devices["a1b2"].session.key == "dev-again"


def test_device_changing_id_is_registered_under_the_new_one(core: HubCore) -> None:
    core.receive("dev", "beef" + "00" * 8, 1.0)
    assert "a1b2" not in core.devices
    assert core.devices["beef"].session.key == "dev"


def test_silent_devices_expire_and_come_back_with_a_frame() -> None:
    core = HubCore(commands.packaged(), Limits(silence_timeout_s=5.0))
    core.connect("dev", 0.0)
    core.connect("quiet", 0.0)
    core.receive("dev", FRAME, 0.0)
    core.receive("quiet", OTHER, 0.0)
    core.receive("dev", "ping", 4.0)  # any message counts as a sign of life
    assert core.expire(5.5) == ["c3d4"]
    assert sorted(core.devices) == ["a1b2"]
    assert core.stats.devices_expired == 1
    core.receive("quiet", OTHER, 6.0)
    assert sorted(core.devices) == ["a1b2", "c3d4"]


def test_binary_and_oversize_are_refused_and_counted() -> None:
    core = HubCore(commands.packaged(), Limits(max_message_bytes=100))
    core.connect("x", 0.0)
    assert core.receive_binary("x", 0.0) == [("x", "error:binary_not_supported")]
    assert core.receive("x", "p" * 101, 0.0) == [("x", "error:message_too_large")]
    assert core.stats.errors == {"binary_not_supported": 1, "message_too_large": 1}


def test_rate_limit_drops_lines_and_says_so_once_a_second() -> None:
    core = HubCore(commands.packaged(), Limits(rate_lines_per_s=10, rate_burst=5))
    core.connect("x", 0.0)
    answers = [core.receive("x", "ping", 0.0) for _ in range(8)]
    assert answers[:5] == [[("x", "pong")]] * 5
    assert answers[5:] == [[("x", "error:rate_limited")], (), ()]
    assert core.stats.lines_rate_limited == 3
    # Tokens come back with time: 0.5 s at 10 lines/s refills 5 lines.
    assert list(core.receive("x", "ping", 0.5)) == [("x", "pong")]
    # A message with more lines than the burst never passes.
    assert core.receive("x", "ping\n" * 6, 10.0) == [("x", "error:rate_limited")]


def test_rate_limit_applies_to_frames() -> None:
    core = HubCore(commands.packaged(), Limits(rate_lines_per_s=1, rate_burst=2))
    core.connect("dev", 0.0)
    for _ in range(4):
        core.receive("dev", FRAME, 0.0)
    assert core.devices["a1b2"].frames == 2
    assert core.stats.lines_rate_limited == 2


def test_stats_count_traffic(core: HubCore) -> None:
    core.receive("app", "s", 1.0)
    core.receive("dev", FRAME, 1.0)
    core.flush()
    core.receive("app", "cmd:a1b2:nope", 1.0)
    stats = core.stats
    assert (stats.frames_received, stats.lines_delivered, stats.batches_sent) == (3, 1, 1)
    assert stats.errors["unknown_command"] == 1
    assert stats.connections_total == 3


def test_trailing_newline_costs_no_extra_line() -> None:
    core = HubCore(commands.packaged(), Limits(rate_lines_per_s=0.001, rate_burst=2))
    core.connect("x", 0.0)
    assert [core.receive("x", "ping\n", 0.0) for _ in range(2)] == [[("x", "pong")]] * 2
    assert core.stats.lines_received == 2


def test_changing_ids_are_counted_and_their_log_bounded(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="hub")
    rate = lograte.install(caplog.handler)
    core = HubCore(commands.packaged(), Limits(rate_lines_per_s=0))
    core.connect("x", 0.0)
    try:
        core.receive("x", "\n".join(f"{i:04x}" + "00" * 8 for i in range(100)), 0.5)
    finally:
        caplog.handler.removeFilter(rate)  # pytest keeps one handler for every test
    assert list(core.devices) == ["0063"]
    assert core.stats.errors["device_id_churn"] == 99
    registrations = [r for r in caplog.messages if "registered from" in r]
    assert len(registrations) == lograte.PER_SECOND


def test_commands_have_a_budget_per_client() -> None:
    core = HubCore(commands.packaged(), Limits(command_rate_per_s=2, command_burst=3))
    core.connect("a", 0.0)
    core.connect("b", 0.0)
    answers = [core.receive("a", "cmd:all:status", 10.0) for _ in range(5)]
    assert [a[-1][1] for a in answers] == ["cmd:result:sent_to_0_devices"] * 3 + [
        "cmd:error:rate_limited"
    ] * 2
    # Another client's budget is its own; the first one's refills at its rate.
    assert core.receive("b", "cmd:all:status", 10.0)[-1][1] == "cmd:result:sent_to_0_devices"
    assert core.receive("a", "cmd:all:status", 10.5)[-1][1] == "cmd:result:sent_to_0_devices"
    assert core.stats.errors["rate_limited"] == 2


def test_commands_to_devices_have_a_budget_for_the_fleet() -> None:
    limits = Limits(command_rate_per_s=0, fleet_command_rate_per_s=1, fleet_command_burst=2)
    core = HubCore(commands.packaged(), limits)
    core.connect("dev", 0.0)
    core.receive("dev", FRAME, 10.0)
    for client in ("a", "b", "c"):
        core.connect(client, 10.0)
    sends = [core.receive(c, "cmd:all:status", 10.0) for c in ("a", "b", "c")]
    assert sends[0] == [("dev", "status"), ("a", "cmd:result:sent_to_1_devices")]
    assert sends[1] == [("dev", "status"), ("b", "cmd:result:sent_to_1_devices")]
    assert sends[2] == [("c", "cmd:error:fleet_rate_limited")]  # the device got nothing
    # A command that reaches no device costs the fleet nothing.
    assert core.receive("c", "cmd:ffff:status", 10.0) == [("c", "cmd:result:failed")]
    assert core.receive("c", "cmd:all:status", 11.0)[-1][1] == "cmd:result:sent_to_1_devices"


def test_a_devices_answers_never_cost_its_frames() -> None:
    limits = Limits(rate_lines_per_s=10, rate_burst=10, answer_rate_per_s=5, answer_burst=5)
    core = HubCore(commands.packaged(), limits)
    core.connect("dev", 0.0)
    core.connect("app", 0.0)
    core.receive("app", "s", 0.0)
    core.receive("dev", FRAME, 1.0)
    for _ in range(50):  # far over both budgets: answers
        assert not core.receive("dev", "ans:status:ok", 1.0)
    for i in range(9):  # the rest of the line budget is still there for frames
        core.receive("dev", f"a1b2{i:02x}" + "00" * 7, 1.0)
    assert core.devices["a1b2"].frames == 10
    assert core.stats.lines_rate_limited == 0
    assert core.stats.answers_rate_limited == 50 - 5
    batch = core.flush()[0][1].splitlines()
    assert batch.count("ans:a1b2:status:ok") == 5
    assert len([line for line in batch if line.startswith("a1b2")]) == 10
