"""OTA from the CDN: to a new version and back (by URL and from the manifest), and a corrupt
image refused while the running version keeps going."""

from __future__ import annotations

import json
import urllib.request

import pytest

from bench.build import BuildOutput, stand_in
from bench.dut import Dut
from bench.publish_cli import publish
from tests.support.timing import scaled


@pytest.fixture(autouse=True)
def _needs_ota_images(dut: Dut, hil) -> None:
    # A stand-in image cannot run on a real chip: only emulated boards may OTA to one.
    if hil.build.stand_in and not dut.target.emulated:
        pytest.skip(f"{dut.target}: OTA needs two real builds; the build under test is a stand-in")


def _next_build(hil) -> BuildOutput:
    return stand_in(hil.build.env, f"{hil.build.version}-ota", hil.work_dir / "builds")


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
    entry = publish(new, hil.firmware_dir)
    answer = _ota(dut, f"{hil.endpoints.cdn_url}/firmware/{entry.file}")
    assert answer["ok"] is True, answer
    assert dut.hub_answer("ota_result", scaled(30))["data"]["state"] == "succeeded"
    dut.wait_boot(scaled(30))
    assert dut.version == new.version
    dut.wait_streaming()
    # Back to the build under test, found the way a fleet tool would: in the manifest.
    dut.console.skip()
    back = dut.answer(f"cmd ota:{_manifest_url(hil, hil.build.version)}")
    assert back["ok"] is True, back
    dut.wait_boot(scaled(30))
    assert dut.version == hil.build.version
    dut.wait_streaming()


def test_corrupt_ota_image_is_refused_and_the_old_version_keeps_running(dut: Dut, hil) -> None:
    good = hil.build.image.read_bytes()
    corrupt = bytearray(good)
    corrupt[len(corrupt) // 2] ^= 0xFF  # breaks the checksum and the SHA-256
    name = f"grouploop-{hil.build.env}-corrupt.bin"
    (hil.firmware_dir / name).write_bytes(bytes(corrupt))
    answer = _ota(dut, f"{hil.endpoints.cdn_url}/firmware/{name}")
    assert answer["ok"] is True, answer  # accepted for download; the verdict follows
    result = dut.hub_answer("ota_result", scaled(30))
    assert result["ok"] is False and "invalid_image" in result["error"], result
    status = dut.answer("cmd status")["data"]
    assert status["version"] == hil.build.version
    assert status["ota"]["state"] == "failed"
    dut.wait_streaming()
