"""SLIP framing (RFC 1055) as the ESP ROM loader uses it: 0xC0 ends, 0xDB escapes."""

from __future__ import annotations

END = 0xC0
ESC = 0xDB
ESC_END = 0xDC
ESC_ESC = 0xDD


def encode(payload: bytes) -> bytes:
    """One frame, delimited by 0xC0 on both sides as esptool and the ROM send them."""
    body = payload.replace(b"\xdb", b"\xdb\xdd").replace(b"\xc0", b"\xdb\xdc")
    return b"\xc0" + body + b"\xc0"


def decode(body: bytes) -> bytes:
    """Undo the escaping of one frame's body (without its delimiters).

    Order matters: every 0xDB of an escaped body starts an escape, so unescaping 0xDB 0xDC
    first cannot misread the 0xDC that follows an escaped 0xDB (0xDB 0xDD 0xDC).
    """
    return body.replace(b"\xdb\xdc", b"\xc0").replace(b"\xdb\xdd", b"\xdb")


class Decoder:
    """Bytes in, complete frames out. Empty frames (back-to-back delimiters) are skipped."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._started = False

    def feed(self, data: bytes) -> list[bytes]:
        if not self._started:
            # Bytes before the first delimiter are line noise (or console text): drop them.
            start = data.find(b"\xc0")
            if start < 0:
                return []
            data = data[start:]
            self._started = True
        self._buffer += data
        if b"\xc0" not in data:
            return []  # a frame still on its way
        *bodies, rest = bytes(self._buffer).split(b"\xc0")
        self._buffer = bytearray(rest)
        return [decode(body) for body in bodies if body]
