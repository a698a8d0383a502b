"""The `picows` shell around `hub.core` (`grouploop hub --transport picows`).

Same core, same protocol, same timers and HTTP endpoints as the `websockets` shell
(`hub.server`); only the transport differs. picows parses WebSocket frames in Cython and calls
`on_ws_frame` straight from the event loop, with no task or queue per message: receiving a
small message costs a few microseconds instead of tens, which is what lets one hub process
take 40 000 device messages a second (docs/performance.md).

Writes go straight into the connection's asyncio transport. The transport calls
`pause_writing` when its buffer passes `WRITE_HIGH_WATER`: the subscriber is then congested
and the core holds its stream lines in its bounded backlog. A peer that lets direct answers
pile up past `UNREAD_LIMIT` without reading is closed, as the `websockets` shell does.

Plain HTTP GETs (`/healthz`, `/devices`, `/metrics`) are answered from the upgrade handler:
picows sends a non-101 response from the listener factory and closes the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Hashable, Sequence

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

from hub.core import HubCore
from hub.operator_http import OperatorHttp

log = logging.getLogger("hub")

#: Transport write buffer above which a subscriber counts as congested.
WRITE_HIGH_WATER = 256 * 1024
#: Unsent bytes after which a connection that does not read is closed.
UNREAD_LIMIT = 4 * 1024 * 1024
#: Seconds the connections get to close at shutdown.
CLOSE_TIMEOUT = 2.0


class Peer(WSListener):  # type: ignore[misc]
    """One connection; the object itself is the core's connection key."""

    def __init__(self, shell: PicowsHubServer) -> None:
        self.shell = shell
        self.transport: WSTransport | None = None
        self.congested = False
        self._fragments: list[bytes] = []
        self._fragment_bytes = 0
        self._fragment_type = WSMsgType.TEXT

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport
        raw = transport.underlying_transport
        raw.set_write_buffer_limits(high=WRITE_HIGH_WATER)
        address = raw.get_extra_info("peername")
        remote = f"{address[0]}:{address[1]}" if address else "?"
        self.shell.peers.add(self)
        self.shell.no_peers.clear()
        self.shell.send(self.shell.core.connect(self, time.monotonic(), remote))

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        sent = transport.close_handshake.sent if transport.close_handshake else None
        if sent is not None and sent.code == WSCloseCode.MESSAGE_TOO_BIG:
            self.shell.core.stats.errors["message_too_large"] += 1
            log.warning("[ERROR] message too large: closed (1009)")
        self.shell.peers.discard(self)
        if not self.shell.peers:
            self.shell.no_peers.set()
        self.shell.core.disconnect(self, time.monotonic())

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
            self._text(text)
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
        if self._fragment_bytes > self.shell.core.limits.max_message_bytes:
            self._fragments.clear()
            self.shell.core.stats.errors["message_too_large"] += 1
            transport.send_close(WSCloseCode.MESSAGE_TOO_BIG, b"message too large")
            transport.disconnect()
            return
        if not frame.fin:
            return
        payload = b"".join(self._fragments)
        self._fragments.clear()
        if self._fragment_type == WSMsgType.TEXT:
            try:
                self._text(payload.decode("utf-8"))
            except UnicodeDecodeError:
                self._invalid_utf8(transport)
        else:
            self.shell.send(self.shell.core.receive_binary(self, time.monotonic()))

    def _text(self, text: str) -> None:
        sends = self.shell.core.receive(self, text, time.monotonic())
        if sends:
            self.shell.send(sends)

    def _invalid_utf8(self, transport: WSTransport) -> None:
        """As the WebSocket RFC requires (and `websockets` does): close with 1007."""
        self.shell.core.stats.errors["invalid_utf8"] += 1
        transport.send_close(WSCloseCode.INVALID_TEXT, b"invalid UTF-8")
        transport.disconnect()

    def write(self, text: str) -> None:
        transport = self.transport
        if transport is None or transport.is_disconnected:
            return
        transport.send(WSMsgType.TEXT, text)
        if transport.underlying_transport.get_write_buffer_size() > UNREAD_LIMIT:
            # Not reading its answers for this long: the peer is gone or hostile.
            log.warning("[ERROR] a connection does not read its answers: closing")
            transport.disconnect(graceful=False)


class PicowsHubServer:
    """Constructed and run exactly like `hub.server.HubServer`."""

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
        self.peers: set[Peer] = set()
        #: Set whenever no connection is open (shutdown waits for it).
        self.no_peers = asyncio.Event()
        self.no_peers.set()
        self.http = OperatorHttp(core)

    async def run(self, stop: asyncio.Event, on_ready: Callable[[str], None] | None = None) -> None:
        """Serve until `stop` is set, then close every connection (code 1001)."""
        server = await ws_create_server(
            self._route,
            self.host,
            self.port,
            enable_auto_ping=self.ping_interval is not None,
            auto_ping_idle_timeout=self.ping_interval or 20.0,
            auto_ping_reply_timeout=self.ping_timeout or 20.0,
            max_frame_size=self.core.limits.max_message_bytes,
            logger_name="hub.picows",
        )
        timers = [
            asyncio.create_task(self._flush_loop()),
            asyncio.create_task(self._expire_loop()),
        ]
        if on_ready is not None:
            on_ready(self.url(server))
        await stop.wait()
        log.info("[DISCONNECT] shutting down: closing %d connections", len(self.peers))
        for task in timers:
            task.cancel()
        server.close()
        for peer in list(self.peers):
            if peer.transport is not None:
                peer.transport.send_close(WSCloseCode.GOING_AWAY, b"hub shutting down")
                peer.transport.disconnect()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await server.wait_closed()
                await self.no_peers.wait()

    def url(self, server: asyncio.Server) -> str:
        port = server.sockets[0].getsockname()[1]
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"ws://{host}:{port}"

    def _route(self, request: WSUpgradeRequest) -> Peer | WSUpgradeResponseWithListener:
        reply = self.http.respond(request.path.decode("utf-8", "replace"))
        if reply is None:
            return Peer(self)
        response = WSUpgradeResponse.create_ok_response(
            reply.body, extra_headers={"Content-Type": reply.content_type}
        )
        return WSUpgradeResponseWithListener(response, None)

    def send(self, sends: Sequence[tuple[Hashable, str]]) -> None:
        for peer, text in sends:
            peer.write(text)  # type: ignore[attr-defined]

    async def _flush_loop(self) -> None:
        core = self.core
        congested = _is_congested
        while True:
            await asyncio.sleep(self.flush_interval)
            sends = core.flush(time.monotonic(), congested)
            if sends:
                self.send(sends)

    async def _expire_loop(self) -> None:
        while True:
            await asyncio.sleep(self.expire_interval)
            self.core.expire(time.monotonic())


def _is_congested(peer: Hashable) -> bool:
    return peer.congested  # type: ignore[attr-defined, no-any-return]
