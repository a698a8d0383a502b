"""The unmodified esptool (PyPI, as a subprocess) against emulated boards over socket:// and
a pty: identify, write (stub or ROM, compressed or not), read back, MD5-verify, erase."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fixtures.boards import BoardSet, esptool

ADDRESS = 0x100000  # clear of the app slot: these tests only exercise the loader
SIZE = 64 * 1024


@pytest.fixture(params=["socket", "pty"])
def board(request: pytest.FixtureRequest, boards: Callable[..., BoardSet]) -> BoardSet:
    return boards(1, transport=request.param)


def run_ok(url: str, *args: str) -> str:
    result = esptool(url, *args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_identifies_as_an_esp32_c3_with_its_mac(board: BoardSet) -> None:
    out = run_ok(board.urls[0], "chip-id")
    assert "Chip type:          ESP32-C3" in out
    assert f"MAC:                {board.macs[0]}" in out
    assert f"MAC:                {board.macs[0]}" in run_ok(board.urls[0], "--no-stub", "read-mac")


@pytest.mark.parametrize("stub", [True, False], ids=["stub", "rom"])
@pytest.mark.parametrize("compress", [True, False], ids=["compressed", "plain"])
def test_write_then_read_back_exactly(
    board: BoardSet, tmp_path: Path, stub: bool, compress: bool
) -> None:
    data = os.urandom(SIZE - 123)  # not a whole number of blocks
    image = tmp_path / "data.bin"
    image.write_bytes(data)
    loader = [] if stub else ["--no-stub"]
    plain = [] if compress else ["--no-compress"]
    out = run_ok(board.urls[0], *loader, "write-flash", *plain, hex(ADDRESS), str(image))
    assert "Hash of data verified." in out
    back = tmp_path / "back.bin"
    # The ROM reads 64 bytes per command: read a little of it without the stub.
    length = len(data) if stub else 4096
    run_ok(board.urls[0], *loader, "read-flash", hex(ADDRESS), str(length), str(back))
    assert back.read_bytes() == data[:length]


def test_erase_region_and_verify_flash(board: BoardSet, tmp_path: Path) -> None:
    image = tmp_path / "data.bin"
    image.write_bytes(os.urandom(8192))
    url = board.urls[0]
    run_ok(url, "write-flash", hex(ADDRESS), str(image))
    assert "Verification successful" in run_ok(url, "verify-flash", hex(ADDRESS), str(image))
    run_ok(url, "erase-region", hex(ADDRESS + 4096), "4096")
    failed = esptool(url, "verify-flash", hex(ADDRESS), str(image))
    assert failed.returncode != 0
    assert "Verification failed (digest mismatch)" in failed.stdout + failed.stderr
    back = tmp_path / "back.bin"
    run_ok(url, "read-flash", hex(ADDRESS), "8192", str(back))
    assert back.read_bytes() == image.read_bytes()[:4096] + b"\xff" * 4096


def test_erase_flash_leaves_it_all_erased(board: BoardSet, tmp_path: Path) -> None:
    image = tmp_path / "data.bin"
    image.write_bytes(os.urandom(4096))
    url = board.urls[0]
    run_ok(url, "write-flash", hex(ADDRESS), str(image))
    run_ok(url, "erase-flash")
    back = tmp_path / "back.bin"
    run_ok(url, "read-flash", hex(ADDRESS), "4096", str(back))
    assert back.read_bytes() == b"\xff" * 4096
