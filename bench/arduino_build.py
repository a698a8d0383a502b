"""The build folder pytest-embedded's Arduino service flashes from, written beside our builds.

`pytest --embedded-services esp,arduino --app-path <folder>` looks in <folder> for
`<sketch>.ino.bin`, reads the board from `build.options.json` (`fqbn`, whose third field
is the esptool chip) and the offsets and flash settings from `flash_args`, as arduino-cli
leaves them. Ours names `esp32:esp32:esp32c3` for both envs (the XIAO is an ESP32-C3 to
esptool). A stand-in build's sketch is called `grouploop-stand-in`, and its
build.options.json says it is a stand-in, so the folder cannot pass for firmware.

Real and stand-in builds alike get the complete layout (bench.layout): the bootloader, the
partition table of firmware/partitions_ota.csv, erased OTA data (Arduino's boot_app0.bin:
ota_0 boots) and the app in ota_0. The service flashes them in address order, not in the
bench's power-safe order (`grouploop flash` uses that).
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.build import BuildOutput
from bench.layout import BOOTLOADER_OFFSET, project_layout
from grouploop.esp.partitions import OTA_DATA_SIZE, TABLE_OFFSET, ota_apps
from grouploop.files import write_atomic

FQBN = "esp32:esp32:esp32c3"
FLASH_SETTINGS = "--flash-mode dio --flash-freq 80m --flash-size 4MB"


def sketch_name(build: BuildOutput) -> str:
    return "grouploop-stand-in" if build.stand_in else "grouploop"


def write_arduino_build(build: BuildOutput, dest: Path) -> Path:
    """Write `dest/<env>/` for pytest-embedded's Arduino service; returns that folder."""
    folder = dest / build.env
    folder.mkdir(parents=True, exist_ok=True)
    sketch = sketch_name(build)
    if build.bootloader is None:
        raise ValueError(f"{build.label}: no bootloader to flash with it")
    layout = project_layout()
    images = [
        (BOOTLOADER_OFFSET, f"{sketch}.ino.bootloader.bin", build.bootloader.read_bytes()),
        (TABLE_OFFSET, f"{sketch}.ino.partitions.bin", layout.table),
        (layout.otadata.offset, "boot_app0.bin", b"\xff" * OTA_DATA_SIZE),
        (ota_apps(layout.partitions)[0].offset, f"{sketch}.ino.bin", build.image.read_bytes()),
    ]
    for _, name, data in images:
        write_atomic(folder / name, data)
    elf = build.image.with_suffix(".elf")
    if elf.is_file():
        write_atomic(folder / f"{sketch}.ino.elf", elf.read_bytes())
    lines = [FLASH_SETTINGS, *(f"0x{off:x} {name}" for off, name, _ in sorted(images))]
    write_atomic(folder / "flash_args", ("\n".join(lines) + "\n").encode())
    options = {"fqbn": FQBN, "sketchLocation": sketch, "grouploopBuild": build.label}
    write_atomic(folder / "build.options.json", (json.dumps(options, indent=2) + "\n").encode())
    return folder
