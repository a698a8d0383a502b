"""Console input framing: CR, LF and CRLF end a line; partial lines wait; blanks are dropped."""

from emulator.console import LineSplitter


def feed(*chunks: bytes) -> list[str]:
    lines: list[str] = []
    splitter = LineSplitter(lines.append)
    for chunk in chunks:
        splitter.feed(chunk)
    return lines


def test_every_line_ending_ends_a_line():
    assert feed(b"status\r\nhelp\nconfig\rreboot\n") == ["status", "help", "config", "reboot"]


def test_a_line_split_across_reads_is_joined():
    assert feed(b"cmd led:", b"ff0000", b"\r", b"\n") == ["cmd led:ff0000"]


def test_blank_lines_and_padding_are_dropped_and_an_unfinished_line_waits():
    assert feed(b"\r\n\r\n  status  \r\nconf") == ["status"]


def test_invalid_utf8_is_replaced_not_fatal():
    assert feed(b"cmd \xff\n") == ["cmd \ufffd"]
