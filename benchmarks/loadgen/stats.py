"""Latency histograms and the per-step figures the benchmark prints.

Subscribers see up to a few hundred thousand frames a second, so latencies go into a
fixed-bucket histogram (100 µs buckets up to 5 s, one overflow bucket) instead of a list:
constant memory, cheap to send between processes and to merge, and percentiles exact to
one bucket.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

BUCKET_US = 100
BUCKETS = 50_000  # 5 s; slower than that is reported as "≥ 5 s"


@dataclass
class Histogram:
    counts: array = field(default_factory=lambda: array("Q", bytes(8 * (BUCKETS + 1))))
    total: int = 0
    max_us: int = 0

    def add(self, us: int) -> None:
        self.counts[min(us // BUCKET_US, BUCKETS)] += 1
        self.total += 1
        if us > self.max_us:
            self.max_us = us

    def merge(self, other: Histogram) -> None:
        for i, n in enumerate(other.counts):
            if n:
                self.counts[i] += n
        self.total += other.total
        self.max_us = max(self.max_us, other.max_us)

    def percentile_ms(self, p: float) -> float | None:
        """Upper edge of the bucket holding the p-th percentile, in ms; None when empty."""
        if not self.total:
            return None
        rank = max(1, round(p / 100 * self.total))
        seen = 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                if i == BUCKETS:
                    return self.max_us / 1000
                return min((i + 1) * BUCKET_US, self.max_us) / 1000
        raise AssertionError("rank beyond total")  # counts and total disagree


@dataclass
class SubscriberResult:
    """What one subscriber saw of the frames sent inside the measurement window."""

    received: int = 0
    duplicates: int = 0
    #: Frames of devices on the subscriber's own hub: every frame when there is one hub.
    latency: Histogram = field(default_factory=Histogram)
    #: Frames of devices on the other hubs of a cluster (`benchmarks.cluster`).
    cross_hub_latency: Histogram = field(default_factory=Histogram)


@dataclass
class WorkerResult:
    """One load-generator process's share of a step."""

    sent: int = 0
    send_lag: Histogram = field(default_factory=Histogram)
    subscribers: list[SubscriberResult] = field(default_factory=list)
    command_rtt: Histogram = field(default_factory=Histogram)
    commands_sent: int = 0
    cpu_seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


@dataclass
class StepResult:
    """The figures of one (devices, subscribers) step, merged over every worker."""

    devices: int
    subscribers: int
    duration: float
    sent: int
    received: list[int]
    duplicates: int
    latency: Histogram  # frames of devices on the subscriber's own hub: every frame on one hub
    cross_hub_latency: Histogram  # frames of devices on another hub of a cluster
    send_lag: Histogram
    command_rtt: Histogram
    commands_sent: int
    hub_cpu: float
    machine_cpu: float  # every process on the machine, in % of one core
    generator_cpu: list[float]
    errors: list[str]

    @property
    def other_cpu(self) -> float:
        """CPU that neither the hub nor the generator used: other work disturbing the run."""
        return max(0.0, self.machine_cpu - self.hub_cpu - sum(self.generator_cpu))

    @property
    def offered_per_s(self) -> float:
        return self.sent / self.duration

    @property
    def delivered_per_s(self) -> float:
        """Frames per second delivered to the average subscriber."""
        return sum(self.received) / len(self.received) / self.duration if self.received else 0

    @property
    def loss_percent(self) -> float:
        """Share of the frames sent in the window that the average subscriber missed."""
        expected = self.sent * len(self.received)
        return 100 * (expected - sum(self.received)) / expected if expected else 0.0

    @property
    def subscriber_loss_percent(self) -> list[float]:
        """Share of the frames sent in the window that each subscriber missed."""
        return [100 * (self.sent - r) / self.sent if self.sent else 0.0 for r in self.received]

    @property
    def generator_saturated(self) -> bool:
        """A generator process near a full core, or sends more than 20 ms late."""
        late = self.send_lag.percentile_ms(99)
        return max(self.generator_cpu, default=0) > 90 or (late is not None and late > 20)


def merge(
    devices: int,
    duration: float,
    workers: list[WorkerResult],
    hub_cpu: float,
    machine_cpu: float = 0.0,
) -> StepResult:
    """Combine the workers' shares of one step into its figures."""
    latency, cross_hub, send_lag, rtt = Histogram(), Histogram(), Histogram(), Histogram()
    subscribers = [s for w in workers for s in w.subscribers]
    for w in workers:
        send_lag.merge(w.send_lag)
        rtt.merge(w.command_rtt)
    for s in subscribers:
        latency.merge(s.latency)
        cross_hub.merge(s.cross_hub_latency)
    return StepResult(
        devices=devices,
        subscribers=len(subscribers),
        duration=duration,
        sent=sum(w.sent for w in workers),
        received=[s.received for s in subscribers],
        duplicates=sum(s.duplicates for s in subscribers),
        latency=latency,
        cross_hub_latency=cross_hub,
        send_lag=send_lag,
        command_rtt=rtt,
        commands_sent=sum(w.commands_sent for w in workers),
        hub_cpu=hub_cpu,
        machine_cpu=machine_cpu,
        generator_cpu=[100 * w.cpu_seconds / duration for w in workers],
        errors=[e for w in workers for e in w.errors],
    )
