"""A private redis-server for a hub cluster on one machine (`grouploop up --hubs N`, the bench,
the benchmarks, the tests), and the wait until the hubs have joined through it.

Debian's `redis-server` (`make setup` installs it as root), on loopback, in a folder of its
own, with no persistence: the cluster keeps only live state in Redis, nothing worth a disk.
It prints no `[READY]` line; it is ready once it answers PING.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from grouploop import tls
from grouploop.services import Service, ServiceError, start

REDIS_SERVER = "redis-server"
HOW_TO_INSTALL = "sudo apt-get install redis-server (or `make setup` as root)"


def missing() -> str | None:
    """Why no redis-server can be started here, or None when one can."""
    if shutil.which(REDIS_SERVER) is None:
        return f"{REDIS_SERVER} is not installed: {HOW_TO_INSTALL}"
    return None


def url(port: int) -> str:
    return f"redis://127.0.0.1:{port}/0"


def argv(port: int, folder: Path) -> list[str]:
    return [
        REDIS_SERVER,
        *("--bind", "127.0.0.1", "--port", str(port), "--dir", str(folder)),
        *("--save", "", "--appendonly", "no"),
    ]


def answers_ping(port: int) -> bool:
    """True when a Redis server on loopback `port` answers PING (inline command)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def free_port() -> int:
    """A loopback port nobody listens on now (redis-server cannot be told to pick one)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_redis(
    folder: Path,
    port: int | None = None,
    *,
    name: str = "redis",
    log_path: Path | None = None,
    echo: bool = False,
    timeout: float = 10.0,
) -> Service:
    """redis-server on loopback `port`, its working directory `folder`; ready when it answers.

    Without `port` it takes a free one, and another if some process bound that one first.
    """
    folder.mkdir(parents=True, exist_ok=True)

    def on(chosen: int) -> Service:
        return start(
            name,
            argv(chosen, folder),
            log_path=log_path,
            echo=echo,
            timeout=timeout,
            probe=lambda: url(chosen) if answers_ping(chosen) else None,
        )

    if port is not None:
        return on(port)
    with contextlib.suppress(ServiceError):
        return on(free_port())
    return on(free_port())


def wait_joined(hubs: Mapping[str, str], timeout: float, ca_pem: str = "") -> None:
    """Until every hub (name: ws:// or wss:// URL; `ca_pem` verifies wss://) says on
    /healthz/cluster that it is joined and counts them all: each has heard from the others.
    Raises ServiceError after `timeout` seconds."""
    want = f", {len(hubs)} hubs"
    deadline = time.monotonic() + timeout
    for name, url in hubs.items():
        context = tls.device_context(url, ca_pem)
        while not (said := _cluster_health(url, context)).endswith(want):
            if time.monotonic() > deadline:
                raise ServiceError(f"{name} ({url}) did not join its cluster: /healthz says {said}")
            time.sleep(0.1)


def _cluster_health(hub_url: str, context: ssl.SSLContext | None) -> str:
    url = hub_url.replace("ws", "http", 1) + "/healthz/cluster"
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as reply:
            return str(reply.read().decode().strip())
    except (urllib.error.URLError, OSError) as exc:
        return str(exc)
