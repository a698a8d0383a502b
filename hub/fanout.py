"""Fan-out of stream lines (frames, device answers) to subscribers, batched and bounded.

Lines that arrive between two flushes are joined ONCE into a batch (`"<line>\\n" * n`) and the
same string goes to every subscriber that can take it. A subscriber whose transport is congested
keeps its batches in a backlog bounded to `buffer_lines` lines; past that the OLDEST batches are
dropped and counted (`Stats.lines_dropped_overflow`): for a live view stale frames are worth
least. So a slow subscriber costs the others nothing, and its memory is bounded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable

from hub.stats import Stats

Send = tuple[Hashable, str]


class Subscriber:
    __slots__ = ("backlog", "backlog_lines", "key")

    def __init__(self, key: Hashable) -> None:
        self.key = key
        self.backlog: deque[tuple[str, int]] = deque()
        self.backlog_lines = 0


class Fanout:
    def __init__(self, buffer_lines: int, stats: Stats) -> None:
        self.buffer_lines = buffer_lines
        self.stats = stats
        #: Lines since the last flush; the core appends to it directly (hot path).
        self.pending: list[str] = []
        self.subscribers: dict[Hashable, Subscriber] = {}

    def subscribe(self, key: Hashable) -> None:
        self.subscribers.setdefault(key, Subscriber(key))

    def unsubscribe(self, key: Hashable) -> None:
        self.subscribers.pop(key, None)

    def backlog_lines(self, key: Hashable) -> int:
        sub = self.subscribers.get(key)
        return 0 if sub is None else sub.backlog_lines

    def flush(self, congested: Callable[[Hashable], bool] | None = None) -> list[Send]:
        """Batch the pending lines; one message per subscriber that is not `congested`."""
        batch, count = self.take_pending()
        return self.send(batch, count, congested)

    def take_pending(self) -> tuple[str, int]:
        """The lines since the last flush as one batch (`""` when none), and their count."""
        pending = self.pending
        count = len(pending)
        if not count:
            return "", 0
        batch = "\n".join(pending) + "\n"
        pending.clear()
        return batch, count

    def send(
        self, batch: str, count: int, congested: Callable[[Hashable], bool] | None = None
    ) -> list[Send]:
        """`batch` (`count` lines, each ending in a newline) to every subscriber that is not
        `congested`, after what it holds; the congested hold it, bounded."""
        sends: list[Send] = []
        stats = self.stats
        for sub in self.subscribers.values():
            if congested is not None and congested(sub.key):
                if count:
                    self._hold(sub, batch, count)
                continue
            if sub.backlog:
                held = "".join(text for text, _ in sub.backlog)
                sends.append((sub.key, held + batch))
                stats.lines_delivered += sub.backlog_lines + count
                sub.backlog.clear()
                sub.backlog_lines = 0
            elif count:
                sends.append((sub.key, batch))
                stats.lines_delivered += count
            else:
                continue
            stats.batches_sent += 1
        return sends

    def _hold(self, sub: Subscriber, batch: str, count: int) -> None:
        sub.backlog.append((batch, count))
        sub.backlog_lines += count
        while sub.backlog_lines > self.buffer_lines:
            _, dropped = sub.backlog.popleft()
            sub.backlog_lines -= dropped
            self.stats.lines_dropped_overflow += dropped
