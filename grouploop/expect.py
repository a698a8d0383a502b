"""The project's one `expect`: wait for a pattern in what a port or a link delivered.

A `Transcript` keeps everything fed to it (by a reader thread: the console driver's serial
port, the hub link's WebSocket) and a cursor after the last match, so a test reads the
output as a sequence of events, as pexpect and pytest-embedded do:

- `expect(pattern, timeout)`: the first match after the cursor, waiting for more output
  until `timeout` (seconds); the cursor moves to the match's end. A str pattern matches the
  text (groups are str), a bytes pattern the raw bytes (groups are bytes, as pytest-embedded
  returns them); both are compiled with `re.MULTILINE`, so `^` and `$` match at line ends.
  A compiled pattern is used as it is;
- `expect_exact(text, timeout)`: the same for a literal str or bytes;
- `skip()`: forget what arrived so far.

A pattern that does not come in time raises `ExpectTimeout`, whose message names the
source and shows the last output after the cursor.
"""

from __future__ import annotations

import codecs
import re
import threading
import time
from collections.abc import Callable
from typing import Any

Pattern = str | bytes | re.Pattern[str] | re.Pattern[bytes]
#: A match over str or over bytes, as the pattern was (typed loosely so callers need no casts).
Match = re.Match[Any]

TAIL_CHARS = 600  # of output shown in a timeout's message


class ExpectTimeout(AssertionError):
    """The pattern did not appear in time; the message shows what did."""


class Transcript:
    """The output of one source, a cursor, and `expect` over them (thread-safe)."""

    def __init__(
        self, name: str, place: str = "in its output", hide: Callable[[str], bool] | None = None
    ) -> None:
        """`name` and `place` word the timeout message ("desk: no 'x' on the console");
        lines for which `hide` holds (a hub's frames) are left out of it."""
        self.name, self.place = name, place
        self._hide = hide
        # Kept decoded, with undecodable bytes as lone surrogates: the text is exact, and
        # encoding it back gives the bytes that arrived, for bytes patterns.
        self._decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        self._text = ""
        self._cursor = 0
        self._changed = threading.Condition()

    @property
    def text(self) -> str:
        """Everything fed so far (undecodable bytes shown as U+FFFD)."""
        with self._changed:
            return _printable(self._text)

    def feed(self, data: bytes) -> None:
        text = self._decoder.decode(data)
        with self._changed:
            self._text += text
            self._changed.notify_all()

    def skip(self) -> None:
        """Forget what arrived so far: the next `expect` only sees newer output."""
        with self._changed:
            self._cursor = len(self._text)

    def expect(self, pattern: Pattern, timeout: float) -> Match:
        """Wait for `pattern` after the previous match; return the match."""
        regex: re.Pattern[Any] = (
            re.compile(pattern, re.MULTILINE) if isinstance(pattern, str | bytes) else pattern
        )
        deadline = time.monotonic() + timeout
        with self._changed:
            while (match := self._search(regex)) is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ExpectTimeout(self._timeout_message(regex.pattern, timeout))
                self._changed.wait(remaining)
            return match

    def expect_exact(self, text: str | bytes, timeout: float) -> Match:
        """Wait for the literal `text` after the previous match; return the match."""
        if isinstance(text, bytes):  # `re.escape` takes str or bytes, not a union of them
            return self.expect(re.escape(text), timeout)
        return self.expect(re.escape(text), timeout)

    def _search(self, regex: re.Pattern[Any]) -> Match | None:
        if isinstance(regex.pattern, str):
            text_match = regex.search(self._text, self._cursor)
            if text_match is not None:
                self._cursor = text_match.end()
            return text_match
        raw = self._text.encode("utf-8", "surrogateescape")
        start = len(self._text[: self._cursor].encode("utf-8", "surrogateescape"))
        bytes_match = regex.search(raw, start)
        if bytes_match is not None:
            matched = raw[: bytes_match.end()].decode("utf-8", "surrogateescape")
            self._cursor = len(matched)
        return bytes_match

    def _timeout_message(self, pattern: str | bytes, timeout: float) -> str:
        tail = _printable(self._text[self._cursor :])
        if self._hide is not None:
            tail = "\n".join(line for line in tail.split("\n") if not self._hide(line))
        tail = tail[-TAIL_CHARS:]
        return (
            f"{self.name}: no {pattern!r} {self.place} within {timeout:.1f} s;"
            f" it printed:\n{tail or '(nothing)'}"
        )


def _printable(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
