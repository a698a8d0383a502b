"""The cluster benchmark's pure parts: same-hub/cross-hub timing, the verdict on a load, the
workers' layout over the hubs, the broker figures from a hub's /metrics (no sockets)."""

from __future__ import annotations

import argparse

import pytest

from benchmarks.cluster import broker_counters, broker_figures, worker_configs
from benchmarks.cluster_report import BrokerFigures, ClusterStep
from benchmarks.loadgen import codec
from benchmarks.loadgen.clients import Subscriber
from benchmarks.loadgen.stats import SubscriberResult, WorkerResult, merge
from hub import commands, metrics
from hub.cluster import Cluster
from hub.core import HubCore

FIRST = 0x1000


async def test_a_subscriber_times_frames_of_other_hubs_apart():
    subscriber = Subscriber(hubs=2, home_hub=1, first_device=FIRST)
    subscriber.window_span = codec.TS_MASK  # every frame counts
    sent = codec.now_us() - 20_000
    frames = [codec.encode(FIRST + k, sent, 0) for k in range(5)]  # hubs 0, 1, 0, 1, 0
    subscriber.on_text("\n".join(frames) + "\n")
    result = subscriber.result
    assert (result.received, result.latency.total, result.cross_hub_latency.total) == (5, 2, 3)
    assert result.cross_hub_latency.percentile_ms(50) >= 20


async def test_with_one_hub_every_frame_is_same_hub():
    subscriber = Subscriber()
    subscriber.window_span = codec.TS_MASK
    subscriber.on_text(codec.encode(FIRST + 7, codec.now_us(), 0) + "\n")
    assert (subscriber.result.latency.total, subscriber.result.cross_hub_latency.total) == (1, 0)


def _load(received: list[int], cross_ms: float, errors: list[str] | None = None) -> ClusterStep:
    subscribers = []
    for r in received:
        s = SubscriberResult(received=r)
        s.latency.add(5_000)
        s.cross_hub_latency.add(int(cross_ms * 1000))
        subscribers.append(s)
    share = WorkerResult(sent=1000, subscribers=subscribers, errors=errors or [])
    step = merge(devices=50, duration=1.0, workers=[share], hub_cpu=0.0)
    return ClusterStep(step, [len(received) - 1, 1], [10.0, 10.0], 1.0, [])


def test_a_load_is_clean_without_loss_errors_or_a_slow_p99():
    assert _load([1000, 1000, 1000], cross_ms=20).clean(50)
    assert not _load([1000, 999, 1000], cross_ms=20).clean(50)
    assert not _load([1000, 1000, 1000], cross_ms=60).clean(50)
    assert not _load([1000, 1000, 1000], cross_ms=20, errors=["device 1000 disconnected"]).clean(50)


def test_loss_is_shown_per_subscriber_hub_by_hub():
    assert _load([1000, 990, 1000], cross_ms=20).loss_per_subscriber() == "0.00 1.00 / 0.00"


def test_devices_alternate_between_hubs_and_commands_go_to_the_other_hub():
    args = argparse.Namespace(workers=2, subscribers=[3, 2], command_rate=10.0)
    configs = worker_configs(["ws://a", "ws://b"], 8, args)
    devices = [(c.url, c.device_ids) for c in configs if c.device_ids]
    assert devices == [
        ("ws://a", [FIRST, FIRST + 4]),
        ("ws://a", [FIRST + 2, FIRST + 6]),
        ("ws://b", [FIRST + 1, FIRST + 5]),
        ("ws://b", [FIRST + 3, FIRST + 7]),
    ]
    subscribers = [c for c in configs if c.subscribers]
    assert [(c.url, c.subscribers, c.home_hub) for c in subscribers] == [
        ("ws://a", 3, 0),
        ("ws://b", 2, 1),
    ]
    assert subscribers[0].command_ids == [FIRST + 1, FIRST + 3, FIRST + 5, FIRST + 7]
    assert all(c.hubs == 2 and c.total_devices == 8 for c in configs)


def test_broker_counters_read_the_hubs_own_metrics():
    cluster = Cluster("hub-a")
    cluster.stats.published = 120
    cluster.stats.received_bytes = 4096
    cluster.stats.dropped["malformed"] += 2
    cluster.stats.dropped["outbox_full"] += 1
    cluster.stats.round_trip_s = 0.0005
    text = metrics.render(metrics.registry_for(HubCore(commands.packaged(), cluster=cluster)))
    counters = broker_counters(text.decode())
    assert counters["published"] == 120
    assert counters["received_bytes"] == 4096
    assert counters["dropped"] == 3
    assert counters["round_trip_seconds"] == pytest.approx(0.0005)


def test_broker_figures_are_rates_over_the_window():
    before = {"published": 100.0, "received": 50.0, "dropped": 1.0}
    after = {"published": 300.0, "received": 250.0, "dropped": 1.0, "round_trip_seconds": 0.002}
    assert broker_figures("hub-a", before, after, 2.0) == BrokerFigures(
        "hub-a", 100.0, 100.0, 0.0, 0.0, 0, pytest.approx(2.0)
    )
    assert broker_figures("hub-b", {}, {}, 1.0).round_trip_ms is None
