"""`grouploop build` without a toolchain, its labelled stand-in, and `grouploop publish`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grouploop.esp.image import write_stand_in_image
from grouploop.services import grouploop_argv
from tests.support.timing import scaled

ROOT = Path(__file__).resolve().parents[2]


def _grouploop(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        grouploop_argv(*args),
        capture_output=True,
        text=True,
        timeout=scaled(60),
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_build_says_plainly_that_the_toolchain_is_missing(tmp_path: Path) -> None:
    done = _grouploop("build", env={"PLATFORMIO_CORE_DIR": str(tmp_path / "empty")})
    assert done.returncode == 1
    assert "toolchain is not installed" in done.stdout and "--stand-in" in done.stdout


def test_stand_in_is_labelled_and_accepted_by_esptool(tmp_path: Path) -> None:
    env = {"PLATFORMIO_CORE_DIR": str(tmp_path / "empty")}
    arduino = tmp_path / "arduino"
    done = _grouploop(
        "build", "--stand-in", "--out", str(tmp_path), "--arduino-dir", str(arduino), env=env
    )
    assert done.returncode == 0, done.stdout
    version = (ROOT / "firmware" / "VERSION").read_text().strip()
    image = tmp_path / f"grouploop-seeed_xiao_esp32c3-{version}-stand-in.bin"
    assert f"STAND-IN image (not a firmware build) {image}" in done.stdout
    # Also laid out for pytest-embedded's Arduino service (tests/unit/bench/test_arduino_build).
    folder = arduino / "seeed_xiao_esp32c3"
    assert f"arduino build folder: {folder}" in done.stdout
    assert (folder / "grouploop-stand-in.ino.bin").read_bytes() == image.read_bytes()
    info = subprocess.run(
        [sys.executable, "-m", "esptool", "image-info", str(image)],
        capture_output=True,
        text=True,
        timeout=scaled(60),
        check=False,
    )
    assert info.returncode == 0, info.stdout + info.stderr
    assert "ESP32-C3" in info.stdout and version in info.stdout
    assert "grouploop-stand-in" in info.stdout


def _publish(image: Path, version: str, *where: str) -> subprocess.CompletedProcess[str]:
    return _grouploop(
        "publish", str(image), "--board", "seeed_xiao_esp32c3", "--version", version, *where
    )


def test_publish_keeps_older_versions_with_digests(tmp_path: Path) -> None:
    cdn = tmp_path / "cdn"
    images = {}
    for version in ("1.0.0", "1.1.0"):
        images[version] = tmp_path / f"{version}.bin"
        write_stand_in_image(images[version], version, "seeed_xiao_esp32c3")
        done = _publish(images[version], version, "--cdn-dir", str(cdn))
        assert done.returncode == 0, done.stdout
        assert "(STAND-IN, not a firmware build)" in done.stdout
    builds = json.loads((cdn / "firmware" / "manifest.json").read_text())["builds"]
    assert sorted(b["version"] for b in builds) == ["1.0.0", "1.1.0"]
    for b in builds:
        image = images[b["version"]]
        assert (cdn / "firmware" / b["file"]).read_bytes() == image.read_bytes()
        assert b["stand_in"] is True and b["file"].endswith(f"{b['version']}-stand-in.bin")
        assert b["size"] == image.stat().st_size and len(b["sha256"]) == 64 and len(b["md5"]) == 32


def test_publish_refuses_a_corrupt_image_or_a_wrong_version(tmp_path: Path) -> None:
    image = tmp_path / "a.bin"
    write_stand_in_image(image, "2.0.0", "seeed_xiao_esp32c3")
    wrong = _publish(image, "2.0.1", "--firmware-dir", str(tmp_path / "fw"))
    assert wrong.returncode == 1 and "carries version '2.0.0', not '2.0.1'" in wrong.stdout
    data = bytearray(image.read_bytes())
    data[100] ^= 0xFF
    image.write_bytes(bytes(data))
    corrupt = _publish(image, "2.0.0", "--firmware-dir", str(tmp_path / "fw"))
    assert corrupt.returncode == 1 and "not a bootable ESP32-C3 app image" in corrupt.stdout
    assert not (tmp_path / "fw").exists()


def test_publish_refuses_a_missing_image(tmp_path: Path) -> None:
    done = _grouploop(
        "publish", str(tmp_path / "nope.bin"), "--board", "b", "--version", "1",
        "--firmware-dir", str(tmp_path),
    )  # fmt: skip
    assert done.returncode == 2 and "does not exist" in done.stdout
    assert not (tmp_path / "manifest.json").exists()
