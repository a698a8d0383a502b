"""The command registry: which commands exist, how many parameters each needs, which role.

The one command table is the CDN's `/static/commands.json` (source: cdn/static/commands.json).
The hub starts on the copy packaged with this distribution (the same file, so it always holds
the full command set) and listens at once; `refresh` then fetches
`<CDN_BASE_URL>/static/commands.json` in the background, retrying with backoff while the CDN
refuses or hangs, and swaps the table in when it differs.

Each command names the least role that may send it (`"role": "operator"` or `"admin"`); a
command without one needs `admin`, so a table that forgets a role fails closed. Roles only
matter when the hub has credentials (`hub.credentials`); an open hub accepts every command.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from hub.credentials import COMMAND_ROLES

log = logging.getLogger("hub")

COMMANDS_PATH = "/static/commands.json"


class CommandTableError(ValueError):
    """commands.json is not a valid command table."""


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    parameters: tuple[str, ...]
    description: str = ""
    #: The least role that may send it (`hub.credentials.RANK`).
    role: str = "admin"

    @property
    def arity(self) -> int:
        return len(self.parameters)


@dataclass(frozen=True)
class CommandRegistry:
    commands: Mapping[str, CommandSpec]
    source: str

    def get(self, name: str) -> CommandSpec | None:
        return self.commands.get(name)

    def __len__(self) -> int:
        return len(self.commands)

    @classmethod
    def from_json(cls, data: Any, source: str) -> CommandRegistry:
        """Build the registry from the parsed commands.json; raises `CommandTableError`."""
        table = data.get("commands") if isinstance(data, dict) else None
        if not isinstance(table, dict) or not table:
            raise CommandTableError(f"{source}: no 'commands' object")
        commands = {}
        for name, entry in table.items():
            params = entry.get("parameters") if isinstance(entry, dict) else None
            if not isinstance(params, list) or not all(
                isinstance(p, dict) and isinstance(p.get("name"), str) for p in params
            ):
                raise CommandTableError(f"{source}: command {name!r} has no valid 'parameters'")
            role = entry.get("role", "admin")
            if role not in COMMAND_ROLES:
                raise CommandTableError(
                    f"{source}: command {name!r} has role {role!r}, not one of {COMMAND_ROLES}"
                )
            commands[name] = CommandSpec(
                name, tuple(p["name"] for p in params), str(entry.get("description", "")), role
            )
        return cls(commands, source)


def packaged() -> CommandRegistry:
    """The command table shipped in this distribution (cdn/static/commands.json)."""
    path = resources.files("cdn").joinpath("static/commands.json")
    return CommandRegistry.from_json(json.loads(path.read_text("utf-8")), "packaged table")


def fetch(base_url: str, *, timeout: float = 2.0, ca_file: Path | None = None) -> CommandRegistry:
    """Fetch the table from a CDN; raises OSError/ValueError when that fails.

    An https CDN is verified against `ca_file` when given, else the system's CAs.
    """
    url = base_url.rstrip("/") + COMMANDS_PATH
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https:") else None
    with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
        data = json.loads(response.read().decode("utf-8"))
    return CommandRegistry.from_json(data, url)


async def refresh(
    base_url: str,
    current: CommandRegistry,
    install: Callable[[CommandRegistry], None],
    *,
    timeout: float = 2.0,
    backoff: float = 0.5,
    max_backoff: float = 30.0,
    every: float = 300.0,
    warn_after: int = 4,
    ca_file: Path | None = None,
) -> None:
    """Keep the served table in step with the CDN's, forever (cancel the task to stop).

    The hub listens at once on the packaged table; this task fetches the CDN's (in a thread, so
    a CDN that hangs delays nothing), retries with exponential backoff from `backoff` up to
    `max_backoff` seconds while it fails, then re-fetches every `every` seconds. `install` is
    called, and `[COMMANDS]` logged, on the first success and then only when the table changes.
    After `warn_after` failures in a row the hub says once that it keeps serving what it has.
    """
    failures = 0
    fetched = False
    while True:
        try:
            registry = await asyncio.to_thread(fetch, base_url, timeout=timeout, ca_file=ca_file)
        except (OSError, ValueError) as exc:
            failures += 1
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            log.warning("[COMMANDS] attempt %d from %s failed: %s", failures, base_url, reason)
            if failures == warn_after:
                log.warning(
                    "[COMMANDS] CDN %s unreachable: serving %d commands from the %s, retrying",
                    base_url,
                    len(current),
                    current.source,
                )
            await asyncio.sleep(min(max_backoff, backoff * 2 ** (failures - 1)))
            continue
        failures = 0
        if not fetched or registry.commands != current.commands:
            fetched = True
            current = registry
            install(registry)
            log.info("[COMMANDS] loaded %d commands from %s", len(registry), registry.source)
        await asyncio.sleep(every)
