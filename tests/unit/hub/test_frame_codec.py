"""grouploop.frame: the one Python codec of the 20-hex sensor frame."""

from __future__ import annotations

import pytest

from grouploop import frame
from grouploop.frame import Frame, FrameError


def test_encode_and_decode_round_trip_in_wire_order() -> None:
    f = Frame("a1b2", 0x80, 0x7F, 0xC0, 1, 2, 3, 4, 255)
    text = frame.encode(f)
    assert text == "a1b2807fc001020304ff"
    assert frame.decode(text) == f
    assert f.tapped


@pytest.mark.parametrize(
    "text",
    ["", "a1b2", "a1b2807fc001020304f", "a1b2807fc001020304ff0", "A1B2807FC001020304FF", "g" * 20],
)
def test_malformed_frames_are_refused(text: str) -> None:
    assert not frame.is_frame(text)
    with pytest.raises(FrameError):
        frame.decode(text)


@pytest.mark.parametrize(
    ("g", "byte"), [(-2.0, 0), (-5.0, 0), (0.0, 128), (1.0, 191), (2.0, 255), (9.0, 255)]
)
def test_acceleration_maps_to_a_clamped_byte(g: float, byte: int) -> None:
    assert frame.accel_byte(g) == byte


@pytest.mark.parametrize(
    ("dbm", "byte"), [(-100.0, 0), (-120.0, 0), (-70.0, 128), (-40.0, 255), (-10.0, 255)]
)
def test_rssi_maps_to_a_clamped_byte(dbm: float, byte: int) -> None:
    assert frame.rssi_byte(dbm) == byte


def test_frame_decodes_to_physical_units() -> None:
    values = frame.decode("a1b2" + "00" + "ff" + "80" + "00" + "ff" + "00" + "ff" + "00").physical()
    assert values["ax_g"] == -2.0
    assert values["ay_g"] == 2.0
    assert values["az_g"] == pytest.approx(0.0, abs=0.01)
    assert values["rssi_dbm"] == {"nw": -100.0, "ne": -40.0, "se": -100.0, "sw": -40.0}
    assert values["tap"] is False


@pytest.mark.parametrize(
    "fields",
    [
        ("A1B2", 0, 0, 0, 0, 0, 0, 0, 0),
        ("a1b", 0, 0, 0, 0, 0, 0, 0, 0),
        ("a1b2", 256, 0, 0, 0, 0, 0, 0, 0),
    ],
)
def test_invalid_fields_are_refused(fields: tuple) -> None:  # type: ignore[type-arg]
    with pytest.raises(FrameError):
        Frame(*fields)
