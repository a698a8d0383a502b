"""The cluster benchmark's figures, its verdict on a load and its two tables (`benchmarks.cluster`).

One row per load in the first table (frames, loss per subscriber, same-hub and cross-hub
latency, command round trip across hubs, CPU), one row per hub and load in the second (what
each hub moved through Redis, from its /metrics).
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.hub_report import cpu, header, ms, row
from benchmarks.loadgen.stats import StepResult

COLUMNS = (
    ("devices", 7),
    ("subs", 5),
    ("offered/s", 9),
    ("delivered/s/sub", 15),
    ("loss % per subscriber", 26),
    ("same p50 ms", 11),
    ("same p99 ms", 11),
    ("cross p50 ms", 12),
    ("cross p99 ms", 12),
    ("cmd p50 ms", 10),
    ("cmd p99 ms", 10),
    ("cmd ok", 7),
    ("hub CPU %", 9),
    ("redis CPU %", 11),
    ("gen CPU %", 13),
    ("other CPU %", 11),
    ("gen ok", 6),
    ("clean", 5),
)

BROKER_COLUMNS = (
    ("devices", 7),
    ("hub", 6),
    ("published/s", 11),
    ("received/s", 10),
    ("published kB/s", 14),
    ("received kB/s", 13),
    ("dropped", 7),
    ("broker rtt ms", 13),
)


@dataclass(frozen=True)
class BrokerFigures:
    """One hub's traffic through Redis over the window (payloads: one per hub per flush tick)."""

    hub: str
    published_per_s: float
    received_per_s: float
    published_bytes_per_s: float
    received_bytes_per_s: float
    dropped: int
    #: The hub's last PING to Redis, at the end of the window; None before its first.
    round_trip_ms: float | None


@dataclass
class ClusterStep:
    """One load on the cluster: `step` holds the load generator's figures merged as for one
    hub (its `hub_cpu` is the hubs and redis-server together); subscribers come hub by hub."""

    step: StepResult
    subscribers_per_hub: list[int]
    hub_cpu: list[float]
    redis_cpu: float
    broker: list[BrokerFigures]

    def clean(self, p99_limit_ms: float) -> bool:
        """Nothing went wrong, no subscriber missed a frame, and the p99 of same-hub and of
        cross-hub frames stayed within the limit."""
        step = self.step
        if step.errors or not step.sent or any(r != step.sent for r in step.received):
            return False
        worst = [step.latency.percentile_ms(99), step.cross_hub_latency.percentile_ms(99)]
        return all(p99 is None or p99 <= p99_limit_ms for p99 in worst)

    def loss_per_subscriber(self) -> str:
        """Each subscriber's loss, hub by hub: `0.00 0.00 0.00 / 0.00 0.00`."""
        losses = iter(self.step.subscriber_loss_percent)
        return " / ".join(
            " ".join(f"{next(losses):.2f}" for _ in range(n)) for n in self.subscribers_per_hub
        )


def cluster_header() -> str:
    return header(COLUMNS)


def broker_header() -> str:
    return header(BROKER_COLUMNS)


def format_row(load: ClusterStep, p99_limit_ms: float) -> str:
    step = load.step
    return row(
        [
            str(step.devices),
            "+".join(map(str, load.subscribers_per_hub)),
            f"{step.offered_per_s:.0f}",
            f"{step.delivered_per_s:.0f}",
            load.loss_per_subscriber(),
            ms(step.latency.percentile_ms(50)),
            ms(step.latency.percentile_ms(99)),
            ms(step.cross_hub_latency.percentile_ms(50)),
            ms(step.cross_hub_latency.percentile_ms(99)),
            ms(step.command_rtt.percentile_ms(50)),
            ms(step.command_rtt.percentile_ms(99)),
            f"{step.command_rtt.total}/{step.commands_sent}",
            cpu(load.hub_cpu),
            f"{load.redis_cpu:.0f}",
            cpu(step.generator_cpu),
            f"{step.other_cpu:.0f}",
            "no" if step.generator_saturated else "yes",
            "yes" if load.clean(p99_limit_ms) else "no",
        ],
        COLUMNS,
    )


def format_broker_rows(load: ClusterStep) -> list[str]:
    return [
        row(
            [
                str(load.step.devices),
                b.hub,
                f"{b.published_per_s:.0f}",
                f"{b.received_per_s:.0f}",
                f"{b.published_bytes_per_s / 1000:.0f}",
                f"{b.received_bytes_per_s / 1000:.0f}",
                str(b.dropped),
                ms(b.round_trip_ms),
            ],
            BROKER_COLUMNS,
        )
        for b in load.broker
    ]
