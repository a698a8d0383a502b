"""The console driver over a real pty: expect in order, skip, a timeout that shows the output."""

from __future__ import annotations

import os
import pty
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.drivers.console import ConsoleDriver
from grouploop.expect import ExpectTimeout
from tests.support.timing import scaled


@pytest.fixture
def wire(tmp_path: Path) -> Iterator[tuple[ConsoleDriver, int]]:
    master, slave = pty.openpty()
    console = ConsoleDriver("desk", os.ttyname(slave), tmp_path / "a" / "console.log").open()
    try:
        yield console, master
    finally:
        console.close()
        os.close(slave)
        os.close(master)


def test_expect_reads_the_console_as_a_sequence(
    wire: tuple[ConsoleDriver, int], tmp_path: Path
) -> None:
    console, board = wire
    os.write(board, b"GroupLoop 1.2.3 board=x id=ab12\r\nconfig:ok\r\n")
    assert console.expect(r"GroupLoop (\S+)", scaled(5)).group(1) == "1.2.3"
    assert console.expect(r"config:(\w+)", scaled(5)).group(1) == "ok"
    with pytest.raises(ExpectTimeout, match=r"desk: no 'GroupLoop' on the console within"):
        console.expect("GroupLoop", 0.2)  # already consumed: only newer output counts
    console.send_line("status")
    assert os.read(board, 100).replace(b"\r", b"") == b"status\n"
    console.log_to(tmp_path / "b" / "console.log")
    os.write(board, b"later\r\n")
    console.expect("later", scaled(5))
    assert "< later" in (tmp_path / "b" / "console.log").read_text()
    assert "< config:ok" in (tmp_path / "a" / "console.log").read_text()
    assert "> status" in (tmp_path / "a" / "console.log").read_text()


def test_timeout_message_shows_what_the_board_printed(wire: tuple[ConsoleDriver, int]) -> None:
    console, board = wire
    os.write(board, b"E boot: no bootable app\r\n")
    with pytest.raises(ExpectTimeout) as caught:
        console.expect("GroupLoop", 0.3)
    assert "E boot: no bootable app" in str(caught.value)
    console.skip()
    with pytest.raises(ExpectTimeout, match=r"\(nothing\)"):
        console.expect("GroupLoop", 0.1)
