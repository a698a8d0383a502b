"""grouploop.esp.image: the stand-in image is valid, and every corruption is named."""

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest

from grouploop.esp.image import (
    ImageError,
    build_stand_in_image,
    parse_app_image,
    write_stand_in_image,
    xor_checksum,
)


def test_the_stand_in_carries_its_version_and_label() -> None:
    image = parse_app_image(build_stand_in_image("1.2.3", "esp32-c3-devkitm-1") + b"\xff" * 100)
    assert (image.version, image.project_name, image.chip_id) == (
        "1.2.3",
        "grouploop-stand-in",
        5,
    )
    assert image.stand_in
    data = build_stand_in_image("1.2.3", "esp32-c3-devkitm-1")
    assert image.size == len(data)
    assert b"STAND-IN IMAGE board=esp32-c3-devkitm-1 version=1.2.3" in data


def test_esptool_image_info_accepts_the_stand_in(tmp_path: Path) -> None:
    path = tmp_path / "stand-in.bin"
    write_stand_in_image(path, "7.7.7", "seeed_xiao_esp32c3")
    result = subprocess.run(
        [sys.executable, "-m", "esptool", "image-info", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Checksum: 0x" in result.stdout and "(valid)" in result.stdout
    assert "Validation hash:" in result.stdout
    assert "Project name: grouploop-stand-in" in result.stdout
    assert "App version: 7.7.7" in result.stdout


def corrupt(at: int, value: int | None = None) -> bytes:
    data = bytearray(build_stand_in_image("1.0.0", "b"))
    data[at] = data[at] ^ 0x01 if value is None else value
    return bytes(data)


def with_hash(data: bytes) -> bytes:
    """Re-append a correct digest, so only the deliberate fault remains."""
    return data[:-32] + hashlib.sha256(data[:-32]).digest()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\xe9", "too short"),
        (corrupt(0), "invalid image magic 0xe8"),
        (corrupt(1, 0), "invalid segment count 0"),
        (corrupt(12), "chip id 4, not 5"),
        (corrupt(0x30), "checksum mismatch"),
        (corrupt(-1), "SHA-256 digest mismatch"),
        (with_hash(corrupt(0x1B, 0xF0)), "outside ESP32-C3 memory"),  # address 0xf0000020
        (build_stand_in_image("1.0.0", "b")[:100], "runs past the end"),
        (build_stand_in_image("1.0.0", "b")[:-10], "truncated before its SHA-256"),
    ],
    ids=["short", "magic", "count", "chip", "checksum", "sha256", "address", "cut", "no-hash"],
)
def test_each_fault_is_named(data: bytes, reason: str) -> None:
    with pytest.raises(ImageError, match=reason):
        parse_app_image(data)


def test_app_description_magic_is_checked() -> None:
    data = bytearray(build_stand_in_image("1.0.0", "b"))
    data[0x20] ^= 0xFF  # first byte of the magic word, in the DROM segment
    # Keep the checksum and digest right, so only the description is wrong.
    segment_xor = xor_checksum(bytes(data[0x20:0x220]) + bytes(data[0x228:0x22C]))
    checksum_at = len(data) - 33
    data[checksum_at] = segment_xor
    data[-32:] = hashlib.sha256(bytes(data[:-32])).digest()
    with pytest.raises(ImageError, match="app description magic"):
        parse_app_image(bytes(data))


def test_xor_checksum_matches_a_plain_fold() -> None:
    data = bytes(range(256)) * 5 + b"\x01"
    expected = 0xEF
    for byte in data:
        expected ^= byte
    assert xor_checksum(data) == expected
    assert xor_checksum(b"") == 0xEF
