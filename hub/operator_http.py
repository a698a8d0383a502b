"""The operators' HTTP endpoints on the hub's port, without I/O: path in, reply out.

- `/healthz`: 200 `ok` (in a cluster: `ok: cluster <name>, N hubs`, or `degraded: …` when
  the broker is unreachable: the hub itself still serves its own devices);
- `/healthz/cluster`: the same, but 503 while degraded (a load balancer's cluster check);
- `/devices`: JSON list of registered devices (id, label, the hub holding it, remote address,
  connected since, last frame time and decoded values, frame count), the whole fleet in a
  cluster (other hubs' devices with null for what only their hub knows), and the hubs;
- `/metrics`: Prometheus text format (`hub.metrics`).

With credentials (auth on), `/devices` and `/metrics` want a token of role viewer or more, as
`Authorization: Bearer <token>` or `?token=<token>`; without one they answer 401. `/healthz`
stays open (load balancers and `grouploop up` probe it).

Every reply may be read by a page from any origin (`Access-Control-Allow-Origin: *`): the
web apps are served from other ports than the hub's, and the device emulator reads
`/devices` to choose an id no other device uses. The replies change nothing.

Any transport answers plain HTTP GETs with `OperatorHttp.respond(path, authorization)`; a
`None` reply means "not an operator path" (the transport goes on with the WebSocket handshake).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from grouploop import frame
from hub import metrics
from hub.core import Device, HubCore
from hub.credentials import bearer_token, token_in_query

JSON = "application/json"
TEXT = "text/plain; charset=utf-8"


# Headers of every operator reply, besides its Content-Type.
ANY_ORIGIN = (("Access-Control-Allow-Origin", "*"),)


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ANY_ORIGIN


UNAUTHORIZED = Reply(
    401,
    TEXT,
    b"a token is required: Authorization: Bearer <token> or ?token=<token>\n",
    (*ANY_ORIGIN, ("WWW-Authenticate", 'Bearer realm="grouploop hub"')),
)


class OperatorHttp:
    def __init__(self, core: HubCore) -> None:
        self.core = core
        self.metrics = metrics.registry_for(core)
        # Wall-clock time of a monotonic instant, for the operators' JSON.
        self._wall_offset = time.time() - time.monotonic()

    def respond(self, path: str, authorization: str | None = None) -> Reply | None:
        token = bearer_token(authorization) or token_in_query(path)
        path = path.partition("?")[0]
        if path in ("/healthz", "/healthz/cluster"):
            return self._health(cluster_check=path == "/healthz/cluster")
        if path in ("/devices", "/metrics") and not self._allowed(token):
            return UNAUTHORIZED
        if path == "/devices":
            return Reply(200, JSON, (json.dumps(self.devices_json()) + "\n").encode())
        if path == "/metrics":
            return Reply(200, metrics.CONTENT_TYPE, metrics.render(self.metrics))
        return None

    def _allowed(self, token: str | None) -> bool:
        credentials = self.core.credentials
        if credentials is None:
            return True
        credential = credentials.verify(token) if token else None
        return credential is not None and credential.may("viewer")

    def _health(self, cluster_check: bool) -> Reply:
        cluster = self.core.cluster
        if cluster is None:
            return Reply(200, TEXT, b"ok\n")
        if cluster.joined:
            hubs = len(cluster.hubs) + 1
            counted = f"{hubs} hub{'s' if hubs > 1 else ''}"
            return Reply(200, TEXT, f"ok: cluster {cluster.cluster}, {counted}\n".encode())
        degraded = cluster.degraded_for(time.monotonic())
        text = f"degraded: broker unreachable for {degraded:.1f} s; serving local devices only\n"
        return Reply(503 if cluster_check else 200, TEXT, text.encode())

    def devices_json(self) -> dict[str, Any]:
        core = self.core
        cluster = core.cluster
        devices = [self.device_json(d) for d in core.devices.values()]
        if cluster is None:
            return {"devices": devices}
        for remote in cluster.remote.values():
            devices.append(
                {
                    "id": remote.device_id,
                    "label": remote.label,
                    "hub": remote.hub,
                    "remote": None,
                    "connected_since": None,
                    "registered_at": self._iso(remote.registered_at - self._wall_offset),
                    "last_frame_at": None,
                    "last_values": None,
                    "frames": None,
                }
            )
        here = {
            "name": cluster.name,
            "url": cluster.url,
            "devices": len(core.devices),
            "subscribers": len(core.fanout.subscribers),
            "local": True,
        }
        hubs = [here] + [
            {
                "name": hub.name,
                "url": hub.url,
                "devices": len(hub.devices),
                "subscribers": hub.subscribers,
                "local": False,
            }
            for hub in cluster.hubs.values()
        ]
        return {"devices": devices, "hubs": hubs}

    def device_json(self, device: Device) -> dict[str, Any]:
        session = device.session
        values = None
        if device.last_frame is not None:
            values = {**frame.decode(device.last_frame).physical(), "raw": device.last_frame}
        cluster = self.core.cluster
        return {
            "id": device.device_id,
            "label": session.label,
            "hub": cluster.name if cluster is not None else None,
            "remote": session.remote,
            "connected_since": self._iso(session.connected_at),
            "registered_at": self._iso(device.registered_at),
            "last_frame_at": self._iso(device.last_frame_at),
            "last_values": values,
            "frames": device.frames,
        }

    def _iso(self, monotonic: float | None) -> str | None:
        if monotonic is None:
            return None
        wall = monotonic + self._wall_offset
        millis = int(wall % 1 * 1000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(wall)) + f".{millis:03d}Z"
