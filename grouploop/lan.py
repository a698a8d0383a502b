"""`grouploop up --lan`: a workshop on the venue network, with authentication, in one step.

`prepare` makes the hub's credential file in the LAN folder (default var/lan/) hold fresh
`workshop-admin`, `workshop-operator` and `workshop-viewer` tokens (`grouploop tokens
workshop`: the previous ones are replaced, since only hashes are kept a token can only be
shown when it is made); the virtual devices `grouploop up` starts register their own secrets
in the same file (`grouploop emulate --provision`). Other entries (real boards' secrets the
bench or `grouploop tokens add` registered) are kept. `instructions` says what each app and
device needs. This module only runs the `grouploop` commands: `grouploop` imports no other
package of the project.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from grouploop.services import grouploop_argv
from grouploop.settings import PROJECT_ROOT

DEFAULT_DIR = PROJECT_ROOT / "var" / "lan"


@dataclass(frozen=True)
class LanSetup:
    tokens_file: Path
    #: role → the fresh workshop token of that role.
    tokens: dict[str, str]


def prepare(folder: Path) -> LanSetup:
    """Fresh workshop tokens in `folder`/tokens.json (raises CalledProcessError on failure)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tokens.json"
    argv = grouploop_argv("tokens", "--file", str(path), "workshop")
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True)
    tokens = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    return LanSetup(path, tokens)


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
    """What each app and device needs; with hub-1…hub-N (a cluster) they get every hub."""
    hub = reachable(urls["hub"], host)
    cluster = [
        reachable(url, host) for name, url in sorted(urls.items()) if name.startswith("hub-")
    ]
    hubs = json.dumps(cluster or hub)  # a device's hub_url: one URL or the list
    web = reachable(urls["web"], host) if "web" in urls else "the web apps"
    t = setup.tokens
    return [
        f"auth is on: credentials in {setup.tokens_file} (hashes only); new tokens, shown once:",
        f"  admin    {t['admin']}   (OTA, reset: keep it to yourself)",
        f"  operator {t['operator']}   (LEDs, patterns, vibration, status)",
        f"  viewer   {t['viewer']}   (the stream only)",
        f"web apps: open {web} and enter the operator (or viewer) token once in the "
        "configuration panel",
        f"scripts (HitloopDeviceManager): new HitloopDeviceManager({hubs}, {{ token }})",
        "virtual devices: each registered its own secret in the credential file",
        "a real board: grouploop tokens add --role device --device-id <id> "
        f"--file {setup.tokens_file}, then on its console: "
        f'config set {{"hub_url":{hubs},"device_secret":"<that secret>"}} '
        "(or let `grouploop bench` provision it)",
        f"the hub's /devices and /metrics: {hub.replace('ws', 'http', 1)}/devices "
        "with Authorization: Bearer <token>",
    ]
