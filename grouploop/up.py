"""`grouploop up` (`make up`): the whole system on one machine, until Ctrl-C.

Starts every entry of `SERVICES` in order as a child process through
`grouploop.services.start(echo=True)` (so each log line carries the child's name), prints
a banner of what runs where, then watches them: Ctrl-C or SIGTERM stops all children
(last started first) and exits 0; a child that dies stops the rest and exits 1.

Adding a component is one entry in `SERVICES`. `argv(args, urls)` builds its command line
from the parsed flags of `grouploop up` and the URLs of the entries started before it
(keyed by name), so it can point at the real hub and CDN even when they run on port 0:

    Spec("devices", "3 virtual devices streaming to the hub",
         lambda a, urls: grouploop_argv("emulate", "--hub", urls["hub"], "--devices", "3")),

A new port gets its flag in `add_arguments` (defaults in grouploop.settings). The child must
print `[READY] <url>` once it serves (grouploop.services.announce_ready).

`--hubs N` (N >= 2) is a cluster on one machine: a private redis-server first (free port,
temporary folder, no persistence; `grouploop.redis_server`), then `plan` turns the hub and its
devices into hub-1…hub-N on consecutive ports from --hub-port, skipping those of the other
services (`hub_ports`: 5003, 5010, 5011, …; all free ones with port 0), each joined through
that Redis, and devices-1…devices-N, three devices per hub. The web apps use
hub-1. Without --hubs nothing needs Redis.

Without flags every service listens on loopback and the hub is open (no credentials), as a
laptop needs. `--lan` is a workshop on the venue network: every service on every interface
(unless `--host` says otherwise), the hub with auth on (`grouploop.lan` writes the credential
file with fresh admin/operator/viewer tokens; the virtual devices register their own secrets
in it; every hub of a cluster reads that one file), and a banner that says what each app and
device needs.

`python -m grouploop.up docs <host> <port>` is the docs child: `mkdocs serve` with that
`[READY]` line (port 0 picks a free port).
"""

from __future__ import annotations

import argparse
import logging
import signal
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from grouploop import lan, redis_server, settings, tls
from grouploop.services import (
    Service,
    ServiceError,
    announce_ready,
    grouploop_argv,
    shown_host,
    start,
)


def _tls(a: argparse.Namespace) -> list[str]:
    """The servers' TLS flags (none by default: plain ws/http on loopback)."""
    return ["--tls-cert", str(a.tls_cert), "--tls-key", str(a.tls_key)] if a.tls_cert else []


def _ca(flag: str, a: argparse.Namespace) -> list[str]:
    """A client's CA flag: what it verifies the TLS servers with."""
    return [flag, str(a.tls_ca)] if a.tls_ca else []


@dataclass(frozen=True)
class Spec:
    name: str
    what: str
    argv: Callable[[argparse.Namespace, dict[str, str]], list[str]]


def hub_ports(a: argparse.Namespace) -> list[int]:
    """The ports of hub-1…hub-N: --hub-port, then the next ports the other services leave
    free (the web apps' 5004…5009 sit right after the hub's 5003); all 0 with --hub-port 0."""
    if a.hub_port == 0:
        return [0] * a.hubs
    taken = {a.cdn_port, a.docs_port}
    if not a.web_any_ports:
        taken |= set(settings.WEB_APP_PORTS.values())
    ports = [a.hub_port]
    port = a.hub_port + 1
    while len(ports) < a.hubs:
        if port not in taken:
            ports.append(port)
        port += 1
    return ports


def _hub(a: argparse.Namespace, urls: dict[str, str], k: int = 0) -> list[str]:
    """The hub (k = 0), or hub k of `--hubs N` (1…N), in the cluster of the private Redis,
    named hub-k."""
    port = hub_ports(a)[k - 1] if k else a.hub_port
    return grouploop_argv(
        "hub",
        *("--host", a.host, "--port", str(port), "--cdn-url", urls["cdn"]),
        *_tls(a),
        *_ca("--cdn-ca", a),
        # Without --lan the hub is open even when a default credential file exists: the
        # virtual devices started here have no secrets, and a laptop needs none. With --lan
        # every hub of a cluster reads the same credential file.
        *(["--tokens", str(a.lan_setup.tokens_file)] if a.lan_setup else ["--open"]),
        *(["--broker", urls["redis"], "--hub-name", f"hub-{k}"] if k else []),
    )


