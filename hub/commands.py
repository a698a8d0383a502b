"""The command registry: which commands exist, how many parameters each needs, which role.

The one command table is the CDN's `/static/commands.json` (source: cdn/static/commands.json).
At start-up the hub fetches it from `<CDN_BASE_URL>/static/commands.json`, retrying a few
times; when the CDN cannot be reached it falls back to the copy packaged with this
distribution — the same file, so the fallback always holds the full command set.

Each command names the least role that may send it (`"role": "operator"` or `"admin"`); a
command without one needs `admin`, so a table that forgets a role fails closed. Roles only
matter when the hub has credentials (`hub.credentials`); an open hub accepts every command.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
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
    return CommandRegistry.from_json(json.loads(path.read_text("utf-8")), "packaged fallback")


def fetch(base_url: str, *, timeout: float = 2.0, ca_file: Path | None = None) -> CommandRegistry:
    """Fetch the table from a CDN; raises OSError/ValueError when that fails.

    An https CDN is verified against `ca_file` when given, else the system's CAs.
    """
    url = base_url.rstrip("/") + COMMANDS_PATH
    context = ssl.create_default_context(cafile=ca_file) if url.startswith("https:") else None
    with urllib.request.urlopen(url, timeout=timeout, context=context) as response:
        data = json.loads(response.read().decode("utf-8"))
    return CommandRegistry.from_json(data, url)


def load(
    base_url: str | None,
    *,
    attempts: int = 3,
    delay: float = 0.5,
    timeout: float = 2.0,
    ca_file: Path | None = None,
) -> CommandRegistry:
    """The CDN's table when reachable within `attempts`, else the packaged fallback.

    Blocking: `grouploop hub` calls it before its event loop starts, so before it listens.
    """
    if base_url:
        for attempt in range(1, attempts + 1):
            try:
                registry = fetch(base_url, timeout=timeout, ca_file=ca_file)
            except (OSError, ValueError) as exc:
                reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
                log.warning(
                    "[COMMANDS] attempt %d/%d from %s failed: %s",
                    attempt,
                    attempts,
                    base_url,
                    reason,
                )
                if attempt < attempts:
                    time.sleep(delay * attempt)
                continue
            log.info("[COMMANDS] loaded %d commands from %s", len(registry), registry.source)
            return registry
    registry = packaged()
    log.warning(
        "[COMMANDS] CDN %s unreachable: loaded %d commands from the %s",
        base_url or "(none)",
        len(registry),
        registry.source,
    )
    return registry
