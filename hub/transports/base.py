"""What both transports around `hub.core` share; each transport only moves bytes.

`HubServerBase` holds the settings every transport's `HubServer` is constructed with, the
connection bookkeeping (which sockets are open, and an event set whenever none is), the flush
(every `flush_interval`, ~10 ms) and expiry (every `expire_interval`) timers, and the
run/shutdown sequence: listen, start the timers, announce the URL, wait for `stop`, stop the
timers, close.

A transport supplies `listen` and `close` (its server), and one `Socket` per open connection
that writes text, closes for a policy violation (a failed login) and says whether it is
congested; the core uses those objects as its keys (and keeps its own per-connection state in
a `hub.core.Session`), so a send goes straight to its socket without a lookup. The transport
hands the core the `token` of the WebSocket URL's query (`?token=`,
`hub.credentials.token_in_query`): the browser API can send no header.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from grouploop import services
from hub.admission import REFUSAL
from hub.core import CLOSE, HubCore
from hub.credentials import CredentialError, Credentials, Source
from hub.operator_http import OperatorHttp

if TYPE_CHECKING:  # only a hub given --broker imports Redis
    from hub.broker import Broker

log = logging.getLogger("hub")

#: Transport write buffer above which a subscriber counts as congested.
WRITE_HIGH_WATER = 256 * 1024
#: Seconds the connections get to close at shutdown.
CLOSE_TIMEOUT = 2.0
#: Pending connections the kernel queues before accept (asyncio's default is 100): a burst
#: over it has SYNs dropped and retried after a second, legitimate ones among them.
BACKLOG = 4096


class Socket(Hashable, Protocol):
    """One open connection as a transport holds it (and, as a key, the core sees it)."""

    @property
    def congested(self) -> bool: ...

    def write(self, text: str) -> None: ...

    def close_for_policy(self) -> None:
        """Close (1008) once what was written before is sent."""


SocketT = TypeVar("SocketT", bound=Socket)


class HubServerBase(ABC, Generic[SocketT]):
    """A hub on one WebSocket library: a subclass supplies `listen`, `close` and its `Socket`."""

    def __init__(
        self,
        core: HubCore,
        *,
        host: str,
        port: int,
        ping_interval: float | None = 20.0,
        ping_timeout: float | None = 20.0,
        flush_interval: float = 0.01,
        expire_interval: float = 1.0,
        ssl_context: ssl.SSLContext | None = None,
        credentials: Source | None = None,
        broker: Broker | None = None,
    ) -> None:
        """`ssl_context` (grouploop.tls): serve wss:// (and https:// for the HTTP endpoints);
        `broker`: the link to the other hubs of a cluster (`core.cluster`), None: one hub."""
        self.core = core
        self.host = host
        self.port = port
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.flush_interval = flush_interval
        self.expire_interval = expire_interval
        self.ssl_context = ssl_context
        #: Reread every second when it changed (a hub with auth on); None: an open hub.
        self.credentials = credentials
        if credentials is not None:
            core.reread_credentials = self._reread_credentials
        self.broker = broker
        self.http = OperatorHttp(core)
        self.sockets: set[SocketT] = set()
        #: Set whenever no connection is open (shutdown waits for it).
        self.no_connections = asyncio.Event()
        self.no_connections.set()

    @abstractmethod
    async def listen(self) -> int:
        """Start listening; returns the bound port."""

    @abstractmethod
    async def close(self) -> None:
        """Stop listening and close every connection (code 1001), bounded by CLOSE_TIMEOUT."""

    async def run(self, stop: asyncio.Event, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve until `stop` is set, then close every connection (code 1001)."""
        port = await self.listen()
        timers = [
            asyncio.create_task(self._flush_loop()),
            asyncio.create_task(self._expire_loop()),
        ]
        if self.credentials is not None:
            timers.append(asyncio.create_task(self._reload_loop()))
        cluster = self.core.cluster
        if cluster is not None:
            cluster.url = self.url(port)
            cluster.name = cluster.name or f"{socket.gethostname()}:{port}"
        if self.broker is not None:
            timers.append(asyncio.create_task(self.broker.run()))
        try:
            if on_ready is not None:
                on_ready(self.url(port))
            await stop.wait()
            log.info("[DISCONNECT] shutting down: closing %d connections", len(self.sockets))
            if self.broker is not None:
                await self.broker.leave()
        finally:
            for task in timers:
                task.cancel()
            await self.close()

    def url(self, port: int) -> str:
        scheme = "wss" if self.ssl_context is not None else "ws"
        return f"{scheme}://{services.shown_host(self.host)}:{port}"

    # -- what the transports call ----------------------------------------------------------------

    def admit(self, transport: asyncio.BaseTransport) -> str | None:
        """At accept, before reading: the peer's IP when under the caps (`hub.admission`),
        else None, the refusal written and the connection closed."""
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if peer else "?"
        if self.core.admission.admit(address):
            return address
        transport.write(REFUSAL)  # type: ignore[attr-defined]
        transport.close()
        return None

    def release(self, address: str) -> None:
        """An admitted TCP connection closed (upgraded or not)."""
        self.core.admission.release(address)

    def opened(self, sock: SocketT, remote: str, token: str | None = None) -> None:
        self.sockets.add(sock)
        self.no_connections.clear()
        self.send(self.core.connect(sock, time.monotonic(), remote, token))

    def closed(self, sock: SocketT) -> None:
        self.sockets.discard(sock)
        if not self.sockets:
            self.no_connections.set()
        self.core.disconnect(sock, time.monotonic())

    def received(self, sock: SocketT, text: str) -> None:
        sends = self.core.receive(sock, text, time.monotonic())
        if sends:
            self.send(sends)

    def received_binary(self, sock: SocketT) -> None:
        self.send(self.core.receive_binary(sock, time.monotonic()))

    def message_too_large(self, remote: str) -> None:
        """Count and log a connection the transport closed with 1009."""
        self.core.stats.errors["message_too_large"] += 1
        log.warning("[ERROR] message too large from %s: closed (1009)", remote)

    @staticmethod
    def send(sends: Sequence[tuple[Hashable, str]]) -> None:
        for sock, text in sends:
            if text is CLOSE:
                sock.close_for_policy()  # type: ignore[attr-defined]
            else:
                sock.write(text)  # type: ignore[attr-defined]

    # -- timers ------------------------------------------------------------------------------

    async def _flush_loop(self) -> None:
        core = self.core
        send = self.send
        broker = self.broker
        while True:
            await asyncio.sleep(self.flush_interval)
            sends = core.flush(_is_congested)
            if sends:
                send(sends)
            if broker is not None:
                broker.tick()

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(self.expire_interval)
            self.core.expire(time.monotonic())

    async def _reload_loop(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            loaded = self._reread_credentials()
            if loaded is not None:
                self.send(self.core.set_credentials(loaded))

    def _reread_credentials(self) -> Credentials | None:
        """The credential file's contents when it changed since it was last read, else None."""
        source = self.credentials
        if source is None or not source.changed():
            return None
        try:
            return source.load()
        except CredentialError as exc:
            log.error("[AUTH] credentials not reloaded, keeping the previous ones: %s", exc)
            return None


def not_reading(remote: str) -> None:
    """Log a connection about to be closed for letting its answers pile up unread."""
    log.warning("[ERROR] %s does not read its answers: closing", remote)


def remote_name(address: Any) -> str:
    """`host:port` of a peer address as sockets report it (`?` when unknown)."""
    return f"{address[0]}:{address[1]}" if address else "?"


def _is_congested(sock: Hashable) -> bool:
    return sock.congested  # type: ignore[attr-defined, no-any-return]
