"""Plain counters of the hub core, read by `hub.metrics` at scrape time.

Counting with plain integers costs nanoseconds per frame; Prometheus objects are built only
when someone asks for /metrics.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(slots=True)
class Stats:
    connections_total: int = 0
    messages_received: int = 0
    lines_received: int = 0
    frames_received: int = 0
    answers_received: int = 0
    #: Stream lines (frames, answers) handed to subscribers, summed over subscribers.
    lines_delivered: int = 0
    #: Batched messages handed to subscribers.
    batches_sent: int = 0
    #: Stream lines dropped because a subscriber's buffer overflowed (oldest first).
    lines_dropped_overflow: int = 0
    #: Lines dropped by the per-connection rate limit.
    lines_rate_limited: int = 0
    #: `ans:` lines dropped by the per-connection answer budget.
    answers_rate_limited: int = 0
    devices_expired: int = 0
    #: TCP connections refused at accept (`hub.admission`), by reason.
    connections_refused: Counter[str] = field(default_factory=Counter)
    #: Logins (`auth:` or `?token=`) accepted and refused.
    logins: int = 0
    logins_failed: int = 0
    #: Errors answered or dropped, by reason (`invalid_format`, `binary_not_supported`, …).
    errors: Counter[str] = field(default_factory=Counter)
    #: Commands by outcome (`success`, `failed`, `sent_to_devices`).
    commands: Counter[str] = field(default_factory=Counter)
