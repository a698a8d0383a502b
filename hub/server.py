"""The `websockets` shell around `hub.core`: sockets, timers, HTTP endpoints, shutdown.

Everything the protocol decides is in `HubCore`; this module only moves text between sockets
and the core, runs the flush (every `flush_interval`, ~10 ms) and expiry (every second)
timers, and answers the operators' HTTP requests on the same port (`hub.operator_http`:
`/healthz`, `/devices`, `/metrics`).

Each connection gets an `Outbox`: a sender task that writes its queued messages in order, so a
slow socket only ever delays itself. Stream batches are handed only to subscribers that are not
congested; the core keeps a bounded backlog for the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Hashable, Sequence

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from hub.core import HubCore
from hub.operator_http import OperatorHttp

log = logging.getLogger("hub")

#: Transport write buffer above which a subscriber counts as congested.
WRITE_HIGH_WATER = 256 * 1024
#: Seconds a peer gets to answer the closing handshake.
CLOSE_TIMEOUT = 2.0
#: Queued messages after which a connection that does not read is closed.
OUTBOX_LIMIT = 1000


class Outbox:
    """Messages waiting for one connection, written in order by one lazily started task."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.queue: deque[str] = deque()
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.closer: asyncio.Task[None] | None = None

    def put(self, text: str) -> None:
        if len(self.queue) >= OUTBOX_LIMIT:
            # Not reading its answers for this long: the peer is gone or hostile.
            if self.closer is None:
                log.warning("[ERROR] %s does not read its answers: closing", _remote(self.ws))
                self.closer = asyncio.create_task(self.ws.close(1008, "not reading"))
            return
        self.queue.append(text)
        if self.task is None:
            self.task = asyncio.create_task(self._run())
        self.wake.set()

    @property
    def congested(self) -> bool:
        transport = self.ws.transport
        return bool(self.queue) or transport.get_write_buffer_size() > WRITE_HIGH_WATER

    async def _run(self) -> None:
        queue = self.queue
        try:
            while True:
                await self.wake.wait()
                self.wake.clear()
                while queue:
                    await self.ws.send(queue.popleft())
        except ConnectionClosed:
            queue.clear()

    def close(self) -> None:
        if self.task is not None:
            self.task.cancel()


class HubServer:
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
    ) -> None:
        self.core = core
        self.host = host
        self.port = port
        self.ping_interval = ping_interval
        self.ping_timeout = ping_timeout
        self.flush_interval = flush_interval
        self.expire_interval = expire_interval
        self.outboxes: dict[Hashable, Outbox] = {}
        self.http = OperatorHttp(core)

    async def run(self, stop: asyncio.Event, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve until `stop` is set, then close every connection (code 1001)."""
        async with serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._http,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            max_size=self.core.limits.max_message_bytes,
            # Bounds how long a peer that ignores the closing handshake delays shutdown.
            close_timeout=CLOSE_TIMEOUT,
            write_limit=WRITE_HIGH_WATER,
            # Browsers offer permessage-deflate; compressing every batch for every subscriber
            # costs more CPU than the hex frames would save on a LAN.
            compression=None,
            logger=logging.getLogger("websockets.server"),
        ) as server:
            timers = [
                asyncio.create_task(self._flush_loop()),
                asyncio.create_task(self._expire_loop()),
            ]
            if on_ready is not None:
                on_ready(self.url(server))
            await stop.wait()
            log.info("[DISCONNECT] shutting down: closing %d connections", len(self.outboxes))
            for task in timers:
                task.cancel()
            server.close()
            await server.wait_closed()

    def url(self, server: Server) -> str:
        port = server.sockets[0].getsockname()[1]
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"ws://{host}:{port}"

    # -- WebSocket --------------------------------------------------------------------------

    async def _handle(self, ws: ServerConnection) -> None:
        core = self.core
        self.outboxes[ws] = Outbox(ws)
        self._send(core.connect(ws, time.monotonic(), _remote(ws)))
        try:
            async for message in ws:
                now = time.monotonic()
                if isinstance(message, str):
                    sends = core.receive(ws, message, now)
                else:
                    sends = core.receive_binary(ws, now)
                if sends:
                    self._send(sends)
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == CloseCode.MESSAGE_TOO_BIG:
                core.stats.errors["message_too_large"] += 1
                log.warning("[ERROR] message too large from %s: closed (1009)", _remote(ws))
        finally:
            core.disconnect(ws, time.monotonic())
            self.outboxes.pop(ws).close()

    def _send(self, sends: Sequence[tuple[Hashable, str]]) -> None:
        outboxes = self.outboxes
        for conn, text in sends:
            outbox = outboxes.get(conn)
            if outbox is not None:
                outbox.put(text)

    def _congested(self, conn: Hashable) -> bool:
        outbox = self.outboxes.get(conn)
        return outbox is None or outbox.congested

    async def _flush_loop(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            sends = self.core.flush(time.monotonic(), self._congested)
            if sends:
                self._send(sends)

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(self.expire_interval)
            self.core.expire(time.monotonic())

    # -- HTTP -------------------------------------------------------------------------------

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        reply = self.http.respond(request.path)
        if reply is None:
            return None  # a WebSocket handshake (or websockets' own 426 for plain HTTP)
        response = connection.respond(reply.status, reply.body.decode("utf-8"))
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = reply.content_type
        return response


def _remote(ws: ServerConnection) -> str:
    address = ws.remote_address
    return f"{address[0]}:{address[1]}" if address else "?"
