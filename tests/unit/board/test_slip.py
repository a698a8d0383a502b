"""SLIP framing: escaping both ways, frames split anywhere, noise before the first frame."""

from emulator.board import slip


def test_escapes_end_and_esc_bytes_and_back() -> None:
    payload = b"\x00\xc0\xdb\xdc\xdd\xdb\xdd\xff"
    frame = slip.encode(payload)
    assert frame[0] == frame[-1] == 0xC0
    assert b"\xc0" not in frame[1:-1]
    assert slip.Decoder().feed(frame) == [payload]


def test_frames_arrive_in_any_chunks() -> None:
    payloads = [bytes([n]) * n + b"\xc0\xdb" for n in range(1, 40)]
    stream = b"".join(slip.encode(p) for p in payloads)
    decoder = slip.Decoder()
    frames = []
    for at in range(0, len(stream), 7):
        frames += decoder.feed(stream[at : at + 7])
    assert frames == payloads


def test_text_before_the_first_frame_is_dropped() -> None:
    assert slip.Decoder().feed(b"status\r\n" + slip.encode(b"abc")) == [b"abc"]
