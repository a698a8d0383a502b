"""Each flashing failure, through the real esptool, gives a message naming board and cause.

These need no emulated board: a missing port, a port another process holds, a port that
never answers (a silent pty) and a corrupt image. Failures that need a board answering (wrong
chip, verify mismatch, a board going silent mid-flash) are in test_bench_flash_board.py.
"""

from __future__ import annotations

import os
import pty
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bench.build import check_image, stand_in
from bench.drivers.failures import Failure
from bench.drivers.flasher import FlashOptions, flash_all, flash_one
from bench.resources import Target, usb_ports
from grouploop.services import grouploop_argv
from tests.support.timing import scaled

OPTIONS = FlashOptions(retries=0, connect_attempts=1, timeout=scaled(30))


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return stand_in("seeed_xiao_esp32c3", "9.9.9", tmp_path_factory.mktemp("img")).image


@pytest.fixture
def silent_pty() -> Iterator[str]:
    """A serial port that exists and never answers (a board not in download mode)."""
    master, slave = pty.openpty()
    try:
        yield os.ttyname(slave)
    finally:
        os.close(slave)
        os.close(master)


@pytest.fixture
def held_pty(silent_pty: str) -> Iterator[tuple[str, int]]:
    """A port that another process (a serial monitor, say) has open."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"f = open({silent_pty!r}, 'rb'); print('open', flush=True); input()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
    try:
        yield silent_pty, holder.pid
    finally:
        holder.kill()
        holder.wait()


def _closed_port_url() -> str:
    with socket.socket() as s:  # bound, never listening: connecting is refused
        s.bind(("127.0.0.1", 0))
        return f"socket://127.0.0.1:{s.getsockname()[1]}"


def test_no_board_at_a_missing_port(image: Path, tmp_path: Path) -> None:
    options = replace(OPTIONS, log_dir=tmp_path)
    result = flash_one(Target("left", "/dev/ttyGL404"), image, options, check_image=check_image)
    assert not result.ok and result.failure is Failure.NO_BOARD
    assert result.line().startswith("left (/dev/ttyGL404): no board: nothing answers")
    assert "FAILED" in (tmp_path / "flash-left.log").read_text()


def test_port_busy_names_the_other_process(image: Path, held_pty: tuple[str, int]) -> None:
    port, pid = held_pty
    result = flash_one(Target("right", port), image, OPTIONS, check_image=check_image)
    assert result.failure is Failure.PORT_BUSY
    assert f"{port} is open in python" in result.message and f"pid {pid}" in result.message


def test_timeout_when_the_port_never_answers(image: Path, silent_pty: str) -> None:
    result = flash_one(Target("mute", silent_pty), image, OPTIONS, check_image=check_image)
    assert result.failure is Failure.TIMEOUT
    assert "stopped answering" in result.message and "No serial data received" in result.message


def test_retries_a_timeout_then_gives_up(image: Path, silent_pty: str) -> None:
    options = replace(OPTIONS, retries=1)
    result = flash_one(Target("mute", silent_pty), image, options, check_image=check_image)
    assert result.failure is Failure.TIMEOUT and result.attempts == 2


def test_corrupt_image_is_refused_before_any_board_is_touched(image: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.bin"
    data = bytearray(image.read_bytes())
    data[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(data))
    result = flash_one(Target("any", "/dev/ttyGL404"), bad, OPTIONS, check_image=check_image)
    assert result.failure is Failure.CORRUPT_IMAGE and result.attempts == 0
    assert "will not boot" in result.message and "mismatch" in result.message


def test_each_board_fails_on_its_own(image: Path, silent_pty: str) -> None:
    targets = [
        Target("gone", "/dev/ttyGL404"),
        Target("mute", silent_pty),
        Target("refused", _closed_port_url()),
    ]
    results = flash_all(targets, image, OPTIONS, check_image=check_image)
    assert [r.target.name for r in results] == ["gone", "mute", "refused"]
    assert [r.failure for r in results] == [Failure.NO_BOARD, Failure.TIMEOUT, Failure.NO_BOARD]
    assert all(r.target.name in r.line() for r in results)


def test_flash_cli_without_any_board_says_so() -> None:
    if usb_ports():  # decided before the run: a changed message must fail, not skip
        pytest.skip("a USB board is attached: the no-board message cannot be shown here")
    done = subprocess.run(
        grouploop_argv("flash", "--bench-file", "/nonexistent.toml"),
        capture_output=True,
        text=True,
        timeout=scaled(60),
    )
    assert "flash: no board: no ESP32 board on USB" in done.stdout, done.stdout + done.stderr
    assert done.returncode == 2
