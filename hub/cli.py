"""`grouploop hub` (and `python -m hub`): serve until a signal, the command table kept from the CDN.

Defaults come from `grouploop.settings` (WS_HOST, WS_PORT, CDN_BASE_URL, TLS_CERT, TLS_KEY,
TLS_CA); flags override them. Prints `[READY] ws://<host>:<port>` (`wss://` with
`--tls-cert/--tls-key`) once listening (the real port when `--port 0`).

Credentials (`hub.credentials`): `--tokens FILE`, `GL_TOKENS_FILE`, the default file when it
exists, or `GL_TOKENS`. Without any the hub is open, which it only is on a loopback address:
on any other address it refuses to start and says how to create tokens, unless
`--insecure-open` (logged loudly).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import ipaddress
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any

from grouploop import aio, fds, services, settings, tls
from hub import commands, credentials, lograte, memory
from hub.cluster import Cluster
from hub.core import HubCore
from hub.limits import Limits

log = logging.getLogger("hub")

#: The transports around the one core, each `hub.transports.<name>.HubServer`; only the chosen
#: one is imported.
TRANSPORTS = ("picows", "websockets")
#: Descriptors kept free of connections: the listening socket, logs, the CDN fetch, and the
#: short-lived socket of each refused accept.
FD_RESERVE = 256


def add_arguments(parser: argparse.ArgumentParser) -> None:
    conf = settings.load()
    limits = Limits()
    add = parser.add_argument
    add("--host", default=conf.ws_host, help="address to listen on (WS_HOST; default %(default)s)")
    add("--port", type=int, default=conf.ws_port, help="port, 0 = any free (WS_PORT; %(default)s)")
    add("--cdn-url", default=conf.cdn_base_url, help="CDN for commands.json (CDN_BASE_URL)")
    tls.add_ca_argument(
        parser, "--cdn-ca", "CA an https CDN is verified with; default: the system's"
    )
    add(
        "--cdn-attempts",
        type=int,
        default=4,
        help="failed fetches of the CDN's table before the hub warns it serves the packaged one",
    )
    add(
        "--cdn-refresh",
        type=float,
        default=300.0,
        help="seconds between fetches of the CDN's command table once one succeeded",
    )
    add(
        "--silence-timeout",
        type=float,
        default=limits.silence_timeout_s,
        help="seconds without a message before a device is dropped (%(default)s)",
    )
    add("--ping-interval", type=float, default=20.0, help="keepalive ping every N s, 0 = off")
    add("--ping-timeout", type=float, default=20.0, help="close when a ping is unanswered N s")
    add("--max-message-size", type=int, default=limits.max_message_bytes, help="bytes")
    add(
        "--rate-limit",
        type=float,
        default=limits.rate_lines_per_s,
        help="lines per second per connection, 0 = unlimited (%(default)s)",
    )
    add("--rate-burst", type=int, default=limits.rate_burst, help="lines above the rate")
    add(
        "--command-rate",
        type=float,
        default=limits.command_rate_per_s,
        help="cmd: requests per second per connection, 0 = unlimited (%(default)s)",
    )
    add("--command-burst", type=int, default=limits.command_burst, help="cmd: above the rate")
    add(
        "--fleet-command-rate",
        type=float,
        default=limits.fleet_command_rate_per_s,
        help="commands per second passed on to devices, all clients together, 0 = unlimited "
        "(%(default)s)",
    )
    add(
        "--fleet-command-burst",
        type=int,
        default=limits.fleet_command_burst,
        help="fleet commands above the rate",
    )
    add(
        "--answer-rate",
        type=float,
        default=limits.answer_rate_per_s,
        help="ans: lines per second per connection, apart from its other lines, 0 = unlimited "
        "(%(default)s)",
    )
    add("--answer-burst", type=int, default=limits.answer_burst, help="ans: above the rate")
    add(
        "--subscriber-buffer",
        type=int,
        default=limits.subscriber_buffer_lines,
        help="stream lines held per congested subscriber before the oldest are dropped",
    )
    add(
        "--transport",
        choices=TRANSPORTS,
        default="picows",
        help="WebSocket library around the same core (docs/hub.md; %(default)s)",
    )
    add("--flush-interval", type=float, default=0.01, help="seconds between stream batches")
    add(
        "--max-connections",
        type=int,
        default=limits.max_connections,
        help="open connections over which new ones are refused with 503, kept below the "
        "descriptor limit; 0 = as many as that limit allows (%(default)s)",
    )
    add(
        "--max-connections-per-address",
        type=int,
        default=limits.max_connections_per_address,
        help="open connections from one IP over which its new ones are refused, 0 = no cap "
        "(%(default)s)",
    )
    add(
        "--tokens",
        type=Path,
        metavar="FILE",
        help="credential file (GL_TOKENS_FILE; default ~/.config/grouploop/tokens.json if it "
        "exists); none configured = open mode, loopback only",
    )
    add(
        "--open",
        action="store_true",
        help="ignore every credential source: an open hub, loopback only (what `grouploop up` "
        "runs without --lan)",
    )
    add(
        "--insecure-open",
        action="store_true",
        help="serve without credentials on a non-loopback address: anyone on the network "
        "may command and re-flash every device",
    )
    add(
        "--broker",
        default=conf.broker_url,
        metavar="URL",
        help="redis://host:port/db (or rediss://) the hub joins a cluster through "
        "(GL_BROKER, REDIS_URL; docs/cluster.md); none: one hub on its own",
    )
    add("--hub-name", help="this hub's name in the cluster (default: <hostname>:<port>)")
    add(
        "--cluster",
        default="grouploop",
        help="cluster name: the prefix of its Redis channels (%(default)s)",
    )
    add(
        "--hub-timeout",
        type=float,
        default=3.0,
        help="seconds after which a silent hub leaves the cluster with its devices (%(default)s)",
    )
    add("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    tls.add_server_arguments(parser)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(message)s", stream=sys.stderr)
    rate = lograte.install(logging.getLogger().handlers[0])
    # The transports' own per-connection INFO lines would drown the hub's tagged log.
    logging.getLogger("websockets").setLevel(logging.WARNING)
    logging.getLogger("hub.picows").setLevel(logging.WARNING)
    source = credentials.Source(args.tokens)
    try:
        creds = None if args.open else source.load()
    except credentials.CredentialError as exc:
        log.error("[AUTH] %s", exc)
        return 2
    if not _may_serve(args, creds):
        return 2
    try:
        server_tls = tls.server_tls(args)
        ssl_context = server_tls.context() if server_tls is not None else None
    except tls.TlsConfigError as exc:
        log.error("[ERROR] %s", exc)
        return 1
    # Listen at once on the packaged table; the CDN's replaces it in the background (_serve).
    registry = commands.packaged()
    log.info("[COMMANDS] loaded %d commands from the %s", len(registry), registry.source)
    limits = Limits(
        max_message_bytes=args.max_message_size,
        rate_lines_per_s=args.rate_limit,
        rate_burst=args.rate_burst,
        command_rate_per_s=args.command_rate,
        command_burst=args.command_burst,
        fleet_command_rate_per_s=args.fleet_command_rate,
        fleet_command_burst=args.fleet_command_burst,
        answer_rate_per_s=args.answer_rate,
        answer_burst=args.answer_burst,
        subscriber_buffer_lines=args.subscriber_buffer,
        silence_timeout_s=args.silence_timeout,
        max_connections=connection_cap(args.max_connections),
        max_connections_per_address=args.max_connections_per_address,
    )
    transport = importlib.import_module(f"hub.transports.{args.transport}")
    cluster = None
    broker = None
    if args.broker:
        from hub.broker import Broker  # only a cluster hub imports Redis

        cluster = Cluster(
            args.hub_name or "",
            args.cluster,
            args.hub_timeout,
            time.time() - time.monotonic(),
            time.monotonic(),
        )
    core = HubCore(registry, limits, creds, cluster)
    if args.broker:
        broker = Broker(core, args.broker, transport.HubServer.send)
    server = transport.HubServer(
        core,
        host=args.host,
        port=args.port,
        ping_interval=args.ping_interval or None,
        ping_timeout=args.ping_timeout or None,
        flush_interval=args.flush_interval,
        # Check often enough that a device leaves within 1.25 times the timeout.
        expire_interval=min(1.0, args.silence_timeout / 4),
        ssl_context=ssl_context,
        credentials=source if creds is not None else None,
        broker=broker,
    )
    aio.run(_serve(server, args, rate))
    return 0


def connection_cap(wanted: int) -> int:
    """`wanted` (0: no wish), kept below the descriptor limit, which is first raised to the
    hard limit: a flood then meets the cap's clean refusal, never a failing accept()."""
    limit = fds.raise_soft_limit()
    ceiling = max(1, limit - FD_RESERVE)
    if wanted and wanted <= ceiling:
        return wanted
    if wanted:
        log.warning(
            "[REFUSED] --max-connections %d lowered to %d: the descriptor limit is %d",
            wanted,
            ceiling,
            limit,
        )
    return ceiling


