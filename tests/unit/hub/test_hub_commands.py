"""The command registry: parsing commands.json, the packaged table, the background refresh."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from hub import commands
from hub.commands import CommandRegistry, CommandTableError
from tests.support.timing import scaled

TABLE = Path(__file__).parents[3] / "cdn" / "static" / "commands.json"


def test_packaged_table_is_the_one_table() -> None:
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


async def test_refresh_retries_with_backoff_and_warns_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level("INFO", logger="hub")
    installed: list[CommandRegistry] = []
    # Port 1 on loopback refuses at once: a real failed connection, no waiting.
    task = asyncio.create_task(
        commands.refresh(
            "http://127.0.0.1:1", commands.packaged(), installed.append, backoff=0.01, warn_after=2
        )
    )
    try:
        async with asyncio.timeout(scaled(5)):
            while caplog.text.count("[COMMANDS] attempt") < 4:
                await asyncio.sleep(0.01)
    finally:
        task.cancel()
    assert not installed
    assert caplog.text.count("unreachable: serving 13 commands from the packaged table") == 1
    assert "[COMMANDS] attempt 2 from http://127.0.0.1:1 failed" in caplog.text
