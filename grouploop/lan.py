"""`grouploop up --lan`: a workshop on the venue network, with authentication, in one step.

`prepare` writes (or updates) the hub's credential file in the LAN folder (default var/lan/):
fresh `workshop-admin`, `workshop-operator` and `workshop-viewer` tokens (the previous ones
are replaced: only hashes are kept, so a token can only be shown when it is made) and a
device secret for each virtual device `grouploop up` starts, kept for `grouploop emulate
--secrets` in device-secrets.json (0600). Other entries (real boards' secrets the bench or
`grouploop tokens add` registered) are kept. `instructions` says what each app and device needs.
"""

from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from grouploop.files import write_atomic
from grouploop.settings import PROJECT_ROOT
from hub import credentials

DEFAULT_DIR = PROJECT_ROOT / "var" / "lan"
ROLES = ("admin", "operator", "viewer")


@dataclass(frozen=True)
class LanSetup:
    tokens_file: Path
    secrets_file: Path
    #: role → the fresh workshop token of that role.
    tokens: dict[str, str]
    device_ids: list[str]


def prepare(folder: Path, device_ids: list[str]) -> LanSetup:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tokens.json"
    names = {e.name for e in credentials.read_file(path)}
    tokens = {}
    for role in ROLES:
        name = f"workshop-{role}"
        if name in names:
            credentials.revoke(path, name)
        tokens[role] = credentials.add(path, role, name)
    secrets = {i: credentials.add(path, "device", device_id=i) for i in device_ids}
    secrets_file = folder / "device-secrets.json"
    write_atomic(secrets_file, (json.dumps(secrets, indent=2) + "\n").encode(), mode=0o600)
    return LanSetup(path, secrets_file, tokens, device_ids)


def lan_address() -> str:
    """This machine's address on the network its default route leads to (no packet is sent)."""
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.connect(("192.0.2.1", 9))  # TEST-NET-1: only routes are looked up
        address: str = s.getsockname()[0]
        return address
    return socket.gethostbyname(socket.gethostname())


def reachable(url: str, host: str) -> str:
    """`url` with the host others on the network reach this machine at."""
    parts = urlsplit(url)
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit(parts._replace(netloc=netloc))


def instructions(setup: LanSetup, urls: dict[str, str], host: str) -> list[str]:
    hub = reachable(urls["hub"], host)
    web = reachable(urls["web"], host) if "web" in urls else None
    t = setup.tokens
    lines = [
        f"auth is on: credentials in {setup.tokens_file} (hashes only); new tokens, shown once:",
        f"  admin    {t['admin']}   (OTA, reset: keep it to yourself)",
        f"  operator {t['operator']}   (LEDs, patterns, vibration, status)",
        f"  viewer   {t['viewer']}   (the stream only)",
        "web apps: open "
        + (web or "the apps")
        + " and enter the operator (or viewer) token once in the configuration panel",
        f"scripts (HitloopDeviceManager): new HitloopDeviceManager('{hub}', {{ token }})",
        f"virtual devices: {len(setup.device_ids)} logged in with the secrets in "
        f"{setup.secrets_file}",
        "a real board: grouploop tokens add --role device --device-id <id> "
        f"--file {setup.tokens_file}, then on its console: "
        f'config set {{"hub_url":"{hub}","device_secret":"<that secret>"}} '
        "(or let `grouploop bench` provision it)",
        f"the hub's /devices and /metrics: {reachable(urls['hub'], host).replace('ws', 'http', 1)}"
        "/devices with Authorization: Bearer <token>",
    ]
    return lines
