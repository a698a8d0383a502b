"""grouploop.expect: matches in order from a cursor, str and bytes patterns, one timeout error."""

from __future__ import annotations

import re
import threading

import pytest

from grouploop.expect import ExpectTimeout, Transcript


def test_matches_are_read_in_order_and_never_twice() -> None:
    t = Transcript("desk")
    t.feed(b"GroupLoop 1.2.3 board=x\nconfig:ok\n")
    assert t.expect(r"GroupLoop (\S+)", 1).group(1) == "1.2.3"
    assert t.expect(r"^config:(\w+)$", 1).group(1) == "ok"  # ^ and $ at line ends
    with pytest.raises(ExpectTimeout, match=r"desk: no 'GroupLoop' in its output within 0\.0 s"):
        t.expect("GroupLoop", 0)


def test_a_bytes_pattern_matches_the_raw_bytes_and_shares_the_cursor() -> None:
    t = Transcript("desk")
    t.feed("température 21°\nok\n".encode() + b"\xff\n")
    match = t.expect(rb"temp\S+ (\d+)", 1)
    assert match.group(1) == b"21"
    assert t.expect("^ok$", 1).group(0) == "ok"  # after the bytes match, in the same text
    assert t.expect(b"\xff", 1).group(0) == b"\xff"  # undecodable bytes are kept as they came
    assert t.text.endswith("ok\n\ufffd\n")


def test_expect_exact_takes_the_text_literally() -> None:
    t = Transcript("desk")
    t.feed(b'ans:{"cmd":"led"} (1+1)\n')
    assert t.expect_exact("(1+1)", 1).group(0) == "(1+1)"
    t.feed(b"a.c\n")
    with pytest.raises(ExpectTimeout):
        t.expect_exact("abc", 0)


def test_skip_forgets_what_arrived_and_a_compiled_pattern_keeps_its_flags() -> None:
    t = Transcript("desk")
    t.feed(b"boot 1\n")
    t.skip()
    t.feed(b"BOOT 2\n")
    assert t.expect(re.compile(r"boot (\d)", re.IGNORECASE), 1).group(1) == "2"


def test_expect_waits_for_output_fed_by_another_thread() -> None:
    t = Transcript("desk")
    feeder = threading.Timer(0.05, t.feed, (b"late line\n",))
    feeder.start()
    try:
        assert t.expect("late (line)", 5).group(1) == "line"
    finally:
        feeder.cancel()


def test_the_timeout_message_shows_the_unmatched_output_without_hidden_lines() -> None:
    t = Transcript("hub", "from the hub", hide=lambda line: line.startswith("f:"))
    t.feed(b"first\nf:1\nE boot: no bootable app\nf:2\n")
    t.expect("first", 1)
    with pytest.raises(ExpectTimeout) as caught:
        t.expect("GroupLoop", 0)
    message = str(caught.value)
    assert message.startswith("hub: no 'GroupLoop' from the hub within 0.0 s; it printed:\n")
    assert "E boot: no bootable app" in message and "f:" not in message and "first" not in message
    t.skip()
    with pytest.raises(ExpectTimeout, match=r"\(nothing\)"):
        t.expect("GroupLoop", 0)
