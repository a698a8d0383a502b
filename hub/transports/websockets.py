"""The `websockets` transport around `hub.core` (`grouploop hub --transport websockets`).

Everything the protocol decides is in `HubCore`; the timers, socket bookkeeping and shutdown
sequence both transports share are in `hub.transports.base`. This module only moves text
between sockets and the core and answers the operators' HTTP requests on the same port
(`hub.operator_http`: `/healthz`, `/devices`, `/metrics`). The connection caps
(`hub.admission`) act in `_Connection.connection_made`, at accept.

Each connection gets a `Socket` (also the core's key for it): an outbox written in order by
one sender task, so a slow socket only ever delays itself. Stream batches are handed only to
subscribers that are not congested; the core keeps a bounded backlog for the others.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections import deque
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.frames import CloseCode
from websockets.http11 import Request, Response

from hub.core import CLOSE
from hub.credentials import token_in_query
from hub.transports.base import (
    BACKLOG,
    CLOSE_TIMEOUT,
    WRITE_HIGH_WATER,
    HubServerBase,
    not_reading,
    remote_name,
)

#: Queued messages after which a connection that does not read is closed.
OUTBOX_LIMIT = 1000


class _Connection(ServerConnection):
    """websockets' connection behind the caps: `connection_made` is the accept, before any
    read; a refused connection never gets a handler task."""

    def __init__(self, *args: Any, hub: HubServer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hub = hub
        self.address: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.address = self.hub.admit(transport)
        if self.address is not None:
            super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self.address is not None:
            super().data_received(data)

    def eof_received(self) -> None:
        if self.address is not None:
            super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.address is not None:
            self.hub.release(self.address)
            super().connection_lost(exc)


class Socket:
    """One connection: its messages waiting to be sent, written in order by one lazily started
    task."""

    def __init__(self, ws: ServerConnection) -> None:
        self.ws = ws
        self.remote = remote_name(ws.remote_address)
        self.queue: deque[str] = deque()
        self.wake = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.closer: asyncio.Task[None] | None = None
        self.finished = False

    def write(self, text: str) -> None:
        """Queue `text` (or `CLOSE`: close with 1008 once the texts before it are sent)."""
        if self.finished:
            return
        if len(self.queue) >= OUTBOX_LIMIT:
            # Not reading its answers for this long: the peer is gone or hostile.
            if self.closer is None:
                not_reading(self.remote)
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
                    text = queue.popleft()
                    if text is CLOSE:
                        await self.ws.close(CloseCode.POLICY_VIOLATION, "authentication failed")
                        return
                    await self.ws.send(text)
        except ConnectionClosed:
            queue.clear()

    def close_for_policy(self) -> None:
        self.write(CLOSE)

    def close(self) -> None:
        self.finished = True
        if self.task is not None:
            self.task.cancel()


class HubServer(HubServerBase[Socket]):
    _server: Server

    async def listen(self) -> int:
        self._server = await serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._http,
            ssl=self.ssl_context,
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
            create_connection=functools.partial(_Connection, hub=self),  # type: ignore[arg-type]
            backlog=BACKLOG,
        )
        port: int = next(iter(self._server.sockets)).getsockname()[1]
        return port

    async def close(self) -> None:
        self._server.close()  # closes every connection with 1001
        await self._server.wait_closed()

    async def _handle(self, ws: ServerConnection) -> None:
        sock = Socket(ws)
        self.opened(sock, sock.remote, token_in_query(ws.request.path if ws.request else ""))
        try:
            async for message in ws:
                if isinstance(message, str):
                    self.received(sock, message)
                else:
                    self.received_binary(sock)
        except ConnectionClosed as exc:
            if exc.sent is not None and exc.sent.code == CloseCode.MESSAGE_TOO_BIG:
                self.message_too_large(sock.remote)
        finally:
            self.closed(sock)
            sock.close()

    def _http(self, connection: ServerConnection, request: Request) -> Response | None:
        reply = self.http.respond(request.path, request.headers.get("Authorization"))
        if reply is None:
            return None  # a WebSocket handshake (or websockets' own 426 for plain HTTP)
        response = connection.respond(reply.status, reply.body.decode("utf-8"))
        del response.headers["Content-Type"]
        response.headers["Content-Type"] = reply.content_type
        for name, value in reply.headers:
            response.headers[name] = value
        return response
