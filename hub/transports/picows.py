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
"""

from __future__ import annotations

import asyncio
import contextlib

from picows import (
    WSCloseCode,
    WSFrame,
    WSListener,
    WSMsgType,
    WSTransport,
    WSUpgradeRequest,
    WSUpgradeResponse,
    WSUpgradeResponseWithListener,
    ws_create_server,
)

from hub.credentials import token_in_query
from hub.transports.base import (
    CLOSE_TIMEOUT,
    WRITE_HIGH_WATER,
    HubServerBase,
    not_reading,
    remote_name,
)

#: Unsent bytes after which a connection that does not read is closed.
UNREAD_LIMIT = 4 * 1024 * 1024


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
        self._server = await ws_create_server(
            self._route,
            self.host,
            self.port,
            enable_auto_ping=self.ping_interval is not None,
            auto_ping_idle_timeout=self.ping_interval or 20.0,
            auto_ping_reply_timeout=self.ping_timeout or 20.0,
            max_frame_size=self.core.limits.max_message_bytes,
            logger_name="hub.picows",
            ssl=self.ssl_context,  # passed on to loop.create_server
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
