"""Console configuration: a round trip that survives a reboot, and refusals that save nothing."""

import json
import re

import pytest

from bench.dut import Dut
from tests.hil.bodies import status_through_the_console


def _config(dut: Dut) -> dict:
    return json.loads(dut.console_command("config", r"config:(\{.*\})\n").group(1))


def test_config_round_trip_masks_the_password_and_survives_reboot(dut: Dut) -> None:
    secret = "correct-horse-battery"
    change = {"cdn_url": "http://127.0.0.1:9/elsewhere", "wifi_password": secret}
    try:
        dut.console_command(f"config set {json.dumps(change)}", r"config:ok")
        shown = _config(dut)
        assert shown["cdn_url"] == change["cdn_url"]
        assert shown["wifi_password"] == "********"
        dut.reboot()
        assert _config(dut)["cdn_url"] == change["cdn_url"]
        received = [x for x in (dut.log_dir / "console.log").read_text().splitlines() if " < " in x]
        assert received and not any(secret in line for line in received)
    finally:
        dut.configure()


def test_the_provisioned_device_secret_is_shown_nowhere_and_survives_reboot(dut: Dut) -> None:
    if dut.endpoints.auth is None:
        pytest.skip("the hub under test is open: no device secret was provisioned")
    assert _config(dut)["device_secret"] == "********"
    status = json.dumps(dut.answer("status"))
    dut.reboot()
    dut.wait_streaming()  # it logged in again with the secret kept in its NVS
    secrets = dut.endpoints.auth.tokens_file.read_text()
    assert "device_secret" not in status and dut.device_id in secrets
    # Neither what the bench sent nor what the device printed shows a secret.
    log = (dut.log_dir / "console.log").read_text()
    assert re.search(r'"device_secret": ?"(?!\*{8}")', log) is None, log


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('config set {"cdn_url": ', r"invalid_json"),
        ('config set {"hub_url": "ftp://nowhere"}', r"bad_url"),
        ('config set {"cdn_url": "http://half.example", "wifi_password": "short"}', r"too_short"),
        ('config set {"colour": "red"}', r"unknown_key"),
    ],
)
def test_invalid_configuration_is_refused_and_nothing_is_saved(
    dut: Dut, line: str, reason: str
) -> None:
    before = _config(dut)
    answer = dut.console_command(line, r"config:(ok|error:.*)\n")
    assert answer.group(1).startswith("error:") and reason in answer.group(1)
    assert _config(dut) == before


def test_a_pytest_embedded_style_body_runs_on_the_bench_dut(dut: Dut) -> None:
    # tests/hil/embedded runs the same body on pytest-embedded's own DUT.
    assert status_through_the_console(dut)["id"] == dut.device_id
