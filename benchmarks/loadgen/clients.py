"""Simulated devices and subscribers as picows listeners (callbacks, no task per client).

picows parses WebSocket frames in Cython and calls `on_ws_frame` straight from the event
loop, so one process can hold thousands of connections and send tens of thousands of
messages a second without becoming the thing that is measured.
"""

from __future__ import annotations

import asyncio
import json

from picows import WSFrame, WSListener, WSMsgType, WSTransport

from benchmarks.loadgen import codec
from benchmarks.loadgen.stats import BUCKET_US, BUCKETS, Histogram, SubscriberResult

GREETING_PREFIX = "Connected to"


class _TextListener(WSListener):  # type: ignore[misc]
    """Reassembles fragmented text messages and answers the closing handshake."""

    def __init__(self) -> None:
        self.transport: WSTransport | None = None
        self._fragments: list[str] = []
        self.closed = asyncio.get_running_loop().create_future()

    def on_ws_connected(self, transport: WSTransport) -> None:
        self.transport = transport

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        if not self.closed.done():
            self.closed.set_result(None)

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        kind = frame.msg_type
        if kind == WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
            return
        if kind not in (WSMsgType.TEXT, WSMsgType.CONTINUATION):
            return
        text = frame.get_payload_as_utf8_text()
        if not frame.fin:
            self._fragments.append(text)
            return
        if self._fragments:
            text = "".join([*self._fragments, text])
            self._fragments.clear()
        self.on_text(text)

    def on_text(self, text: str) -> None:
        raise NotImplementedError


class Device(_TextListener):
    """A device: sends benchmark frames when told, answers every command with one `ans:`."""

    def __init__(self, device_id: int) -> None:
        super().__init__()
        self.device_id = device_id
        self.hex_id = f"{device_id:04x}"
        self.seq = 0

    def send_frame(self, now_us: int) -> None:
        assert self.transport is not None
        self.transport.send(WSMsgType.TEXT, codec.encode(self.device_id, now_us, self.seq))
        self.seq += 1

    def on_text(self, text: str) -> None:
        assert self.transport is not None
        for line in text.split("\n"):
            if not line or line.startswith((GREETING_PREFIX, "auth:")) or line in ("pong", "id:ok"):
                continue
            command = line.split(":", 1)[0]
            answer = {"cmd": command, "ok": True}
            if command == "status":
                answer["data"] = {"id": self.hex_id, "seq": self.seq}
            self.transport.send(WSMsgType.TEXT, "ans:" + json.dumps(answer, separators=(",", ":")))


class Subscriber(_TextListener):
    """A stream client: counts and times every frame sent inside the measurement window.

    In a cluster, device k (counted from `first_device`) is on hub k % `hubs`; frames of
    devices on another hub than `home_hub` (this subscriber's) are timed apart.
    """

    def __init__(self, hubs: int = 1, home_hub: int = 0, first_device: int = 0) -> None:
        super().__init__()
        self.hubs = hubs
        self.home_hub = home_hub
        self.first_device = first_device
        self.streaming = asyncio.get_running_loop().create_future()
        self.result = SubscriberResult()
        self.window_start = 0
        self.window_span = 0  # nothing counts until the coordinator opens the window
        self._last_seq: dict[int, int] = {}
        # Commands this subscriber sent that still wait for their answer: device → send time.
        self.pending: dict[str, int] = {}
        self.command_rtt = Histogram()

    def subscribe(self) -> None:
        assert self.transport is not None
        self.transport.send(WSMsgType.TEXT, "s")

    def send_command(self, hex_id: str, now_us: int) -> None:
        assert self.transport is not None
        self.pending[hex_id] = now_us
        self.transport.send(WSMsgType.TEXT, f"cmd:{hex_id}:status")

    def on_text(self, text: str) -> None:
        records, others = codec.split_batch(text)
        now = codec.now_us()
        start, span, mask = self.window_start, self.window_span, codec.TS_MASK
        shift, seq_mask = codec.SEQ_BITS, codec.SEQ_MASK
        first, hubs, home = self.first_device, self.hubs, self.home_hub
        same, cross = self.result.latency, self.result.cross_hub_latency
        same_counts, same_top, same_n = same.counts, same.max_us, 0
        cross_counts, cross_top, cross_n = cross.counts, cross.max_us, 0
        last_seq = self._last_seq
        duplicates = 0
        # The hot loop of the whole generator: keep it to plain local arithmetic.
        for device_id, word in records:
            ts = word >> shift
            if (ts - start) & mask >= span:
                continue
            seq = word & seq_mask
            if last_seq.get(device_id, -1) >= seq:
                duplicates += 1
                continue
            last_seq[device_id] = seq
            lat = (now - ts) & mask
            if (device_id - first) % hubs == home:
                same_n += 1
                same_counts[min(lat // BUCKET_US, BUCKETS)] += 1
                if lat > same_top:
                    same_top = lat
            else:
                cross_n += 1
                cross_counts[min(lat // BUCKET_US, BUCKETS)] += 1
                if lat > cross_top:
                    cross_top = lat
        same.total += same_n
        same.max_us = same_top
        cross.total += cross_n
        cross.max_us = cross_top
        self.result.received += same_n + cross_n
        self.result.duplicates += duplicates
        for line in others:
            self._on_line(line, now)

    def _on_line(self, line: str, now: int) -> None:
        if line == "stream:on" and not self.streaming.done():
            self.streaming.set_result(None)
        elif line.startswith("ans:"):
            sent = self.pending.pop(line[4:8], None)
            if sent is not None:
                self.command_rtt.add(codec.elapsed_us(sent, now))
