"""The hub's protocol handling, without I/O: text and time in, (connection, text) sends out.

This module implements the table of docs/protocol.md. It owns no socket, no event loop and no
clock; a transport (``hub.transports.picows`` or ``hub.transports.websockets``) drives it:

    core = HubCore(registry, limits, credentials)  # credentials None: an open hub
    sends = core.connect(conn, now, remote="1.2.3.4:5678", token=None)  # greeting (+ auth)
    sends = core.receive(conn, text, now)          # answers, commands for devices
    sends = core.receive_binary(conn, now)         # binary is refused with an error line
    core.disconnect(conn, now)                     # forget the connection (and its device)
    sends = core.flush(congested=is_congested)     # every ~10 ms: batched stream lines
    core.expire(now)                               # every ~1 s: drop silent devices

`conn` is any hashable the transport uses to find the connection again (its `Socket`); the
core keeps what the protocol knows of that connection in a `Session` (label, device, rate
bucket). Every returned send is `(conn, text)`: the transport writes `text` as one text
message to `conn`, in order. `congested(conn)` tells the core a subscriber cannot take more now
(its write buffer is full); the core then holds that subscriber's stream lines in a bounded
backlog (see `hub.fanout`). `now` is seconds on a monotonic clock. The core never raises on
client input: malformed lines are answered with the documented error, or dropped and counted
in `stats`.

A send whose text is `CLOSE` asks the transport to close that connection (policy violation,
1008) once the texts before it are written: a failed login is answered, then closed.

Authentication (docs/protocol.md): with `credentials`, a connection logs in with a token from
its URL (`?token=`, handed to `connect`) or an `auth:<token>` line; `auth:ok:<role>` or
`auth:error:invalid` and CLOSE. Until then, and beyond its role, it may only `ping`, label
itself and log in: commands get `cmd:error:forbidden`, `s` and device ids `…:error:forbidden`,
frames are dropped and counted. Only a `device` credential registers a device, and only its
own id; so `ans:` lines are only ever attributed to the id a device's secret is bound to.
Without credentials (open mode) nothing is checked, exactly as before authentication existed.

Errors outside the protocol table are answered as `error:<reason>` (`unknown_message`,
`binary_not_supported`, `message_too_large`, `rate_limited`, `not_registered`); original
clients treat any non-frame line as a server message, so they ignore them safely.

Cluster (docs/cluster.md): with a `hub.cluster.Cluster`, the core also serves the devices other
hubs hold: `cmd:` targets resolve to local devices and remote ids (published once for all of
them), stream lines go out once per flush when another hub has subscribers (or asked one of
these devices), other hubs' lines join the next batch, and a registration elsewhere that is
newer lets a local device go. `hub.broker` drives this through the `cluster_*` methods; no
cluster: none of it runs, and the hot path costs one more attribute test when no subscriber
is local.

Logging: one line per event (a connection, a registration, a command, an error); what keeps
an attacker from filling the log with them is `hub.lograte`, on the log handler.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass

from grouploop.frame import FRAME_LENGTH, FRAME_PATTERN
from hub.admission import Admission
from hub.cluster import Cluster, Command
from hub.commands import CommandRegistry
from hub.credentials import Credential, Credentials
from hub.fanout import Fanout, Send
from hub.limits import Limits, TokenBucket, bucket
from hub.stats import Stats

log = logging.getLogger("hub")

GREETING = "Connected to GroupLoop WebSocket server"
#: Not a text to write: the transport closes the connection (1008) when it meets this object.
CLOSE = "\x00close"
#: What `auth:` answers on an open hub: no credentials are checked, everything is allowed.
OPEN_ROLE = "open"
NOTHING: Sequence[Send] = ()

_FRAME = FRAME_PATTERN.match
_ANY_CASE_FRAME = re.compile(r"[0-9a-fA-F]{20}\Z").match
_DEVICE_ID = re.compile(r"[0-9a-fA-F]{4}\Z").match
# Labels: printable ASCII without ':' (it separates protocol fields), not only spaces.
_LABEL = re.compile(r"[\x20-\x39\x3b-\x7e]+\Z").match
# The command an answer is for: `ans:{"cmd":"<name>",…}` (docs/protocol.md).
_ANSWERED = re.compile(r'\{"cmd":"([^"]{1,32})"').match
#: Seconds an asker waits for its answer to be routed to it; unanswered asks per device kept.
ASK_TIMEOUT_S = 30.0
ASKS_PER_DEVICE = 8


@dataclass(slots=True, eq=False)
class Device:
    device_id: str
    session: Session
    registered_at: float
    last_seen: float
    last_frame: str | None = None
    last_frame_at: float | None = None
    frames: int = 0

    @property
    def label(self) -> str | None:
        return self.session.label


@dataclass(slots=True, eq=False)
class Session:
    """What the protocol knows of one open connection; `key` is the transport's `Socket`."""

    key: Hashable
    remote: str
    connected_at: float
    #: Budgets (None: off): every line but answers; `cmd:` requests; `ans:` lines.
    bucket: TokenBucket | None
    command_bucket: TokenBucket | None = None
    answer_bucket: TokenBucket | None = None
    label: str | None = None
    device: Device | None = None
    #: Who logged in on this connection (None: nobody yet, or an open hub).
    credential: Credential | None = None
    #: When this connection was last told `error:rate_limited`.
    limited_notice_at: float = float("-inf")


