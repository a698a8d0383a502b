"""`grouploop hub` flags: defaults from the environment (grouploop.settings), flags win."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from hub import cli, credentials


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(argv)


def test_defaults_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WS_HOST", "127.0.0.1")
    monkeypatch.setenv("WS_PORT", "0")
    monkeypatch.setenv("CDN_BASE_URL", "http://cdn.example:5008/")
    args = parse()
    assert (args.host, args.port, args.cdn_url) == ("127.0.0.1", 0, "http://cdn.example:5008")
    assert args.transport == "picows"


def test_flags_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WS_PORT", "6000")
    args = parse("--port", "7000", "--silence-timeout", "2.5", "--transport", "picows")
    assert (args.port, args.silence_timeout, args.transport) == (7000, 2.5, "picows")


def test_unknown_transport_is_refused() -> None:
    with pytest.raises(SystemExit):
        parse("--transport", "carrier-pigeon")


def test_open_ignores_a_credential_file_and_stays_on_loopback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    credentials.add(credentials.default_path(), "admin")
    assert credentials.load(None) is not None  # without --open the default file turns auth on
    assert cli.run(parse("--open", "--host", "192.0.2.1")) == 2  # refused before listening


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("::1", True), ("localhost", True), ("0.0.0.0", False), ("", False)],
)
def test_only_loopback_hosts_count_as_loopback(host: str, loopback: bool) -> None:
    assert cli.is_loopback(host) is loopback
