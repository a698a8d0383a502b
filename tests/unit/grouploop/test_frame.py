"""grouploop.frame, the one Python codec of the 20-hex sensor frame: the shared table of
cases (tests/data/frame_cases.json, also run by the firmware core and HitloopDevice.js),
then what only the Python codec promises."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from grouploop import frame
from grouploop.frame import Frame, FrameError

CASES: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "data" / "frame_cases.json").read_text()
)


def _named(rows: list[dict[str, Any]]) -> Any:
    return pytest.mark.parametrize("case", rows, ids=[row["case"] for row in rows])


@_named(CASES["encode"])
def test_shared_case_encodes_to_its_frame(case: dict[str, Any]) -> None:
    f = Frame(
        case["id"],
        *(frame.accel_byte(g) for g in case["accel_g"]),
        *(frame.rssi_byte(dbm) for dbm in case["rssi_dbm"]),
        frame.TAP if case["tap"] else 0,
    )
    assert frame.encode(f) == case["frame"]
    assert frame.decode(case["frame"]) == f


@_named(CASES["decode"])
def test_shared_case_decodes_to_its_fields(case: dict[str, Any]) -> None:
    f = frame.decode(case["frame"])
    raw = [f.ax, f.ay, f.az, f.d_nw, f.d_ne, f.d_se, f.d_sw, f.tap]
    assert (f.device_id, raw, f.tapped) == (case["id"], case["raw"], case["tap"])
    assert [frame.accel_g(b) for b in raw[:3]] == pytest.approx(case["accel_g"], abs=1e-4)
    assert [frame.rssi_dbm(b) for b in raw[3:7]] == pytest.approx(case["rssi_dbm"], abs=1e-4)
    assert frame.encode(f) == case["frame"]


@pytest.mark.parametrize("text", CASES["invalid_frames"])
def test_shared_invalid_frame_is_refused(text: str) -> None:
    assert not frame.is_frame(text)
    with pytest.raises(FrameError):
        frame.decode(text)


@pytest.mark.parametrize("device_id", CASES["invalid_ids"])
def test_shared_invalid_id_is_refused(device_id: str) -> None:
    assert not frame.is_device_id(device_id)
    with pytest.raises(FrameError):
        Frame(device_id, 0, 0, 0, 0, 0, 0, 0, 0)


def test_upper_case_is_not_a_frame_on_the_wire() -> None:
    # The JS decoder is lenient here (it reads any line of a hub); the wire is lowercase.
    assert not frame.is_frame("A1B2807FC001020304FF")
    with pytest.raises(FrameError):
        Frame("A1B2", 0, 0, 0, 0, 0, 0, 0, 0)


@pytest.mark.parametrize("field", range(1, 9))
def test_a_field_outside_a_byte_is_refused(field: int) -> None:
    values: list[Any] = ["a1b2", 0, 0, 0, 0, 0, 0, 0, 0]
    values[field] = 256
    with pytest.raises(FrameError):
        Frame(*values)


def test_frame_decodes_to_rounded_physical_units() -> None:
    values = frame.decode("a1b2" + "00" + "ff" + "80" + "00" + "ff" + "00" + "ff" + "00").physical()
    assert values == {
        "ax_g": -2.0,
        "ay_g": 2.0,
        "az_g": 0.008,
        "rssi_dbm": {"nw": -100.0, "ne": -40.0, "se": -100.0, "sw": -40.0},
        "tap": False,
    }
