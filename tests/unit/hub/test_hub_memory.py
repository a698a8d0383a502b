"""Freed heap back to the OS after a flood: when the trim runs (glibc's malloc_trim)."""

from __future__ import annotations

import sys

import pytest

from hub import memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_trims_once_the_count_fell_from_its_peak_and_settled() -> None:
    trimmer = memory.Trimmer(drop=100)
    assert [trimmer.check(n) for n in (0, 50, 400, 400, 350)] == [False] * 5  # rising, small drop
    assert trimmer.check(10) is False  # fell by 390, still falling
    assert trimmer.check(10) is True  # settled: trimmed
    assert trimmer.check(10) is False  # once
    assert [trimmer.check(n) for n in (60, 60)] == [False, False]  # no new peak to fall from
