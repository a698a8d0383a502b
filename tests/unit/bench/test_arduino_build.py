"""The arduino-cli style build folder, read back by pytest-embedded's own ArduinoApp."""

import json
from pathlib import Path

import pytest
from pytest_embedded_arduino import ArduinoApp

from bench.arduino_build import BOOT_APP0, write_arduino_build
from bench.build import BuildOutput, stand_in


def test_stand_in_folder_is_what_the_arduino_service_reads(tmp_path: Path) -> None:
    build = stand_in("seeed_xiao_esp32c3", "1.2.3", tmp_path / "images")
    folder = write_arduino_build(build, tmp_path / "arduino")
    app = ArduinoApp(app_path=str(folder))
    assert app.target == "esp32c3"
    assert app.fqbn == "esp32:esp32:esp32c3"
    assert app.sketch == "grouploop-stand-in"
    assert app.flash_settings == {"flash-mode": "dio", "flash-freq": "80m", "flash-size": "4MB"}
    assert app.flash_files == [("0x10000", str(folder / "grouploop-stand-in.ino.bin"))]
    assert Path(app.binary_file).read_bytes() == build.image.read_bytes()
    options = json.loads((folder / "build.options.json").read_text())
    assert "STAND-IN image (not a firmware build)" in options["grouploopBuild"]


def test_real_build_keeps_bootloader_partitions_and_boot_app0_at_their_offsets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    core = tmp_path / "platformio"
    (core / BOOT_APP0).parent.mkdir(parents=True)
    (core / BOOT_APP0).write_bytes(b"otadata")
    monkeypatch.setenv("PLATFORMIO_CORE_DIR", str(core))
    out = tmp_path / "pio"
    out.mkdir()
    for name in ("firmware.bin", "bootloader.bin", "partitions.bin", "firmware.elf"):
        (out / name).write_bytes(name.encode())
    extra = ((0x0, out / "bootloader.bin"), (0x8000, out / "partitions.bin"))
    build = BuildOutput("esp32-c3-devkitm-1", "2.0.0", out / "firmware.bin", False, extra)
    folder = write_arduino_build(build, tmp_path / "arduino")
    assert folder == tmp_path / "arduino" / "esp32-c3-devkitm-1"
    app = ArduinoApp(app_path=str(folder))
    assert app.sketch == "grouploop"
    assert [(off, Path(p).name) for off, p in app.flash_files] == [
        ("0x0", "grouploop.ino.bootloader.bin"),
        ("0x8000", "grouploop.ino.partitions.bin"),
        ("0xe000", "boot_app0.bin"),
        ("0x10000", "grouploop.ino.bin"),
    ]
    assert (folder / "grouploop.ino.bootloader.bin").read_bytes() == b"bootloader.bin"
    assert Path(app.elf_file).read_bytes() == b"firmware.elf"