class HubCore:
    def __init__(
        self,
        commands: CommandRegistry,
        limits: Limits | None = None,
        credentials: Credentials | None = None,
        cluster: Cluster | None = None,
    ) -> None:
        """`cluster`: the other hubs (`hub.cluster`, moved by `hub.broker`); None: one hub."""
        self.commands = commands
        self.limits = limits or Limits()
        #: None: an open hub (no login, no role checks).
        self.credentials = credentials
        self.stats = Stats()
        self.sessions: dict[Hashable, Session] = {}
        self.devices: dict[str, Device] = {}
        self.fanout = Fanout(self.limits.subscriber_buffer_lines, self.stats)
        #: Commands passed on to devices, whoever sends them (full from the start).
        limits = self.limits
        self.fleet_bucket = bucket(limits.fleet_command_rate_per_s, limits.fleet_command_burst, 0.0)
        #: The connection caps the transports consult at accept, before `connect`.
        self.admission = Admission(self.limits, self.stats)
        self.cluster = cluster
        #: Rereads the credential file if it changed since the last time (the transport's), so
        #: that a token added a moment ago logs in at once; None: nothing to reread.
        self.reread_credentials: Callable[[], Credentials | None] | None = None
        #: Who asked each device what, to hand its answer to them: id -> (command, key, until).
        self.asks: dict[str, deque[tuple[str, Hashable, float]]] = {}
        #: Devices another hub asked something, until when: their answers are published.
        self.remote_asks: dict[str, float] = {}
        self._publish_answers = False
        #: Stream lines from other hubs since the last flush (whole batches) and their count.
        self._remote_stream: list[str] = []
        self._remote_lines = 0

    # -- transport interface -------------------------------------------------------------

    def connect(
        self, conn: Hashable, now: float, remote: str = "", token: str | None = None
    ) -> Sequence[Send]:
        """A new connection; `token` is the one its URL carried (`?token=`), if any."""
        limits = self.limits
        session = Session(
            conn,
            remote,
            now,
            bucket(limits.rate_lines_per_s, limits.rate_burst, now),
            bucket(limits.command_rate_per_s, limits.command_burst, now),
            bucket(limits.answer_rate_per_s, limits.answer_burst, now),
        )
        self.sessions[conn] = session
        self.stats.connections_total += 1
        log.info("[CONNECT] %s (%d connections)", remote or conn, len(self.sessions))
        out: list[Send] = [(conn, GREETING)]
        if token is not None:
            self._login(session, token, now, out)
        return out

    def receive(self, conn: Hashable, text: str, now: float) -> Sequence[Send]:
        session = self.sessions.get(conn)
        if session is None:
            return NOTHING
        stats = self.stats
        stats.messages_received += 1
        # Hot path: one frame from an already registered device (40 000 of these a second).
        if len(text) == FRAME_LENGTH and _FRAME(text):
            if session.bucket is not None and not session.bucket.take(1, now):
                return self._limited(session, 1, now)
            stats.lines_received += 1
            self._frame(session, text, now)
            return NOTHING
        if len(text) > self.limits.max_message_bytes:
            return self._error(session, "message_too_large")
        lines = text.split("\n")
        # A trailing newline is no extra line; answers cost their own budget (_answer).
        cost = len(lines) - (lines[-1] == "") - sum(line.startswith("ans:") for line in lines)
        if cost and session.bucket is not None and not session.bucket.take(cost, now):
            return self._limited(session, cost, now)
        stats.lines_received += cost
        if session.device is not None:
            session.device.last_seen = now
        out: list[Send] = []
        for line in lines:
            line = line.strip()
            if line:
                self._line(session, line, now, out)
        return out

    def receive_binary(self, conn: Hashable, now: float) -> Sequence[Send]:
        session = self.sessions.get(conn)
        return NOTHING if session is None else self._error(session, "binary_not_supported")

    def disconnect(self, conn: Hashable, now: float) -> None:
        session = self.sessions.pop(conn, None)
        if session is None:
            return
        self.fanout.unsubscribe(conn)
        if session.device is not None:
            self._drop_device(session.device, "disconnected")
        log.info(
            "[DISCONNECT] %s after %.1f s (%d connections)",
            session.remote or conn,
            now - session.connected_at,
            len(self.sessions),
        )

    def set_credentials(self, credentials: Credentials) -> list[Send]:
        """New credentials (the file changed): connections whose credential is gone are told
        `auth:error:revoked` and closed; everyone else carries on."""
        self.credentials = credentials
        out: list[Send] = []
        for session in list(self.sessions.values()):
            gone = session.credential
            if gone is not None and gone.sha256 not in credentials.by_hash:
                log.info("[AUTH] %s: %s was revoked", session.remote or session.key, gone.name)
                session.credential = None
                if session.device is not None:
                    self._drop_device(session.device, "its credential was revoked")
                self.fanout.unsubscribe(session.key)
                out += [(session.key, "auth:error:revoked"), (session.key, CLOSE)]
        log.info("[AUTH] credentials reloaded: %d", len(credentials))
        return out

    def flush(self, congested: Callable[[Hashable], bool] | None = None) -> list[Send]:
        fanout = self.fanout
        cluster = self.cluster
        if cluster is None:
            return fanout.flush(congested)
        batch, count = fanout.take_pending()
        if count and (cluster.wants_stream or self._publish_answers):
            cluster.publish_stream(batch)
        self._publish_answers = False
        cluster.tick()
        if self._remote_lines:
            batch += "".join(self._remote_stream)
            count += self._remote_lines
            self._remote_stream.clear()
            self._remote_lines = 0
        return fanout.send(batch, count, congested)

    def expire(self, now: float) -> list[str]:
        """Drop devices silent for longer than the silence timeout; returns their ids."""
        self._expire_asks(now)
        deadline = now - self.limits.silence_timeout_s
        silent = [d for d in self.devices.values() if d.last_seen < deadline]
        for device in silent:
            self.stats.devices_expired += 1
            self._drop_device(device, f"silent for {now - device.last_seen:.1f} s")
        return [d.device_id for d in silent]

    # -- cluster (`hub.broker` calls these; only with a `cluster`) --------------------------

    def cluster_joined(self, now: float) -> None:
        """The broker answers: announce this hub and its devices."""
        assert self.cluster is not None
        self.cluster.link_up(now, self.devices, len(self.fanout.subscribers))

    def cluster_lost(self, now: float) -> None:
        """The broker is gone: serve local devices and subscribers only (degraded)."""
        assert self.cluster is not None
        self.cluster.link_down(now)
        self._remote_stream.clear()
        self._remote_lines = 0

    def cluster_heartbeat(self, now: float) -> list[str]:
        """Every second: tell the others what is here; returns the hubs that went silent."""
        cluster = self.cluster
        assert cluster is not None
        cluster.heartbeat(self.devices, len(self.fanout.subscribers))
        gone = cluster.expire(now)
        for name in gone:
            log.warning("[CLUSTER] hub %s went silent: its devices left the registry", name)
        return gone

    def cluster_receive(self, channel: str, payload: bytes, now: float) -> list[Send]:
        """A payload from another hub (`hub.cluster`): never raises, whatever it holds."""
        cluster = self.cluster
        assert cluster is not None
        event = cluster.receive(channel, payload, now, self.devices)
        out: list[Send] = []
        if event is None:
            return out
        kind, value = event
        if kind == "stream":
            self._remote_batch(value, now, out)
        elif kind == "command":
            self._remote_command(value, now, out)
        elif kind == "moved":
            hub = channel.rsplit(":", 1)[-1]
            for device_id in value:
                device = self.devices.get(device_id)
                if device is not None:
                    self._drop_device(device, f"registered again on hub {hub}")
        elif kind == "hello":
            cluster.heartbeat(self.devices, len(self.fanout.subscribers))
        return out

    def _remote_batch(self, text: str, now: float, out: list[Send]) -> None:
        if self.asks and "ans:" in text:
            for line in text.split("\n"):
                if line.startswith("ans:"):
                    self._to_asker(line[4:8], line[9:], line, now, out)
        if self.fanout.subscribers:
            self._remote_stream.append(text)
            self._remote_lines += text.count("\n")

    def _remote_command(self, command: Command, now: float, out: list[Send]) -> None:
        """A command sent on another hub, for the devices held here."""
        if command.target == "all":
            found = list(self.devices.values())
        else:
            found = [d for i in command.target if (d := self.devices.get(i)) is not None]
            for device in found:
                self.remote_asks[device.device_id] = now + ASK_TIMEOUT_S
        for device in found:
            out.append((device.session.key, command.text))
        self.stats.commands["from_cluster"] += 1
        log.info("[SEND] %d devices here <- %s (from the cluster)", len(found), command.text)

    # -- protocol ---------------------------------------------------------------------------

    def _line(self, session: Session, line: str, now: float, out: list[Send]) -> None:
        if len(line) == FRAME_LENGTH and _ANY_CASE_FRAME(line):
            self._frame(session, line.lower(), now)
        elif line == "ping":
            out.append((session.key, "pong"))
        elif line == "s":
            if not self._may(session, "viewer"):
                out.append((session.key, self._forbidden("stream", session, now)))
                return
            self.fanout.subscribe(session.key)
            out.append((session.key, "stream:on"))
        elif line.startswith("cmd:"):
            out.append((session.key, self._command(session, line[4:], now, out)))
        elif line.startswith("id:"):
            out.append((session.key, self._identify(session, line[3:], now)))
        elif line.startswith("ans:"):
            self._answer(session, line[4:], now, out)
        elif line.startswith("auth:"):
            self._login(session, line[5:], now, out)
        else:
            self.stats.errors["unknown_message"] += 1
            out.append((session.key, "error:unknown_message"))

    def _frame(self, session: Session, frame: str, now: float) -> None:
        device = session.device
        if device is None or device.device_id != frame[:4]:
            if not self._may_be(session, frame[:4]):
                self._forbidden("frame", session, now)
                return
            device = self._register(session, frame[:4], now)
        device.last_seen = now
        device.last_frame = frame
        device.last_frame_at = now
        device.frames += 1
        self.stats.frames_received += 1
        if self.fanout.subscribers or (self.cluster is not None and self.cluster.wants_stream):
            self.fanout.pending.append(frame)

    def _identify(self, session: Session, label: str, now: float) -> str:
        too_long = len(label) > self.limits.max_label_length
        if not label or too_long or not _LABEL(label) or label.isspace():
            self.stats.errors["id_error"] += 1
            return "id:error"
        device_id = label.lower()
        if _DEVICE_ID(label) and (session.device is None or session.device.device_id != device_id):
            if not self._may_be(session, device_id):
                return self._forbidden("id", session, now)
            self._register(session, device_id, now)
        session.label = label
        return "id:ok"

    def _answer(self, session: Session, body: str, now: float, out: list[Send]) -> None:
        answers = session.answer_bucket
        if answers is not None and not answers.take(1, now):
            self.stats.answers_rate_limited += 1  # dropped unanswered: the device cannot help it
            return
        if session.device is None:
            self.stats.errors["not_registered"] += 1
            out.append((session.key, "error:not_registered"))
            return
        self.stats.answers_received += 1
        device_id = session.device.device_id
        line = f"ans:{device_id}:{body}"
        self._to_asker(device_id, body, line, now, out)
        cluster = self.cluster
        if cluster is not None and self.remote_asks.pop(device_id, 0.0) >= now:
            self._publish_answers = True
        elif not (self.fanout.subscribers or (cluster is not None and cluster.wants_stream)):
            return
        self.fanout.pending.append(line)

    def _command(self, session: Session, body: str, now: float, out: list[Send]) -> str:
        """`cmd:<target>:<command>[:<params>]` → sends to devices (into `out`) and the answer."""
        own = session.command_bucket
        if own is not None and not own.take(1, now):
            return self._command_error("rate_limited")
        target, sep, rest = body.partition(":")
        name, _, params = rest.partition(":")
        targets = self._targets(target) if sep and name else None
        if targets is None:
            return self._command_error("invalid_format")
        found, remote = targets
        spec = self.commands.get(name)
        if spec is None:
            return self._command_error("unknown_command")
        if not self._may(session, spec.role):
            return self._forbidden("command", session, now)
        # A trailing empty parameter (`status:`) is no parameter; ':' inside the last one stays.
        params = params.rstrip(":")
        if spec.arity:
            values = params.split(":", spec.arity - 1) if params else []
            if len(values) < spec.arity or "" in values:
                return self._command_error("missing_parameters")
        message = f"{name}:{params}" if params else name
        reached = len(found) + len(remote)
        if reached and not self._fleet_allows(now):
            return self._command_error("fleet_rate_limited")
        for device in found:
            out.append((device.session.key, message))
        if remote and self.cluster is not None:
            self.cluster.publish_command("all" if target == "all" else remote, message)
        if target != "all":
            self._asked(session, name, [d.device_id for d in found] + remote, now)
        if target != "all" and "," not in target:
            if not reached:
                log.info("[SEND] %s <- %s: no such device", target, message)
                self.stats.commands["failed"] += 1
                return "cmd:result:failed"
            log.info("[SEND] %s <- %s", target.lower(), message)
            self.stats.commands["success"] += 1
            return "cmd:result:success"
        log.info("[BROADCAST] %s -> %s: %d devices", message, target, reached)
        self.stats.commands["sent_to_devices"] += 1
        return f"cmd:result:sent_to_{reached}_devices"

    def _targets(self, target: str) -> tuple[list[Device], list[str]] | None:
        """Devices a target names: those held here, and the ids other hubs hold (`hub.cluster`);
        None when malformed. Unknown ids are in neither."""
        remote = self.cluster.remote if self.cluster is not None else {}
        if target == "all":
            return list(self.devices.values()), list(remote)
        ids = target.split(",")
        if not all(_DEVICE_ID(i) for i in ids):
            return None
        found: list[Device] = []
        elsewhere: list[str] = []
        for device_id in dict.fromkeys(i.lower() for i in ids):
            device = self.devices.get(device_id)
            if device is not None:
                found.append(device)
            elif device_id in remote:
                elsewhere.append(device_id)
        return found, elsewhere

    # -- answers ------------------------------------------------------------------------------

    def _asked(self, session: Session, command: str, device_ids: list[str], now: float) -> None:
        """Remember who asked, so that each device's answer to `command` is handed to them."""
        until = now + ASK_TIMEOUT_S
        for device_id in device_ids:
            asks = self.asks.get(device_id)
            if asks is None:
                asks = self.asks[device_id] = deque(maxlen=ASKS_PER_DEVICE)
            asks.append((command, session.key, until))

    def _to_asker(self, device_id: str, body: str, line: str, now: float, out: list[Send]) -> None:
        """Hand an answer to the client that asked for it, unless the stream brings it anyway."""
        asks = self.asks.get(device_id)
        if asks is None:
            return
        match = _ANSWERED(body)
        command = match.group(1) if match else None
        for i, (asked, key, until) in enumerate(asks):
            if asked == command and until >= now:
                del asks[i]
                if key in self.sessions and key not in self.fanout.subscribers:
                    out.append((key, line))
                break
        if not asks:
            del self.asks[device_id]

    def _expire_asks(self, now: float) -> None:
        for device_id, asks in list(self.asks.items()):
            while asks and asks[0][2] < now:
                asks.popleft()
            if not asks:
                del self.asks[device_id]
        for device_id, until in list(self.remote_asks.items()):
            if until < now:
                del self.remote_asks[device_id]

    def _fleet_allows(self, now: float) -> bool:
        """Whether the hub-wide command budget passes one more command on to devices."""
        return self.fleet_bucket is None or self.fleet_bucket.take(1, now)

    def _command_error(self, reason: str) -> str:
        self.stats.errors[reason] += 1
        return f"cmd:error:{reason}"

    # -- authentication -------------------------------------------------------------------

    def _login(self, session: Session, token: str, now: float, out: list[Send]) -> None:
        if self.credentials is None:
            out.append((session.key, f"auth:ok:{OPEN_ROLE}"))
            return
        credential = self.credentials.verify(token)
        if credential is None and self.reread_credentials is not None:
            fresh = self.reread_credentials()
            if fresh is not None:
                out += self.set_credentials(fresh)
                credential = fresh.verify(token)
        if credential is None:
            self.stats.logins_failed += 1
            # Bounded, with the count of those not shown, by hub.lograte like every line.
            log.warning("[AUTH] failed login from %s", session.remote or session.key)
            out.append((session.key, "auth:error:invalid"))
            out.append((session.key, CLOSE))
            return
        self.stats.logins += 1
        if session.device is not None and session.device.device_id != credential.device_id:
            self._drop_device(session.device, f"connection logged in as {credential.name}")
        session.credential = credential
        who = session.remote or session.key
        log.info("[AUTH] %s is %s (%s)", who, credential.name, credential.role)
        out.append((session.key, f"auth:ok:{credential.role}"))

    def _may(self, session: Session, role: str) -> bool:
        if self.credentials is None:
            return True
        return session.credential is not None and session.credential.may(role)

    def _may_be(self, session: Session, device_id: str) -> bool:
        """Whether `session` may register (stream, answer) as `device_id`."""
        if self.credentials is None:
            return True
        return session.credential is not None and session.credential.device_id == device_id

    def _forbidden(self, what: str, session: Session, now: float) -> str:
        """Count (and log, bounded by hub.lograte) a refusal; returns the answer for `what`."""
        self.stats.errors[f"forbidden_{what}"] += 1
        who = session.credential.name if session.credential else "not logged in"
        log.warning("[AUTH] %s refused for %s (%s)", what, session.remote or session.key, who)
        prefix = {"command": "cmd:error", "id": "id:error"}.get(what, "error")
        return f"{prefix}:forbidden"

    # -- registry -------------------------------------------------------------------------

    def _register(self, session: Session, device_id: str, now: float) -> Device:
        # Churn (a connection switching ids, two connections fighting over one id) is counted;
        # its log lines, like every line, are bounded by hub.lograte.
        if session.device is not None or device_id in self.devices:
            self.stats.errors["device_id_churn"] += 1
        if session.device is not None:
            self._drop_device(session.device, f"now {device_id}")
        previous = self.devices.get(device_id)
        if previous is not None:
            # Same id on a new connection (a device that reconnected): the newest wins.
            self._drop_device(previous, "registered again from another connection")
        device = Device(device_id, session, now, now)
        self.devices[device_id] = device
        session.device = device
        if self.cluster is not None:
            self.cluster.registered(device)
        log.info("[CONNECT] device %s registered from %s", device_id, session.remote or session.key)
        return device

    def _drop_device(self, device: Device, why: str) -> None:
        if self.devices.get(device.device_id) is device:
            del self.devices[device.device_id]
            if self.cluster is not None:
                self.cluster.released(device.device_id)
        if device.session.device is device:
            device.session.device = None
        log.info("[DEVICE_DISCONNECT] %s: %s", device.device_id, why)

    # -- errors ---------------------------------------------------------------------------

    def _error(self, session: Session, reason: str) -> Sequence[Send]:
        self.stats.errors[reason] += 1
        log.warning("[ERROR] %s from %s", reason, session.remote or session.key)
        return [(session.key, f"error:{reason}")]

    def _limited(self, session: Session, lines: int, now: float) -> Sequence[Send]:
        """Drop rate-limited lines; say so at most once a second, not once per line."""
        self.stats.lines_rate_limited += lines
        if now - session.limited_notice_at < 1.0:
            return NOTHING
        session.limited_notice_at = now
        return self._error(session, "rate_limited")
