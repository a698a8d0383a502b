"""Prometheus metrics of one hub, built from the core's plain counters at scrape time.

Each hub instance has its own `CollectorRegistry` (two hubs in one process, as in tests, do not
collide); `render()` returns the text exposition format for `/metrics`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from hub.cluster import Cluster
from hub.core import HubCore

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# (metric name, help, Stats attribute)
_COUNTERS = (
    ("connections", "WebSocket connections accepted", "connections_total"),
    ("messages_received", "WebSocket messages received", "messages_received"),
    ("lines_received", "protocol lines received", "lines_received"),
    ("frames_received", "sensor frames received from devices", "frames_received"),
    ("answers_received", "ans: lines received from devices", "answers_received"),
    ("stream_lines_delivered", "stream lines handed to subscribers", "lines_delivered"),
    ("stream_batches_sent", "batched stream messages handed to subscribers", "batches_sent"),
    (
        "stream_lines_dropped_overflow",
        "stream lines dropped, oldest first, because a subscriber's buffer was full",
        "lines_dropped_overflow",
    ),
    ("lines_rate_limited", "lines dropped by the per-connection rate limit", "lines_rate_limited"),
    (
        "answers_rate_limited",
        "ans: lines dropped by the per-connection answer budget",
        "answers_rate_limited",
    ),
    ("devices_expired", "devices dropped after the silence timeout", "devices_expired"),
    ("logins", "logins accepted (auth: line or ?token=)", "logins"),
    ("logins_failed", "logins refused (answered auth:error:invalid, then closed)", "logins_failed"),
)


class HubCollector(Collector):
    def __init__(self, core: HubCore) -> None:
        self.core = core

    def collect(self) -> Iterator[Metric]:
        core = self.core
        stats = core.stats
        for name, help_text, attribute in _COUNTERS:
            yield CounterMetricFamily(f"grouploop_hub_{name}", help_text, getattr(stats, attribute))
        errors = CounterMetricFamily(
            "grouploop_hub_errors", "bad input answered or dropped, by reason", labels=["reason"]
        )
        for reason, count in sorted(stats.errors.items()):
            errors.add_metric([reason], count)
        yield errors
        refused = CounterMetricFamily(
            "grouploop_hub_connections_refused",
            "TCP connections refused at accept (HTTP 503), by cap",
            labels=["reason"],
        )
        for reason, count in sorted(stats.connections_refused.items()):
            refused.add_metric([reason], count)
        yield refused
        commands = CounterMetricFamily(
            "grouploop_hub_commands", "cmd: requests by outcome", labels=["result"]
        )
        for result, count in sorted(stats.commands.items()):
            commands.add_metric([result], count)
        yield commands
        yield GaugeMetricFamily("grouploop_hub_devices", "registered devices", len(core.devices))
        yield GaugeMetricFamily(
            "grouploop_hub_open_connections", "open WebSocket connections", len(core.sessions)
        )
        yield GaugeMetricFamily(
            "grouploop_hub_tcp_connections",
            "open TCP connections, WebSocket or not yet upgraded",
            core.admission.open,
        )
        yield GaugeMetricFamily(
            "grouploop_hub_subscribers", "stream subscribers", len(core.fanout.subscribers)
        )
        yield GaugeMetricFamily(
            "grouploop_hub_commands_loaded", "commands in the registry", len(core.commands)
        )
        if core.cluster is not None:
            yield from _broker_metrics(core.cluster)


def _broker_metrics(cluster: Cluster) -> Iterator[Metric]:
    stats = cluster.stats
    prefix = "grouploop_hub_broker"
    yield CounterMetricFamily(f"{prefix}_published", "payloads published", stats.published)
    yield CounterMetricFamily(
        f"{prefix}_published_bytes", "payload bytes published", stats.published_bytes
    )
    yield CounterMetricFamily(
        f"{prefix}_received", "payloads received from other hubs", stats.received
    )
    yield CounterMetricFamily(
        f"{prefix}_received_bytes", "payload bytes received from other hubs", stats.received_bytes
    )
    dropped = CounterMetricFamily(
        f"{prefix}_dropped", "payloads dropped, by reason", labels=["reason"]
    )
    for reason, count in sorted(stats.dropped.items()):
        dropped.add_metric([reason], count)
    yield dropped
    yield CounterMetricFamily(
        f"{prefix}_reconnects", "times the broker link came back", stats.reconnects
    )
    now = time.monotonic()
    yield CounterMetricFamily(
        f"{prefix}_degraded_seconds",
        "seconds spent without the broker (serving local devices only)",
        stats.degraded_s + cluster.degraded_for(now),
    )
    yield GaugeMetricFamily(
        f"{prefix}_up", "1 while joined to the cluster, 0 while degraded", int(cluster.joined)
    )
    if stats.round_trip_s is not None:
        yield GaugeMetricFamily(
            f"{prefix}_round_trip_seconds", "last PING round trip to the broker", stats.round_trip_s
        )
    yield GaugeMetricFamily(f"{prefix}_hubs", "other hubs heard from", len(cluster.hubs))
    yield GaugeMetricFamily(
        f"{prefix}_remote_devices", "devices held by other hubs", len(cluster.remote)
    )


def registry_for(core: HubCore) -> CollectorRegistry:
    """A fresh registry with this hub's metrics and the process metrics (CPU, memory)."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(HubCollector(core))
    ProcessCollector(registry=registry)
    return registry


def render(registry: CollectorRegistry) -> bytes:
    return generate_latest(registry)