def _devices(a: argparse.Namespace, urls: dict[str, str], k: int = 0) -> list[str]:
    """The virtual devices of the hub (k = 0), or those of hub k of `--hubs N`: a seed of
    their own (ids distinct across hubs), their hub first in their list of hub URLs."""
    hub, seed = (urls[f"hub-{k}"], f"up-{k}") if k else (urls["hub"], "up")
    return grouploop_argv(
        "emulate",
        *("--hub", hub, "--cdn", urls["cdn"]),
        *("--devices", "3", "--seed", seed, "--summary", "60"),
        *_ca("--ca-cert", a),
        *(["--provision", str(a.lan_setup.tokens_file)] if a.lan_setup else []),
    )


REDIS_WHAT = "the hubs' private broker (no persistence; stopped with the rest)"

SERVICES: list[Spec] = [
    Spec(
        "cdn",
        "CDN: /js/, /firmware/, /static/commands.json",
        lambda a, urls: grouploop_argv(
            "cdn", "--host", a.host, "--port", str(a.cdn_port), *_tls(a)
        ),
    ),
    Spec("hub", "WebSocket hub (HTTP /healthz /devices /metrics on the same port)", _hub),
    Spec(
        "web",
        "web apps: this is the socket client; the other three are on the [APP] lines",
        lambda a, urls: grouploop_argv(
            "web",
            "--host",
            a.host,
            "--hub-url",
            urls["hub"],
            "--cdn-url",
            urls["cdn"],
            "--docs-url",
            f"http://{shown_host(a.host)}:{a.docs_port}/",
            *(["--any-ports"] if a.web_any_ports else []),
            *_tls(a),
        ),
    ),
    Spec(
        "docs",
        "documentation (mkdocs serve, rebuilds on edit)",
        lambda a, urls: [sys.executable, "-m", "grouploop.up", "docs", a.host, str(a.docs_port)],
    ),
    Spec(
        "devices",
        "3 virtual devices streaming to the hub (more: grouploop emulate --devices N)",
        _devices,
    ),
]


def plan(a: argparse.Namespace) -> list[Spec]:
    """What `up` starts, in order: SERVICES, where `--hubs N` (N >= 2) turns the hub and its
    devices into hub-1…hub-N and devices-1…devices-N (a private Redis starts before them)."""
    if a.hubs < 2:
        return SERVICES
    specs: list[Spec] = []
    for spec in SERVICES:
        if spec.name not in ("hub", "devices"):
            specs.append(spec)
            continue
        argv = {"hub": _hub, "devices": _devices}[spec.name]
        for k in range(1, a.hubs + 1):
            what = spec.what.replace("the hub", f"hub-{k}")
            specs.append(Spec(f"{spec.name}-{k}", what, _of_hub(argv, k)))
    return specs


def _of_hub(
    argv: Callable[[argparse.Namespace, dict[str, str], int], list[str]], k: int
) -> Callable[[argparse.Namespace, dict[str, str]], list[str]]:
    return lambda a, urls: argv(a, urls, k)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    config = settings.load()
    parser.add_argument(
        "--host",
        help=f"address every service listens on (WS_HOST; default {config.ws_host}, "
        "0.0.0.0 with --lan)",
    )
    parser.add_argument(
        "--lan",
        action="store_true",
        help="a workshop on the network: every interface, hub with auth on, tokens printed",
    )
    parser.add_argument(
        "--lan-dir",
        type=Path,
        default=lan.DEFAULT_DIR,
        help="where --lan keeps the credential file and device secrets (%(default)s)",
    )
    parser.add_argument(
        "--hub-port",
        type=int,
        default=config.ws_port,
        help="hub (WS_PORT); with --hubs N, hub-1's, the others on the next ports no other "
        "service takes",
    )
    parser.add_argument(
        "--hubs",
        type=_at_least_one,
        default=1,
        metavar="N",
        help="N hubs as one cluster through a private redis-server (needs Debian's "
        "redis-server), the virtual devices spread over them (default 1: no Redis)",
    )
    parser.add_argument("--cdn-port", type=int, default=config.cdn_port, help="CDN (CDN_PORT)")
    parser.add_argument("--docs-port", type=int, default=settings.DEFAULT_DOCS_PORT, help="docs")
    parser.add_argument(
        "--web-any-ports", action="store_true", help="web apps on OS-chosen ports (for tests)"
    )
    parser.add_argument(
        "--start-timeout", type=float, default=60.0, help="seconds each service may take to start"
    )
    tls.add_server_arguments(parser)  # hub, CDN and web apps over wss/https
    tls.add_ca_argument(parser, "--tls-ca", "CA that signed --tls-cert: the devices' ca_cert")


