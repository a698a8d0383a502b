"""What a hub knows of the other hubs of its cluster, and the messages between hubs, without I/O.

The core (`hub.core`) asks this module about "remote" devices, subscribers and commands;
`hub.broker` moves its messages through Redis. Nothing here touches a socket or a clock: the
broker hands in `now` (monotonic seconds) and payloads, and takes `outbox` (payloads to publish
on this hub's channel, in order) after every flush tick.

Every hub publishes on its own channel, `<cluster>:hub:<name>`, and reads every hub's channel
(`<cluster>:hub:*`, its own included, which it skips by name). A payload is one of
(docs/cluster.md):

    gl1:s\\n<line>\\n<line>\\n…      the stream lines (frames, `ans:<id>:…`) of one flush tick
    gl1:c\\n{"type": …}           a control message (JSON object):
        heartbeat  every second: url, subscribers, devices [[id, label, registered_at], …]
        registry   devices registered here [[id, label, registered_at], …] and released [ids]
                   since the last tick (at most one per tick)
        command    target ("all" or [ids]) and the text to send to those devices held here
        hello      a hub (re)joined: everybody answers with a heartbeat at once
        bye        a hub stops: its devices leave every registry at once

`registered_at` is wall-clock seconds: an id registered on two hubs stays with the newest
registration (ties: the larger hub name), as on one hub. A hub not heard from for `hub_timeout`
seconds leaves with its devices. Anything else on those channels is dropped and counted in
`stats.dropped` by reason; it never raises.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

STREAM = b"gl1:s\n"
CONTROL = b"gl1:c\n"
#: Seconds between heartbeats.
HEARTBEAT_INTERVAL = 1.0
#: Payloads waiting for the broker (a tick's worth each) before the oldest stream batches are
#: dropped: ~10 s of ticks while Redis is slow.
OUTBOX_LIMIT = 1000

_STREAM_LINES = re.compile(rb"(?:[0-9a-f]{20}\n|ans:[0-9a-f]{4}:[^\n]*\n)+\Z").match
_DEVICE_ID = re.compile(r"[0-9a-f]{4}\Z").match


def _device_ids(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, str) and _DEVICE_ID(i) for i in value)


class LocalDevice(Protocol):
    """What the cluster reads of a device held by this hub (`hub.core.Device`)."""

    @property
    def device_id(self) -> str: ...
    @property
    def label(self) -> str | None: ...
    @property
    def registered_at(self) -> float: ...


@dataclass(slots=True)
class RemoteDevice:
    device_id: str
    hub: str
    label: str | None
    #: Wall-clock seconds.
    registered_at: float


@dataclass(slots=True)
class RemoteHub:
    name: str
    url: str
    subscribers: int
    last_heard: float
    devices: set[str] = field(default_factory=set)


@dataclass(slots=True)
class ClusterStats:
    published: int = 0
    published_bytes: int = 0
    received: int = 0
    received_bytes: int = 0
    #: Payloads dropped, by reason (`malformed`, `foreign`, `outbox_full`, `link_down`).
    dropped: Counter[str] = field(default_factory=Counter)
    #: Times the link to the broker came back after being lost.
    reconnects: int = 0
    #: Last broker round trip (PING), seconds; None before the first.
    round_trip_s: float | None = None
    #: Seconds spent degraded (no broker) before the current spell.
    degraded_s: float = 0.0


@dataclass(slots=True)
class Command:
    """A command another hub passes on: `target` is "all" or ids."""

    target: str | list[str]
    text: str


class Cluster:
    def __init__(
        self,
        name: str,
        cluster: str = "grouploop",
        hub_timeout: float = 3.0,
        wall_offset: float = 0.0,
        now: float = 0.0,
    ) -> None:
        """`name` may stay "" until the hub knows its port; `wall_offset`: wall-clock minus
        monotonic seconds (registration times across hubs); `now`: when the hub started, the
        start of its first degraded spell (until it joins)."""
        self.name = name
        self.cluster = cluster
        self.hub_timeout = hub_timeout
        self.wall_offset = wall_offset
        self.url = ""
        self.stats = ClusterStats()
        self.hubs: dict[str, RemoteHub] = {}
        #: Devices held by other hubs, by id (never one this hub holds).
        self.remote: dict[str, RemoteDevice] = {}
        self.outbox: list[bytes] = []
        #: Whether some other hub has stream subscribers: only then are frames published.
        self.wants_stream = False
        #: None: joined; else the monotonic time the link was lost (or never came up).
        self.degraded_since: float | None = now
        self._claims: list[list[Any]] = []
        self._releases: list[str] = []

    # -- names ------------------------------------------------------------------------------

    @property
    def channel(self) -> str:
        return f"{self.cluster}:hub:{self.name}"

    @property
    def pattern(self) -> str:
        return f"{self.cluster}:hub:*"

    # -- link ---------------------------------------------------------------------------------

    @property
    def joined(self) -> bool:
        return self.degraded_since is None

    def link_up(self, now: float, local: Mapping[str, LocalDevice], subscribers: int) -> None:
        """The broker answers again: announce this hub and ask the others for theirs."""
        if self.degraded_since is not None:
            self.stats.degraded_s += now - self.degraded_since
            self.degraded_since = None
        self._control({"type": "hello"})
        self.heartbeat(local, subscribers)

    def link_down(self, now: float) -> None:
        """The broker is gone: forget the other hubs (they cannot be reached) and the outbox."""
        if self.degraded_since is None:
            self.degraded_since = now
        self.stats.dropped["link_down"] += len(self.outbox)
        self.outbox.clear()
        self._claims.clear()
        self._releases.clear()
        self.hubs.clear()
        self.remote.clear()
        self.wants_stream = False

    def degraded_for(self, now: float) -> float:
        return 0.0 if self.degraded_since is None else now - self.degraded_since

    def stopping(self) -> None:
        self._control({"type": "bye"})

    # -- what the core tells the cluster ----------------------------------------------------------

    def registered(self, device: LocalDevice) -> None:
        known = self.remote.get(device.device_id)
        if known is not None:
            self._unplace(known.hub, device.device_id)
        if self.joined:
            self._claims.append(self._entry(device))

    def released(self, device_id: str) -> None:
        if self.joined:
            self._releases.append(device_id)

    def publish_stream(self, batch: str) -> None:
        if self.joined:
            self._publish(STREAM + batch.encode())

    def publish_command(self, target: str | list[str], text: str) -> None:
        if self.joined:
            self._control({"type": "command", "target": target, "text": text})

    def tick(self) -> None:
        """End of a flush tick: registrations and releases since the last go out as one."""
        if self._claims or self._releases:
            self._control({"type": "registry", "claims": self._claims, "releases": self._releases})
            self._claims = []
            self._releases = []

    def heartbeat(self, local: Mapping[str, LocalDevice], subscribers: int) -> None:
        if not self.joined:
            return
        devices = [self._entry(d) for d in local.values()]
        self._control(
            {"type": "heartbeat", "url": self.url, "subscribers": subscribers, "devices": devices}
        )

    def expire(self, now: float) -> list[str]:
        """Hubs silent for `hub_timeout` leave with their devices; returns their names."""
        deadline = now - self.hub_timeout
        gone = [hub.name for hub in self.hubs.values() if hub.last_heard < deadline]
        for name in gone:
            self._forget(name)
        return gone

    def take_outbox(self) -> list[bytes]:
        out = self.outbox
        self.outbox = []
        return out

    # -- what other hubs say ------------------------------------------------------------------

    def receive(
        self, channel: str, payload: bytes, now: float, local: Mapping[str, LocalDevice]
    ) -> tuple[str, Any] | None:
        """One payload from the broker. Returns what the core must act on, or None:
        ("stream", text), ("command", Command), ("moved", [ids this hub must let go]),
        ("hello", None) — answer with a heartbeat."""
        prefix = self.pattern[:-1]
        if not channel.startswith(prefix):
            self.stats.dropped["foreign"] += 1
            return None
        hub = channel[len(prefix) :]
        if hub == self.name:
            return None  # our own publish, echoed by the pattern subscription
        self.stats.received += 1
        self.stats.received_bytes += len(payload)
        try:
            if payload.startswith(STREAM):
                lines = payload[len(STREAM) :]
                if not _STREAM_LINES(lines):
                    raise ValueError("not stream lines")
                text = lines.decode()
                self._heard(hub, now)
                return ("stream", text)
            if not payload.startswith(CONTROL):
                self.stats.dropped["foreign"] += 1
                return None
            message = json.loads(payload[len(CONTROL) :])
            return self._control_message(hub, message, now, local)
        # UnicodeDecodeError is a ValueError; JSON too deep for the parser is a RecursionError;
        # a number too large for a float (`1e999` is parsed as inf) an OverflowError.
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError, RecursionError):
            self.stats.dropped["malformed"] += 1
            return None

    def _control_message(
        self, hub: str, message: Any, now: float, local: Mapping[str, LocalDevice]
    ) -> tuple[str, Any] | None:
        kind = message["type"]
        if kind == "bye":
            self._forget(hub)
            return None
        if kind == "hello":
            self._heard(hub, now)
            return ("hello", None)
        if kind == "heartbeat":
            # Checked whole before anything changes: a malformed heartbeat leaves no trace.
            url = message["url"]
            subscribers = message["subscribers"]
            if not isinstance(url, str) or type(subscribers) is not int or subscribers < 0:
                raise ValueError("heartbeat")
            devices = [self._device(hub, d) for d in message["devices"]]
            entry = self._heard(hub, now)
            entry.url = url
            entry.subscribers = subscribers
            for gone in entry.devices - {d.device_id for d in devices}:
                self._unplace(hub, gone)
            entry.devices.clear()
            for device in devices:
                self._place(device, local)
            self._update_interest()
            return None
        if kind == "registry":
            claims = [self._device(hub, d) for d in message["claims"]]
            releases = message["releases"]
            if not _device_ids(releases):
                raise ValueError("releases")
            self._heard(hub, now)
            for device_id in releases:
                self._unplace(hub, device_id)
            moved = []
            for device in claims:
                held = local.get(device.device_id)
                if held is None:
                    self._place(device, local)
                elif self._newer(device, self._local_entry(held)):
                    moved.append(device.device_id)
                    self._place(device, local, moving=True)
            return ("moved", moved) if moved else None
        if kind == "command":
            target = message["target"]
            text = message["text"]
            if not isinstance(text, str) or "\n" in text or not text:
                raise ValueError("command text")
            if target != "all" and not _device_ids(target):
                raise ValueError("command target")
            self._heard(hub, now)
            return ("command", Command(target, text))
        raise ValueError(f"unknown type {kind!r}")

    # -- registry ---------------------------------------------------------------------------

    def _heard(self, name: str, now: float) -> RemoteHub:
        hub = self.hubs.get(name)
        if hub is None:
            hub = self.hubs[name] = RemoteHub(name, "", 0, now)
        hub.last_heard = now
        return hub

    def _forget(self, name: str) -> None:
        hub = self.hubs.pop(name, None)
        if hub is not None:
            for device_id in hub.devices:
                self._unplace(name, device_id)
            self._update_interest()

    def _place(
        self, device: RemoteDevice, local: Mapping[str, LocalDevice], moving: bool = False
    ) -> None:
        """Record where a device is, unless a newer registration (here or elsewhere) holds it;
        `moving`: it leaves this hub for that one."""
        device_id = device.device_id
        if device_id in local and not moving:
            return
        known = self.remote.get(device_id)
        if known is not None and known.hub != device.hub:
            if not self._newer(device, known):
                return
            other = self.hubs.get(known.hub)
            if other is not None:
                other.devices.discard(device_id)
        self.remote[device_id] = device
        self.hubs[device.hub].devices.add(device_id)

    def _unplace(self, hub: str, device_id: str) -> None:
        known = self.remote.get(device_id)
        if known is not None and known.hub == hub:
            del self.remote[device_id]
        entry = self.hubs.get(hub)
        if entry is not None:
            entry.devices.discard(device_id)

    def _update_interest(self) -> None:
        self.wants_stream = any(hub.subscribers for hub in self.hubs.values())

    def _device(self, hub: str, entry: Any) -> RemoteDevice:
        device_id, label, registered_at = entry
        if not isinstance(device_id, str) or not _DEVICE_ID(device_id):
            raise ValueError("device id")
        if label is not None and not isinstance(label, str):
            raise ValueError("label")
        if type(registered_at) not in (int, float) or not math.isfinite(registered_at):
            raise ValueError("registered_at")
        return RemoteDevice(device_id, hub, label, float(registered_at))

    def _entry(self, device: LocalDevice) -> list[Any]:
        return [device.device_id, device.label, device.registered_at + self.wall_offset]

    def _local_entry(self, device: LocalDevice) -> RemoteDevice:
        return RemoteDevice(
            device.device_id, self.name, device.label, device.registered_at + self.wall_offset
        )

    @staticmethod
    def _newer(a: RemoteDevice, b: RemoteDevice) -> bool:
        return (a.registered_at, a.hub) > (b.registered_at, b.hub)

    # -- outbox ---------------------------------------------------------------------------------

    def _control(self, message: dict[str, Any]) -> None:
        self._publish(CONTROL + json.dumps(message, separators=(",", ":")).encode())

    def _publish(self, payload: bytes) -> None:
        outbox = self.outbox
        outbox.append(payload)
        if len(outbox) > OUTBOX_LIMIT:
            # Stale stream batches are worth least; control messages keep the registry right.
            for i, old in enumerate(outbox):
                if old.startswith(STREAM):
                    del outbox[i]
                    break
            else:
                del outbox[0]
            self.stats.dropped["outbox_full"] += 1
