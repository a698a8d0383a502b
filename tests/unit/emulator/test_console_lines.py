"""Console input framing: CR, LF and CRLF end a line; partial lines wait; blanks are dropped;
a line longer than the shell's buffer is refused, in linear time."""

import time

from emulator.console import LineSplitter
from emulator.device import LINE_MAX


def feed(*chunks: bytes) -> list[bytes | str]:
    """The lines, and "TOO LONG" where a line over the bound ended."""
    out: list[bytes | str] = []
    splitter = LineSplitter(out.append, lambda: out.append("TOO LONG"))
    for chunk in chunks:
        splitter.feed(chunk)
    return out


def test_every_line_ending_ends_a_line():
    assert feed(b"status\r\nhelp\nconfig\rreboot\n") == [b"status", b"help", b"config", b"reboot"]


def test_a_line_split_across_reads_is_joined():
    assert feed(b"cmd led:", b"ff0000", b"\r", b"\n") == [b"cmd led:ff0000"]


def test_blank_lines_and_padding_are_dropped_and_an_unfinished_line_waits():
    assert feed(b"\r\n\r\n  status  \r\nconf") == [b"status"]


def test_bytes_pass_as_typed_invalid_utf8_and_nul_included():
    assert feed(b"cmd \xff\n", b"cmd led:ff0000\0garbage\n") == [
        b"cmd \xff",
        b"cmd led:ff0000\0garbage",
    ]


def test_a_line_over_the_bound_is_refused_once_it_ends_and_the_next_line_works():
    longest = b"x" * LINE_MAX
    assert feed(longest + b"\n") == [longest]
    assert feed(longest[:600], longest[600:] + b"y", b"zz\nstatus\n") == ["TOO LONG", b"status"]


def test_a_16_mib_line_without_a_newline_takes_linear_time():
    chunk = b"a" * 65536  # the serial port's read size
    start = time.perf_counter()
    out = feed(*([chunk] * 256), b"\nstatus\n")
    elapsed = time.perf_counter() - start
    assert out == ["TOO LONG", b"status"]
    assert elapsed < 1.0, f"16 MiB took {elapsed:.2f} s"
