"""The hub's limits and the token bucket its budgets are made of (no I/O, no clock of its own).

Every limit is configurable (`grouploop hub --help`); the defaults hold a classroom with room to
spare: a device sends 20 lines/s, a browser app a few. A rate of 0 turns its budget off.

Budgets (docs/hub.md#limits): lines per connection; `cmd:` requests per connection and, for
the whole fleet, commands passed on to devices; `ans:` lines per connection, apart from the
lines, so a device's answers never cost its frames.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    #: Largest accepted message in characters (the transport also caps it in bytes).
    max_message_bytes: int = 64 * 1024
    #: Sustained lines per second per connection; 0 disables rate limiting.
    rate_lines_per_s: float = 200.0
    #: Lines a connection may send in a burst above the sustained rate.
    rate_burst: int = 400
    #: `cmd:` requests per second per connection (and burst); over it: `cmd:error:rate_limited`.
    command_rate_per_s: float = 20.0
    command_burst: int = 40
    #: Commands per second the whole hub passes on to devices, whoever sends them (and burst):
    #: what one device may be asked to do at most. Over it: `cmd:error:fleet_rate_limited`.
    fleet_command_rate_per_s: float = 50.0
    fleet_command_burst: int = 100
    #: `ans:` lines per second per connection (and burst), a budget of their own: a device's
    #: answers never cost its frames. Answers over it are dropped and counted.
    answer_rate_per_s: float = 50.0
    answer_burst: int = 100
    #: Lines buffered per stream subscriber before the oldest are dropped.
    subscriber_buffer_lines: int = 20_000
    #: Seconds without a message after which a device leaves the registry.
    silence_timeout_s: float = 10.0
    #: Longest `id:<label>` label.
    max_label_length: int = 64
    #: Open TCP connections (upgraded or not) over which new ones are refused; 0 = no cap.
    #: `grouploop hub` keeps it below the process's descriptor limit.
    max_connections: int = 10_000
    #: Open TCP connections from one IP address over which its new ones are refused; 0 = none.
    max_connections_per_address: int = 1_000


def bucket(rate: float, burst: int, now: float) -> TokenBucket | None:
    """A bucket for a budget, or None when its rate is 0 (no budget)."""
    return TokenBucket(rate, burst, now) if rate > 0 else None


class TokenBucket:
    """Allow `rate` lines per second with bursts up to `burst` lines.

    `take` returns False when the lines exceed what the bucket holds; the caller drops them.
    A message costing more than `burst` is never accepted: that is the point.
    """

    __slots__ = ("burst", "rate", "stamp", "tokens")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def take(self, cost: int, now: float) -> bool:
        tokens = self.tokens + (now - self.stamp) * self.rate
        if tokens > self.burst:
            tokens = self.burst
        self.stamp = now
        if tokens >= cost:
            self.tokens = tokens - cost
            return True
        self.tokens = tokens
        return False
