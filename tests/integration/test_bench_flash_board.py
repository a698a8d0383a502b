"""Flashing emulated boards with the real esptool: in parallel, and the failures that need a
board answering (wrong chip, verify mismatch, a board that stops answering mid-flash)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bench.build import check_image, stand_in
from bench.drivers.failures import Failure
from bench.drivers.flasher import FlashOptions, flash_all, flash_one
from bench.emulated import emulated_boards
from bench.resources import Target
from tests.hil.faults import ESP32S3_CHIP_ID, FaultyLink, as_chip, corrupt_flash_data, silent_after
from tests.support.timing import scaled

OPTIONS = FlashOptions(retries=0, connect_attempts=2, timeout=scaled(60))


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stand_in("seeed_xiao_esp32c3", "7.7.7", tmp_path_factory.mktemp("img")).image


@pytest.fixture(scope="module")
def boards(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Target]]:
    work = tmp_path_factory.mktemp("boards")
    with emulated_boards(4, work, work) as targets:
        yield targets


def test_four_boards_flash_in_parallel(image: Path, boards: list[Target], tmp_path: Path) -> None:
    options = replace(OPTIONS, log_dir=tmp_path)
    seen: dict[str, float] = {}
    started = time.monotonic()
    results = flash_all(
        boards,
        image,
        options,
        check_image=check_image,
        progress=lambda t, pct: seen.__setitem__(t.name, pct),
    )
    wall = time.monotonic() - started
    assert [r.ok for r in results] == [True] * 4, [r.line() for r in results]
    assert seen == {t.name: 100.0 for t in boards}
    # In parallel: the whole run takes far less than the boards one after another.
    assert wall < sum(r.seconds for r in results) * 0.9
    for t in boards:
        assert "Hash of data verified" in (tmp_path / f"flash-{t.name}.log").read_text()
    # Each board confirmed its chip and told its MAC (each emulated board has its own).
    assert {r.chip for r in results} == {"ESP32-C3"}
    assert len({r.mac for r in results}) == 4 and "ESP32-C3, MAC " in results[0].line()


def test_wrong_chip_is_named(image: Path, boards: list[Target]) -> None:
    with FaultyLink(boards[0].port, to_host=as_chip(ESP32S3_CHIP_ID)) as link:
        result = flash_one(Target("odd", link.url), image, OPTIONS, check_image=check_image)
    assert result.failure is Failure.WRONG_CHIP, result.line()
    assert "answers as ESP32-S3, not ESP32-C3" in result.line()


def test_verify_mismatch_after_a_corrupting_link(image: Path, boards: list[Target]) -> None:
    options = replace(OPTIONS, stub=False, retries=1)
    with FaultyLink(boards[1].port, to_board=corrupt_flash_data) as link:
        result = flash_one(Target("noisy", link.url), image, options, check_image=check_image)
    assert result.failure is Failure.VERIFY_MISMATCH, result.line()
    assert result.attempts == 2  # retried once, then reported
    assert "differs from the image" in result.message


def test_board_that_stops_answering_mid_flash(image: Path, boards: list[Target]) -> None:
    options = replace(OPTIONS, stub=False)
    with FaultyLink(boards[2].port, to_host=silent_after(12)) as link:
        result = flash_one(Target("hung", link.url), image, options, check_image=check_image)
    assert result.failure is Failure.TIMEOUT, result.line()
    assert "stopped answering" in result.message


def test_one_bad_board_leaves_the_others_going(image: Path, boards: list[Target]) -> None:
    with FaultyLink(boards[3].port, to_host=as_chip(ESP32S3_CHIP_ID)) as link:
        targets = [boards[0], Target("odd", link.url), boards[1]]
        results = flash_all(targets, image, OPTIONS, check_image=check_image)
    assert [r.ok for r in results] == [True, False, True]
    assert results[1].failure is Failure.WRONG_CHIP
