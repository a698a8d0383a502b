"""The connection caps: per address and global, counted by reason, released on close."""

from __future__ import annotations

from hub.admission import Admission
from hub.limits import Limits
from hub.stats import Stats


def test_per_address_cap_refuses_that_address_only() -> None:
    stats = Stats()
    gate = Admission(Limits(max_connections=100, max_connections_per_address=2), stats)
    assert gate.admit("10.0.0.1") and gate.admit("10.0.0.1")
    assert not gate.admit("10.0.0.1")
    assert gate.admit("10.0.0.2")
    assert stats.connections_refused == {"max_connections_per_address": 1}
    gate.release("10.0.0.1")
    assert gate.admit("10.0.0.1")
    assert gate.open == 3


def test_global_cap_refuses_everyone_until_a_connection_closes() -> None:
    stats = Stats()
    gate = Admission(Limits(max_connections=2, max_connections_per_address=0), stats)
    assert gate.admit("10.0.0.1") and gate.admit("10.0.0.2")
    assert not gate.admit("10.0.0.3")
    assert stats.connections_refused == {"max_connections": 1}
    gate.release("10.0.0.2")
    assert gate.admit("10.0.0.3")


def test_released_addresses_are_forgotten() -> None:
    gate = Admission(Limits(), Stats())
    for i in range(1000):
        assert gate.admit(f"10.0.{i // 256}.{i % 256}")
        gate.release(f"10.0.{i // 256}.{i % 256}")
    assert gate.open == 0 and not gate.by_address
