"""The `picows` transport around `hub.core` (`grouploop hub --transport picows`, the default).

Same core, same protocol, same timers and HTTP endpoints as the `websockets` transport
(`hub.transports.websockets`), shared through `hub.transports.base`; only the library
differs. picows parses WebSocket frames in Cython and calls `on_ws_frame` straight from the
event loop, with no task or queue per message: receiving a small message costs a few
microseconds instead of tens, which is what lets one hub process take 40 000 device messages
a second (docs/performance.md).

Writes go straight into the connection's asyncio transport. The transport calls
`pause_writing` when its buffer passes `WRITE_HIGH_WATER`: the subscriber is then congested
and the core holds its stream lines in its bounded backlog. A peer that lets direct answers
pile up past `UNREAD_LIMIT` without reading is closed, as the `websockets` transport does.

Plain HTTP GETs (`/healthz`, `/devices`, `/metrics`) are answered from the upgrade handler:
picows sends a non-101 response from the listener factory and closes the connection.

The connection caps (`hub.admission`) act in `_Protocol.connection_made`, at accept: a refused
connection gets its 503 before picows allocates anything for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from picows import (
    WSAutoPingStrategy,
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
)
from picows.picows import WSProtocol  # type: ignore[attr-defined]

from hub.credentials import token_in_query
from hub.transports.base import (
    BACKLOG,
    CLOSE_TIMEOUT,
    WRITE_HIGH_WATER,
    HubServerBase,
    not_reading,
    remote_name,
)

#: Unsent bytes after which a connection that does not read is closed.
UNREAD_LIMIT = 4 * 1024 * 1024
#: Initial read buffer per connection (picows' default is 16 KiB; hub messages are a few dozen
#: bytes, and the buffer grows for a large one): 20,000 idle connections held 320 MB in them.
READ_BUFFER = 2048
#: Seconds a connection may take to send its upgrade request before it is closed.
HANDSHAKE_TIMEOUT = 5.0


class _Protocol(WSProtocol):  # type: ignore[misc]
    """picows' protocol behind the caps: `connection_made` is the accept, before any read."""

    def __init__(self, server: HubServer, *args: Any) -> None:
        super().__init__(*args)
        self.server = server
        self.address: str | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.address = self.server.admit(transport)
        if self.address is not None:
            super().connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.address is not None:
            self.server.release(self.address)
            super().connection_lost(exc)


class Socket(WSListener):  # type: ignore[misc]
    """One connection: picows calls it back per frame; the object itself is the core's key."""

    def __init__(self, server: HubServer, token: str | None = None) -> None:
        self.server = server
        #: The token of the upgrade request's `?token=`, handed to the core on connect.
        self.token = token
        self.transport: WSTransport | None = None
        self.remote = "?"
        self.congested = False
        self._fragments: list[bytes] = []
        self._fragment_bytes = 0
        self._fragment_type = WSMsgType.TEXT

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        raw = transport.underlying_transport
        raw.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        self.remote = remote_name(raw.get_extra_info("peername"))
        self.server.opened(self, self.remote, self.token)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        sent = transport.close_handshake.sent if transport.close_handshake else None
        if sent is not None and sent.code == WSCloseCode.MESSAGE_TOO_BIG:
            self.server.message_too_large(self.remote)
        self.server.closed(self)

    def pause_writing(self) -> None:
        self.congested = True

    def resume_writing(self) -> None:
        self.congested = False

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind == WSMsgType.TEXT and frame.fin:  # the hot path: one whole text message
            try:
                text = frame.get_payload_as_utf8_text()
            except UnicodeDecodeError:
                self._invalid_utf8(transport)
                return
            self.server.received(self, text)
        elif kind in (WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CONTINUATION):
            self._fragment(transport, frame)
        elif kind == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()

    def _fragment(self, transport: WSTransport, frame: WSFrame) -> None:
        """Reassemble a fragmented message, bounded like a whole one."""
        if frame.msg_type != WSMsgType.CONTINUATION:
            self._fragments.clear()
            self._fragment_bytes = 0
            self._fragment_type = frame.msg_type
        self._fragments.append(frame.get_payload_as_bytes())
        self._fragment_bytes += frame.payload_size
        if self._fragment_bytes > self.server.core.limits.max_message_bytes:
            self._fragments.clear()
            # Counted and logged once, by on_ws_disconnected, like every 1009 this transport sends.
            transport.send_close(WSCloseCode.MESSAGE_TOO_BIG, b"message too large")
            transport.disconnect()
            return
        if not frame.fin:
            return
        payload = b"".join(self._fragments)
        self._fragments.clear()
        if self._fragment_type == WSMsgType.TEXT:
            try:
                self.server.received(self, payload.decode("utf-8"))
            except UnicodeDecodeError:
                self._invalid_utf8(transport)
        else:
            self.server.received_binary(self)

    def _invalid_utf8(self, transport: WSTransport) -> None:
        """As the WebSocket RFC requires (and `websockets` does): close with 1007."""
        self.server.core.stats.errors["invalid_utf8"] += 1
        transport.send_close(WSCloseCode.INVALID_TEXT, b"invalid UTF-8")
        transport.disconnect()

    def write(self, text: str) -> None:
        transport = self.transport
        if transport is None or transport.is_disconnected:
            return
        transport.send(WSMsgType.TEXT, text)
        if transport.underlying_transport.get_write_buffer_size() > UNREAD_LIMIT:
            # Not reading its answers for this long: the peer is gone or hostile.
            not_reading(self.remote)
            transport.disconnect(graceful=False)

    def close_for_policy(self) -> None:
        transport = self.transport
        if transport is not None and not transport.is_disconnected:
            transport.send_close(WSCloseCode.POLICY_VIOLATION, b"authentication failed")
            transport.disconnect()


class HubServer(HubServerBase[Socket]):
    """Constructed and run exactly like `hub.transports.websockets.HubServer`."""

    _server: asyncio.Server

    async def listen(self) -> int:
        # What picows.ws_create_server does, with `_Protocol` so the caps act at accept.
        args = (
            None,  # host and port: a server's protocol has none
            None,  # path: idem
            False,  # not the client side
            self._route,
            logging.getLogger("hub.picows"),
            True,  # disconnect when a callback raises
            HANDSHAKE_TIMEOUT,
            self.ping_interval is not None,
            self.ping_interval or 20.0,
            self.ping_timeout or 20.0,
            WSAutoPingStrategy.PING_WHEN_IDLE,
            True,  # answer pings
            self.core.limits.max_message_bytes,
            None,  # no extra headers
            READ_BUFFER,
        )
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _Protocol(self, *args),
            self.host,
            self.port,
            backlog=BACKLOG,
            ssl=self.ssl_context,
        )
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        self._server.close()
        for sock in list(self.sockets):
            transport = sock.transport
            if transport is not None:
                transport.send_close(WSCloseCode.GOING_AWAY, b"hub shutting down")
                transport.disconnect()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await self._server.wait_closed()
                await self.no_connections.wait()

    def _route(self, request: WSUpgradeRequest) -> Socket | WSUpgradeResponseWithListener:
        path = request.path.decode("utf-8", "replace")
        reply = self.http.respond(path, request.headers.get("Authorization"))
        if reply is None:
            return Socket(self, token_in_query(path))
        headers = {"Content-Type": reply.content_type, **dict(reply.headers)}
        if reply.status == 200:
            response = WSUpgradeResponse.create_ok_response(reply.body, extra_headers=headers)
        else:
            response = WSUpgradeResponse.create_error_response(
                reply.status, reply.body, extra_headers=headers
            )
        return WSUpgradeResponseWithListener(response, None)
