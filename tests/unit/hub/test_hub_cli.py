"""`grouploop hub` flags: defaults from the environment (grouploop.settings), flags win."""

from __future__ import annotations

import argparse

import pytest

from hub import cli


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
