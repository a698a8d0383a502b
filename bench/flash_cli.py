"""`grouploop flash`: flash every attached board (or `--port`/`--board` ones) in parallel.

The image is the current build (PlatformIO; `--stand-in` when the toolchain is missing) or
`--image`. It is validated before any board is touched; each board's failure is reported
with its name and the others carry on. Exit code 0 only when every board flashed and
verified.
"""

from __future__ import annotations

import argparse
import threading
from collections.abc import Callable
from pathlib import Path

from bench.build import (
    ENVS,
    BuildError,
    BuildOutput,
    bootloader_of,
    check_image,
    stand_in_bootloader,
)
from bench.build_cli import build
from bench.drivers.failures import Failure
from bench.drivers.flasher import FlashOptions, FlashResult, flash_all
from bench.drivers.ports import is_device_path
from bench.resources import BenchFileError, Target
from bench.targets import DEFAULT_BENCH_FILE, NoTargets, choose
from grouploop.esp.image import ImageError, parse_app_image

DEFAULT_LOG_DIR = Path("test-artifacts") / "flash"


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port", action="append", default=[], help="serial port or URL, NAME=PORT (repeatable)"
    )
    parser.add_argument(
        "--board", action="append", default=[], help="a board named in bench.toml (repeatable)"
    )
    parser.add_argument("--bench-file", type=Path, default=DEFAULT_BENCH_FILE)
    parser.add_argument("--env", choices=ENVS, default=ENVS[0], help="PlatformIO env to build")
    parser.add_argument(
        "--stand-in", action="store_true", help="flash a labelled stand-in if no toolchain"
    )
    parser.add_argument("--baud", type=int, default=FlashOptions.baud)
    parser.add_argument("--retries", type=int, default=FlashOptions.retries)
    parser.add_argument("--connect-attempts", type=int, default=FlashOptions.connect_attempts)
    parser.add_argument("--timeout", type=float, default=FlashOptions.timeout, help="s per try")
    parser.add_argument("--no-stub", action="store_true", help="talk to the ROM loader only")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument("--image", type=Path, help="flash this app image instead of building")
    parser.add_argument("--log-dir", type=Path, default=DEFAULT_LOG_DIR, help="esptool logs")


def options_of(args: argparse.Namespace, log_dir: Path | None) -> FlashOptions:
    return FlashOptions(
        baud=args.baud,
        retries=args.retries,
        connect_attempts=args.connect_attempts,
        timeout=args.timeout,
        stub=not args.no_stub,
        log_dir=log_dir,
    )


def image_build(path: Path, env: str) -> BuildOutput:
    """A given image as a build: its version from its app description; the bootloader is the
    one built next to it (a stand-in's: a stand-in bootloader)."""
    app = parse_app_image(path.read_bytes())
    bootloader = stand_in_bootloader() if app.stand_in else bootloader_of(path.parent)
    return BuildOutput(env, app.version, path, app.stand_in, bootloader)


def print_progress(step: int = 25) -> Callable[[Target, float], None]:
    """Print each board's progress every `step` percent (boards interleave, one line each)."""
    shown: dict[str, int] = {}
    lock = threading.Lock()

    def report(target: Target, percent: float) -> None:
        mark = int(percent) // step * step
        with lock:
            if mark > shown.get(target.name, -1):
                shown[target.name] = mark
                print(f"  {target.name}: {mark}%", flush=True)

    return report


def is_hardware(target: Target) -> bool:
    """A board on a local serial device (a URL may be an emulated board or a remote one)."""
    return not target.emulated and is_device_path(target.port)


def refuse_stand_in(target: Target) -> FlashResult:
    return FlashResult(
        target,
        ok=False,
        failure=Failure.STAND_IN_ON_HARDWARE,
        message="a stand-in image only spins on a real ESP32-C3; flash a PlatformIO build "
        "(--image firmware.bin from a machine that reaches PlatformIO's registry)",
    )


def flash_targets(
    targets: list[Target], build_output: BuildOutput, options: FlashOptions
) -> list[FlashResult]:
    refused = [t for t in targets if build_output.stand_in and is_hardware(t)]
    targets = [t for t in targets if t not in refused]
    results = [refuse_stand_in(t) for t in refused]
    if targets:
        names = ", ".join(str(t) for t in targets)
        print(f"flashing {build_output.label}\n  onto {names}", flush=True)
        results += flash_all(
            targets,
            build_output.image,
            options,
            check_image=check_image,
            progress=print_progress(),
            bootloader=build_output.bootloader,
        )
    for result in results:
        print(("  ok   " if result.ok else "  FAIL ") + result.line(), flush=True)
    return results


def run(args: argparse.Namespace) -> int:
    options = options_of(args, args.log_dir)
    try:
        targets = choose(args.port, args.board, args.bench_file, options, args.env)
    except (NoTargets, BenchFileError) as exc:
        print(f"flash: no board: {exc}")
        return 2
    if not targets:
        print(
            "flash: no board: no ESP32 board on USB (ESP32-C3 USB, CP210x, CH340, FTDI) and no "
            f"{args.bench_file}; plug one in, pass --port, or run `grouploop bench` (emulated)"
        )
        return 2
    args.log_dir.mkdir(parents=True, exist_ok=True)
    results: list[FlashResult] = []
    # One build per env the boards run (bench.toml may mix XIAO and DevKitM-1 boards).
    for env in sorted({t.board for t in targets}):
        try:
            output = (
                image_build(args.image, env)
                if args.image
                else build(env, allow_stand_in=args.stand_in)
            )
        except (BuildError, ImageError, OSError) as exc:
            print(f"flash: {env}: {exc}")
            return 1
        results += flash_targets([t for t in targets if t.board == env], output, options)
    return 0 if all(r.ok for r in results) else 1
