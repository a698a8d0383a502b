"""The device's frame stream as a hub subscriber sees it: format and rate."""

import itertools
import re

from bench.dut import Dut
from tests.support.timing import scaled

FRAME = re.compile(r"^[0-9a-f]{20}$")


def test_frames_are_20_hex_with_the_device_id_at_about_20_hz(dut: Dut) -> None:
    assert dut.hub is not None
    window = 2.0
    frames = dut.hub.frames(dut.device_id or "", window)
    assert all(FRAME.match(frame) for _, frame in frames)
    assert {frame[:4] for _, frame in frames} == {dut.device_id}
    rate = len(frames) / window
    assert 14 <= rate <= 26, f"{rate:.1f} frames/s, expected about 20"
    taps = {frame[18:] for _, frame in frames}
    assert taps <= {"00", "ff"}
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(frames)]
    assert max(gaps) < scaled(0.5), f"a {max(gaps):.2f} s gap in the stream"
