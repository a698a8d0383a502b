"""The arduino-cli style build folder, read back by pytest-embedded's own ArduinoApp."""

import json
from pathlib import Path

from pytest_embedded_arduino import ArduinoApp

from bench.arduino_build import write_arduino_build
from bench.build import BuildOutput, stand_in
from bench.layout import project_layout


def test_stand_in_folder_is_what_the_arduino_service_reads(tmp_path: Path) -> None:
    build = stand_in("seeed_xiao_esp32c3", "1.2.3", tmp_path / "images")
    folder = write_arduino_build(build, tmp_path / "arduino")
    app = ArduinoApp(app_path=str(folder))
    assert app.target == "esp32c3"
    assert app.fqbn == "esp32:esp32:esp32c3"
    assert app.sketch == "grouploop-stand-in"
    assert app.flash_settings == {"flash-mode": "dio", "flash-freq": "80m", "flash-size": "4MB"}
    # The complete layout, stand-in or not: bootloader, table, erased OTA data, app in ota_0.
    assert app.flash_files == [
        ("0x0", str(folder / "grouploop-stand-in.ino.bootloader.bin")),
        ("0x8000", str(folder / "grouploop-stand-in.ino.partitions.bin")),
        ("0xe000", str(folder / "boot_app0.bin")),
        ("0x10000", str(folder / "grouploop-stand-in.ino.bin")),
    ]
    table = (folder / "grouploop-stand-in.ino.partitions.bin").read_bytes()
    assert table == project_layout().table
    assert (folder / "boot_app0.bin").read_bytes() == b"\xff" * 0x2000
    assert Path(app.binary_file).read_bytes() == build.image.read_bytes()
    options = json.loads((folder / "build.options.json").read_text())
    assert "STAND-IN image (not a firmware build)" in options["grouploopBuild"]


def test_real_build_keeps_bootloader_partitions_and_boot_app0_at_their_offsets(
    tmp_path: Path,
) -> None:
    out = tmp_path / "pio"
    out.mkdir()
    for name in ("firmware.bin", "bootloader.bin", "partitions.bin", "firmware.elf"):
        (out / name).write_bytes(name.encode())
    bootloader = out / "bootloader.bin"
    build = BuildOutput("esp32-c3-devkitm-1", "2.0.0", out / "firmware.bin", False, bootloader)
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
