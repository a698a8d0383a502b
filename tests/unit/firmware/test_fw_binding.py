"""The firmware core's C API through the binding the emulator uses (emulator.firmware_core)."""

from __future__ import annotations

import json

import pytest

from emulator.firmware_core import Core, firmware_version, instance_size
from grouploop import frame, signing
from grouploop.esp.image import build_stand_in_image
from grouploop.signing import SigningKey
from tests.fixtures.firmware import TEST_ID, TEST_MAC, online
from tests.fixtures.signing import SessionSigning


def test_boot_line_and_first_action(core: Core) -> None:
    assert core.read_serial().splitlines()[0] == (
        f"GroupLoop 1.0.0 board=seeed_xiao_esp32c3 id={TEST_ID}"
    )
    assert core.drain_actions() == ["wifi_connect"]
    assert core.device_id() == TEST_ID


def test_default_version_is_the_firmware_version(firmware_library: object) -> None:
    with Core({"wifi_ssid": "lab"}, TEST_MAC) as device:
        assert device.read_serial().startswith(f"GroupLoop {firmware_version()} ")
        assert device.drain_actions() == ["wifi_connect lab"]


def test_streams_id_then_frames_at_20_hz(core: Core) -> None:
    assert core.drain_actions() == ["wifi_connect"]
    core.wifi_event(True, 0)
    assert core.drain_actions() == ["ws_connect ws://localhost:5003"]
    core.ws_event(True, 10)
    sent: list[str] = []
    for now in range(10, 2010, 5):
        core.tick(now)
        sent += core.drain_ws()
    assert sent[0] == f"id:{TEST_ID}"
    frames = [frame.decode(m) for m in sent[1:]]
    assert len(frames) == 40
    assert {f.device_id for f in frames} == {TEST_ID}


@pytest.mark.parametrize("g", [-2.5, -2.0, -1.0, -0.3, 0.0, 0.7, 1.0, 2.0, 3.9])
def test_acceleration_bytes_agree_with_the_python_codec(core: Core, g: float) -> None:
    online(core, 0)
    core.set_accel(g, 0.0, 0.0)
    core.tick(5)
    (message,) = core.drain_ws()
    assert frame.decode(message).ax == frame.accel_byte(g)


def test_rssi_bytes_agree_with_the_python_codec(core: Core) -> None:
    online(core, 0)
    now = 0
    for dbm in range(-110, -29):
        core.set_rssi(2, dbm)
        now += 50
        core.tick(now)
        (message,) = core.drain_ws()
        assert frame.decode(message).d_se == frame.rssi_byte(dbm), dbm


def test_no_frames_while_disconnected(core: Core) -> None:
    online(core, 0)
    core.ws_event(False, 100)
    for now in range(100, 400, 5):
        core.tick(now)
    assert core.drain_ws() == []


def test_hub_commands_answer_once_each(core: Core) -> None:
    online(core, 0)
    core.ws_receive("led:00ff00\nvibrate:100\nstatus\nnope", 5)
    answers = [json.loads(m.removeprefix("ans:")) for m in core.drain_ws()]
    assert [(a["cmd"], a["ok"]) for a in answers] == [
        ("led", True),
        ("vibrate", True),
        ("status", True),
        ("nope", False),
    ]
    assert answers[2]["data"]["id"] == TEST_ID
    assert answers[3]["error"] == "unknown_command"
    assert core.pixels() == [(0, 64, 0)] * 6  # default brightness 64
    assert core.brightness() == 64
    assert core.motor_on()
    core.tick(105)
    assert not core.motor_on()


def test_pixel_count_is_the_cores_and_bounds_the_led_index(core: Core) -> None:
    last = core.num_pixels - 1
    assert core.num_pixels > 0
    assert len(core.pixels()) == core.num_pixels
    core.serial_line(f"cmd led_set:{last}:ff0000", 0)
    core.serial_line(f"cmd led_set:{last + 1}:ff0000", 0)
    answers = [
        json.loads(line.removeprefix("ans:"))
        for line in core.read_serial().splitlines()
        if line.startswith("ans:")
    ]
    assert [(a["ok"], a.get("error")) for a in answers] == [
        (True, None),
        (False, "invalid_parameters"),
    ]


def test_status_json_is_the_status_answer_data(core: Core) -> None:
    core.serial_line("status", 0)
    printed = core.read_serial().splitlines()[-1]
    answer = json.loads(printed.removeprefix("ans:"))
    assert answer["data"] == json.loads(core.status_json())
    assert answer["data"]["link"] == "wifi_connecting"


def test_ota_failure_round_trip(firmware_library: object, signing_keys: SessionSigning) -> None:
    keys = signing.trusted_keys_der(signing_keys.trusted_dir)
    with Core({"cdn_url": "http://127.0.0.1:1"}, TEST_MAC, "1.0.0", trusted_keys=keys) as core:
        online(core, 0)
        core.ws_receive("ota:http://127.0.0.1:1/firmware/x.bin", 1)
        assert core.drain_actions() == ["ota http://127.0.0.1:1/firmware/x.bin"]
        core.ota_result(False, "HTTP error: connection refused", 2)
        assert core.drain_actions() == []  # the running image stays
        status = json.loads(core.status_json())
        assert status["ota"] == {
            "state": "failed",
            "url": "http://127.0.0.1:1/firmware/x.bin",
            "error": "HTTP error: connection refused",
        }


@pytest.mark.parametrize(
    ("version", "signer", "accepted", "error"),
    [
        ("1.0.1", "trusted", True, None),
        ("1.0.1", "untrusted", False, "signature_mismatch"),
        ("0.9.0", "trusted", False, "older_version: 0.9.0 < running 1.0.0"),
    ],
)
def test_ota_verdict_through_the_binding(
    firmware_library: object,
    signing_keys: SessionSigning,
    untrusted_key: SigningKey,
    version: str,
    signer: str,
    accepted: bool,
    error: str | None,
) -> None:
    image = build_stand_in_image(version, "seeed_xiao_esp32c3")
    key = signing_keys.key if signer == "trusted" else untrusted_key
    keys = signing.trusted_keys_der(signing_keys.trusted_dir)
    with Core({"cdn_url": "http://127.0.0.1:1"}, TEST_MAC, "1.0.0", trusted_keys=keys) as core:
        online(core, 0)
        core.ws_receive("ota:http://127.0.0.1:1/firmware/x.bin", 1)
        core.drain_ws()
        for at in range(0, len(image), 1000):
            core.ota_data(image[at : at + 1000])
        assert core.ota_verify(signing.b64(key.sign(image)), 2) is accepted
        if error is not None:
            (answer,) = core.drain_ws()
            assert json.loads(answer.removeprefix("ans:")) == {
                "cmd": "ota_result",
                "ok": False,
                "error": error,
            }


def test_a_closed_core_refuses_calls(firmware_library: object) -> None:
    device = Core(None, TEST_MAC)
    device.close()
    device.close()  # idempotent
    with pytest.raises(ValueError, match="closed"):
        device.tick(0)


def test_bad_arguments_are_refused_in_python(core: Core) -> None:
    with pytest.raises(ValueError, match="6 bytes"):
        Core(None, b"\x01\x02")
    with pytest.raises(ValueError, match="beacon"):
        core.set_rssi(4, -50)


def test_instance_size_is_small(firmware_library: object) -> None:
    # The configuration with its 2 KB CA certificate, and room for saving it whole, dominate.
    assert 4096 < instance_size() < 32768
