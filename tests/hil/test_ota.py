"""OTA from the CDN, signed images only: to a newer version, back by a forced downgrade found in
the manifest, and a tampered image refused while the running version keeps going."""

from __future__ import annotations

import json
import urllib.request

import pytest

from bench.build import BuildOutput, stand_in
from bench.dut import Dut
from bench.publish_cli import publish
from grouploop.signing import signature_path
from tests.support.timing import scaled


@pytest.fixture(autouse=True)
def _needs_ota_images(dut: Dut, hil) -> None:
    # A stand-in image cannot run on a real chip: only emulated boards may OTA to one.
    if hil.build.stand_in and not dut.target.emulated:
        pytest.skip(f"{dut.target}: OTA needs two real builds; the build under test is a stand-in")


def _newer(version: str) -> str:
    """The next patch release after `version` ("1.2.3-dev" -> "1.2.4")."""
    numbers = [int(n) for n in version.split("-")[0].split(".")] + [0, 0]
    return f"{numbers[0]}.{numbers[1]}.{numbers[2] + 1}"


def _next_build(hil) -> BuildOutput:
    return stand_in(hil.build.env, _newer(hil.build.version), hil.work_dir / "builds")


def _ota(dut: Dut, url: str) -> dict:
    dut.console.skip()
    return dut.hub_command(f"ota:{url}")


def _manifest_url(hil, version: str) -> str:
    base = hil.endpoints.cdn_url
    context = hil.endpoints.cdn_context()
    url = f"{base}/firmware/manifest.json"
    with urllib.request.urlopen(url, timeout=scaled(10), context=context) as r:
        builds = json.load(r)["builds"]
    entry = next(b for b in builds if b["board"] == hil.build.env and b["version"] == version)
    return f"{base}/firmware/{entry['file']}"


def test_ota_to_a_new_version_and_back_through_the_manifest(dut: Dut, hil) -> None:
    new = _next_build(hil)
    entry = publish(new, hil.firmware_dir, hil.key)
    answer = _ota(dut, f"{hil.endpoints.cdn_url}/firmware/{entry.file}")
    assert answer["ok"] is True, answer
    assert dut.hub_answer("ota_result", scaled(30))["data"]["state"] == "succeeded"
    dut.wait_boot(scaled(30))
    assert dut.version == new.version
    dut.wait_streaming()
    # Back to the build under test, found the way a fleet tool would: in the manifest. It is
    # older, so a plain ota is refused and only an admin's forced downgrade installs it.
    dut.console.skip()
    back_url = _manifest_url(hil, hil.build.version)
    assert dut.answer(f"cmd ota:{back_url}")["ok"] is True
    refused = dut.hub_answer("ota_result", scaled(30))
    assert refused["ok"] is False and refused["error"].startswith("older_version"), refused
    back = dut.answer(f"cmd ota_downgrade:{back_url}")
    assert back["ok"] is True, back
    dut.wait_boot(scaled(30))
    assert dut.version == hil.build.version
    dut.wait_streaming()


def test_tampered_ota_image_is_refused_and_the_old_version_keeps_running(dut: Dut, hil) -> None:
    new = _next_build(hil)
    entry = publish(new, hil.firmware_dir, hil.key)
    tampered = bytearray((hil.firmware_dir / entry.file).read_bytes())
    tampered[len(tampered) // 2] ^= 0xFF  # one byte changed after signing
    name = f"grouploop-{hil.build.env}-tampered.bin"
    (hil.firmware_dir / name).write_bytes(bytes(tampered))
    signature = signature_path(hil.firmware_dir / entry.file).read_bytes()
    signature_path(hil.firmware_dir / name).write_bytes(signature)  # the original's signature
    answer = _ota(dut, f"{hil.endpoints.cdn_url}/firmware/{name}")
    assert answer["ok"] is True, answer  # accepted for download; the verdict follows
    result = dut.hub_answer("ota_result", scaled(30))
    assert result == {"cmd": "ota_result", "ok": False, "error": "signature_mismatch"}, result
    status = dut.answer("cmd status")["data"]
    assert status["version"] == hil.build.version
    assert status["ota"]["state"] == "failed"
    dut.wait_streaming()
