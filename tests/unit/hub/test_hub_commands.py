"""The command registry: parsing commands.json, and the packaged fallback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub import commands
from hub.commands import CommandRegistry, CommandTableError

TABLE = Path(__file__).parents[3] / "cdn" / "static" / "commands.json"


def test_packaged_fallback_is_the_one_table() -> None:
    registry = commands.packaged()
    table = json.loads(TABLE.read_text("utf-8"))["commands"]
    assert set(registry.commands) == set(table)
    for name, entry in table.items():
        assert registry.commands[name].arity == len(entry["parameters"])
    assert registry.commands["led_set"].parameters == ("index", "color")


@pytest.mark.parametrize(
    "data",
    [
        [],
        {},
        {"commands": {}},
        {"commands": {"x": {}}},
        {"commands": {"x": {"parameters": [{"type": "int"}]}}},
    ],
)
def test_invalid_tables_are_refused(data: object) -> None:
    with pytest.raises(CommandTableError):
        CommandRegistry.from_json(data, "test")


def test_unreachable_cdn_falls_back(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="hub")
    # Port 1 on loopback refuses at once: a real failed connection, no waiting.
    registry = commands.load("http://127.0.0.1:1", attempts=2, delay=0.01)
    assert registry.source == "packaged fallback"
    assert len(registry) == len(commands.packaged())
    assert "[COMMANDS] attempt 2/2" in caplog.text
    assert "unreachable: loaded 13 commands from the packaged fallback" in caplog.text