def _at_least_one(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number of hubs >= 1, got {text!r}")
    return int(text)


class _Stop(Exception):
    """Ctrl-C or SIGTERM while services are starting."""


def run(args: argparse.Namespace) -> int:
    try:
        server_tls = tls.server_tls(args)
        if server_tls is not None:
            server_tls.context()
            if args.tls_ca is None:
                raise tls.TlsConfigError("--tls-cert needs --tls-ca: the devices verify with it")
    except tls.TlsConfigError as exc:
        print(f"[UP] {exc}", flush=True)
        return 2
    if args.hubs > 1 and (reason := redis_server.missing()) is not None:
        print(f"[UP] --hubs {args.hubs} runs a private Redis, but {reason}", flush=True)
        return 2
    if args.host is None:
        args.host = "0.0.0.0" if args.lan else settings.load().ws_host
    args.lan_setup = None
    if args.lan:
        args.lan_setup = lan.prepare(args.lan_dir)
    wake = threading.Event()
    requested: list[int] = []

    def on_stop(signum: int, frame: FrameType | None) -> None:
        requested.append(signum)
        wake.set()

    def on_child(signum: int, frame: FrameType | None) -> None:
        wake.set()

    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGCHLD, on_child)
    running: list[Service] = []
    specs = plan(args)
    # The private Redis's working directory (it writes nothing there: no persistence).
    redis_dir = tempfile.TemporaryDirectory(prefix="grouploop-redis-") if args.hubs > 1 else None
    try:
        urls: dict[str, str] = {}
        if redis_dir is not None:
            folder = Path(redis_dir.name)
            redis = redis_server.start_redis(folder, echo=True, timeout=args.start_timeout)
            running.append(redis)
            urls["redis"] = redis.url
        for spec in specs:
            if requested:
                raise _Stop
            service = start(spec.name, spec.argv(args, urls), echo=True, timeout=args.start_timeout)
            running.append(service)
            urls[spec.name] = service.url
            if spec.name == "hub-1":  # the hub of the web apps and of the --lan instructions
                urls["hub"] = service.url
        _banner(running, specs)
        if args.lan_setup is not None:
            address = lan.lan_address() if shown_host(args.host) != args.host else args.host
            for line in lan.instructions(args.lan_setup, urls, address):
                print(f"[UP] {line}", flush=True)
        return _watch(running, wake, requested)
    except ServiceError as exc:
        if requested:  # a child starting up got the same Ctrl-C
            return 0
        print(f"[UP] {exc}; stopping", flush=True)
        return 1
    except _Stop:
        return 0
    finally:
        for service in reversed(running):
            code = service.stop()
            print(f"[UP] {service.name} stopped ({code})", flush=True)
        if redis_dir is not None:
            redis_dir.cleanup()


def _banner(running: list[Service], specs: list[Spec]) -> None:
    what = {spec.name: spec.what for spec in specs} | {"redis": REDIS_WHAT}
    width = max(len(s.name) for s in running)
    print("[UP] GroupLoop is running:", flush=True)
    for s in running:
        print(f"[UP]   {s.name:<{width}}  {s.url:<28}  pid={s.process.pid}  {what[s.name]}")
    print("[UP] Ctrl-C stops everything.", flush=True)


def _watch(running: list[Service], wake: threading.Event, requested: list[int]) -> int:
    """Wait for a stop request (0) or a child's death (1)."""
    while True:
        # The signal handlers set `wake`; the timeout is only a safety net.
        wake.wait(timeout=5.0)
        wake.clear()
        if requested:
            print(f"[UP] {signal.Signals(requested[0]).name}: stopping", flush=True)
            return 0
        for service in running:
            code = service.process.poll()
            if code is not None:
                print(f"[UP] {service.name} exited with {code}; stopping the others", flush=True)
                return 1


def serve_docs(host: str, port: int) -> None:
    """`mkdocs serve` on host:port that prints `[READY] <url>` once it accepts connections."""
    from mkdocs.commands.serve import serve

    if port == 0:
        # mkdocs cannot report an OS-chosen port: pick a free one first.
        with socket.socket() as probe:
            probe.bind((host, 0))
            port = probe.getsockname()[1]
    shown = shown_host(host)

    class Ready(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            # The message carries a timestamp prefix: "[12:00:00] Serving on http://…".
            if "Serving on" in record.getMessage():
                announce_ready(f"http://{shown}:{port}/")

    stopping: list[int] = []

    def stop(signum: int, frame: FrameType | None) -> None:
        # Ctrl-C reaches the whole process group and `up` then sends SIGTERM: stop once.
        if not stopping:
            stopping.append(signum)
            raise KeyboardInterrupt

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("mkdocs.livereload").addHandler(Ready())
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    serve(config_file="mkdocs.yml", dev_addr=f"{host}:{port}", livereload=True)
    # Done: a late SIGTERM must not kill the interpreter while it finalises (exit code -15).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "docs":
        sys.exit("usage: python -m grouploop.up docs <host> <port>")
    serve_docs(sys.argv[2], int(sys.argv[3]))
