"""Batched, bounded fan-out: a congested subscriber costs the others nothing."""

from __future__ import annotations

from hub.fanout import Fanout
from hub.stats import Stats


def lines(n: int, start: int = 0) -> list[str]:
    return [f"{i:04x}" + "00" * 8 for i in range(start, start + n)]


def test_one_batch_per_subscriber_per_flush() -> None:
    fanout = Fanout(100, Stats())
    fanout.subscribe("a")
    fanout.subscribe("b")
    fanout.pending.extend(lines(3))
    batch = "".join(f"{line}\n" for line in lines(3))
    assert fanout.flush() == [("a", batch), ("b", batch)]
    assert fanout.pending == []
    assert fanout.flush() == []


def test_congested_subscriber_is_held_back_then_catches_up() -> None:
    stats = Stats()
    fanout = Fanout(100, stats)
    fanout.subscribe("fast")
    fanout.subscribe("slow")
    fanout.pending.extend(lines(2))
    assert [key for key, _ in fanout.flush(lambda key: key == "slow")] == ["fast"]
    assert fanout.backlog_lines("slow") == 2
    fanout.pending.extend(lines(1, start=2))
    sends = dict(fanout.flush())
    assert sends["slow"] == "".join(f"{line}\n" for line in lines(3))
    assert sends["fast"] == f"{lines(1, start=2)[0]}\n"
    assert fanout.backlog_lines("slow") == 0
    assert stats.lines_delivered == 2 + 3 + 1


def test_overflow_drops_oldest_and_counts() -> None:
    stats = Stats()
    fanout = Fanout(5, stats)
    fanout.subscribe("slow")
    for batch in range(4):  # four batches of two lines; the buffer holds five lines
        fanout.pending.extend(lines(2, start=batch * 2))
        assert fanout.flush(lambda key: True) == []
    assert fanout.backlog_lines("slow") == 4
    assert stats.lines_dropped_overflow == 4
    [(_, text)] = fanout.flush()
    assert text.split() == lines(4, start=4)  # the newest survive


def test_unsubscribed_subscriber_gets_nothing() -> None:
    fanout = Fanout(5, Stats())
    fanout.subscribe("a")
    fanout.unsubscribe("a")
    fanout.pending.extend(lines(1))
    assert fanout.flush() == []