async def _housekeeping(rate: lograte.RateLimitFilter, trimmer: memory.Trimmer, core: Any) -> None:
    """Every second: the log's suppressed-line counts, and freed memory back to the OS."""
    while True:
        await asyncio.sleep(1.0)
        rate.flush()
        trimmer.check(core.admission.open)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name (or "" = every address): not provably loopback


def _may_serve(args: argparse.Namespace, creds: credentials.Credentials | None) -> bool:
    """Log how the hub authenticates; False when it must not start (open, not loopback)."""
    host = args.host
    if creds is not None:
        sources = ", ".join(credentials.sources(args.tokens))
        log.info("[AUTH] %d credentials from %s: logins required", len(creds), sources)
        return True
    if is_loopback(host):
        log.info("[AUTH] open mode (no credentials): loopback only")
        return True
    if args.insecure_open:
        log.warning(
            "[AUTH] INSECURE OPEN MODE on %s: no credentials, anyone who reaches this port may "
            "command every device and send it firmware (--insecure-open)",
            host or "every address",
        )
        return True
    log.error(
        "[AUTH] refusing to serve %s without credentials. Create a token with "
        "`grouploop tokens add --role admin` (or start with `grouploop up --lan`), "
        "bind to 127.0.0.1, or pass --insecure-open (anyone on the network may then "
        "command every device)",
        host or "every address",
    )
    return False


async def _serve(server: Any, args: argparse.Namespace, rate: lograte.RateLimitFilter) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)

    def stopping() -> None:
        stop.set()
        # Once stopping, a second signal must not kill the interpreter on its way out (-15).
        for sig in signals:
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)

    for sig in signals:
        loop.add_signal_handler(sig, stopping)
    core: HubCore = server.core
    tasks = [asyncio.create_task(_housekeeping(rate, memory.Trimmer(), core))]
    if args.cdn_url:
        tasks.append(
            asyncio.create_task(
                commands.refresh(
                    args.cdn_url,
                    core.commands,
                    lambda registry: setattr(core, "commands", registry),
                    every=args.cdn_refresh,
                    warn_after=max(1, args.cdn_attempts),
                    ca_file=args.cdn_ca,
                )
            )
        )
    try:
        await server.run(stop, on_ready=services.announce_ready)
    finally:
        for task in tasks:
            task.cancel()
    log.info("[DISCONNECT] hub stopped")
