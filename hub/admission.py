"""Connection caps, decided when a TCP connection is accepted, before any byte of it is read.

An idle-connection flood must not take the hub's file descriptors, memory or event loop: a
connection over the per-address cap (`Limits.max_connections_per_address`) or the global cap
(`Limits.max_connections`, kept below the process's descriptor limit) is refused at once with
`REFUSAL` (HTTP 503, then closed) — no WebSocket upgrade, no per-connection state, no
traceback. Both transports call `admit` from their protocol's `connection_made` and `release`
from its `connection_lost`; refusals are counted by reason in `Stats.connections_refused`
(`/metrics`). No I/O here: the transport writes the refusal.
"""

from __future__ import annotations

import logging
from collections import Counter

from hub.limits import Limits
from hub.stats import Stats

log = logging.getLogger("hub")

REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 21\r\n"
    b"Retry-After: 5\r\n"
    b"Connection: close\r\n"
    b"\r\n"
    b"too many connections\n"
)


class Admission:
    def __init__(self, limits: Limits, stats: Stats) -> None:
        self.limits = limits
        self.stats = stats
        #: Accepted TCP connections still open (upgraded or not).
        self.open = 0
        self.by_address: Counter[str] = Counter()

    def admit(self, address: str) -> bool:
        """Count a new connection from `address` (its IP); False: refuse it (and count why)."""
        limits = self.limits
        if limits.max_connections and self.open >= limits.max_connections:
            reason = "max_connections"
        elif (
            limits.max_connections_per_address
            and self.by_address[address] >= limits.max_connections_per_address
        ):
            reason = "max_connections_per_address"
        else:
            self.open += 1
            self.by_address[address] += 1
            return True
        self.stats.connections_refused[reason] += 1
        # One line per template per second reaches the log (hub.lograte), the rest are counted.
        log.warning("[REFUSED] %s: %s reached", address, reason)
        return False

    def release(self, address: str) -> None:
        """An admitted connection closed."""
        self.open -= 1
        left = self.by_address[address] - 1
        if left > 0:
            self.by_address[address] = left
        else:
            del self.by_address[address]  # the table holds only addresses with connections
