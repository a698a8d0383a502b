"""`grouploop build [--env ENV] [--stand-in]`: build the firmware with PlatformIO.

Without PlatformIO's ESP32 toolchain (it comes from PlatformIO's registry) this says so and
fails, unless `--stand-in` asks for a clearly labelled stand-in image instead. Every build is
also laid out as an arduino-cli build folder under `--arduino-dir/<env>/` (flash_args,
build.options.json), which pytest-embedded's Arduino service flashes (bench/arduino_build.py).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.arduino_build import write_arduino_build
from bench.build import (
    ENVS,
    FIRMWARE_DIR,
    STAND_IN_DIR,
    BuildError,
    BuildOutput,
    ToolchainMissing,
    firmware_version,
    pio_build,
)
from bench.build import stand_in as make_stand_in

ARDUINO_DIR = FIRMWARE_DIR / "build" / "arduino"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", action="append", choices=ENVS, help="PlatformIO env (repeatable)")
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="when the toolchain is missing, write a labelled stand-in image instead",
    )
    parser.add_argument("--out", type=Path, default=STAND_IN_DIR, help="folder for stand-in images")
    parser.add_argument(
        "--arduino-dir",
        type=Path,
        default=ARDUINO_DIR,
        help="where each env's arduino-cli style build folder goes (for pytest-embedded)",
    )


def build(env: str, *, allow_stand_in: bool, out: Path = STAND_IN_DIR) -> BuildOutput:
    """A real build when possible; a stand-in only when allowed and the toolchain is missing."""
    try:
        return pio_build(env)
    except ToolchainMissing as exc:
        if not allow_stand_in:
            raise
        print(f"build: {exc}")
        return make_stand_in(env, firmware_version(), out)


def run(args: argparse.Namespace) -> int:
    status = 0
    for env in args.env or [ENVS[0]]:
        try:
            output = build(env, allow_stand_in=args.stand_in, out=args.out)
        except BuildError as exc:
            print(f"build: {exc}")
            status = 1
            continue
        print(f"built {output.label}")
        print(f"arduino build folder: {write_arduino_build(output, args.arduino_dir)}")
    return status
