"""The build folder pytest-embedded's Arduino service flashes from, written beside our builds.

`pytest --embedded-services esp,arduino --app-path <folder>` looks in <folder> for
`<sketch>.ino.bin`, reads the board from `build.options.json` (`fqbn`, whose third field
is the esptool chip) and the offsets and flash settings from `flash_args`, as arduino-cli
leaves them. Ours names `esp32:esp32:esp32c3` for both envs (the XIAO is an ESP32-C3 to
esptool). A stand-in build's sketch is called `grouploop-stand-in`, and its
build.options.json says it is a stand-in, so the folder cannot pass for firmware.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.build import BuildOutput, platformio_core_dir
from grouploop.files import write_atomic

FQBN = "esp32:esp32:esp32c3"
FLASH_SETTINGS = "--flash-mode dio --flash-freq 80m --flash-size 4MB"
APP_OFFSET = 0x10000
OTADATA_OFFSET = 0xE000  # firmware/partitions_ota.csv
# What the real build's other images are called in an arduino-cli build folder.
EXTRA_SUFFIXES = {0x0: ".ino.bootloader.bin", 0x8000: ".ino.partitions.bin"}
BOOT_APP0 = Path("packages/framework-arduinoespressif32/tools/partitions/boot_app0.bin")


def sketch_name(build: BuildOutput) -> str:
    return "grouploop-stand-in" if build.stand_in else "grouploop"


def write_arduino_build(build: BuildOutput, dest: Path) -> Path:
    """Write `dest/<env>/` for pytest-embedded's Arduino service; returns that folder."""
    folder = dest / build.env
    folder.mkdir(parents=True, exist_ok=True)
    sketch = sketch_name(build)
    images = [(APP_OFFSET, f"{sketch}.ino.bin", build.image)]
    images += [(off, sketch + EXTRA_SUFFIXES[off], path) for off, path in build.extra]
    boot_app0 = platformio_core_dir() / BOOT_APP0
    if not build.stand_in and boot_app0.is_file():  # selects app0 after a full flash
        images.append((OTADATA_OFFSET, "boot_app0.bin", boot_app0))
    for _, name, source in images:
        write_atomic(folder / name, source.read_bytes())
    elf = build.image.with_suffix(".elf")
    if elf.is_file():
        write_atomic(folder / f"{sketch}.ino.elf", elf.read_bytes())
    lines = [FLASH_SETTINGS, *(f"0x{off:x} {name}" for off, name, _ in sorted(images))]
    write_atomic(folder / "flash_args", ("\n".join(lines) + "\n").encode())
    options = {"fqbn": FQBN, "sketchLocation": sketch, "grouploopBuild": build.label}
    write_atomic(folder / "build.options.json", (json.dumps(options, indent=2) + "\n").encode())
    return folder
