"""Firmware builds: PlatformIO when its ESP32 toolchain is installed, else a labelled stand-in.

PlatformIO downloads the ESP32 platform and toolchains from its own registry on first use.
Where that registry cannot be reached, `pio run` hangs and then fails, so the bench looks
for the installed packages first (offline) and never starts an install by accident.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from grouploop.esp import image
from grouploop.settings import PROJECT_ROOT

FIRMWARE_DIR = PROJECT_ROOT / "firmware"
STAND_IN_DIR = FIRMWARE_DIR / "build" / "stand-in"
ENVS = ("seeed_xiao_esp32c3", "esp32-c3-devkitm-1")

# What `pio run` needs for an ESP32-C3 Arduino build, as PlatformIO names it on disk.
REQUIRED_PACKAGES = (
    "platforms/espressif32",
    "packages/toolchain-riscv32-esp",
    "packages/framework-arduinoespressif32",
)


class BuildError(RuntimeError):
    """The build cannot run or failed; the message says why and what to do."""


class ToolchainMissing(BuildError):
    """PlatformIO's ESP32 packages are not installed (and cannot be fetched here)."""


@dataclass(frozen=True)
class BuildOutput:
    env: str
    version: str
    image: Path  # the app image to flash into an A/B slot and to publish
    stand_in: bool
    # The bootloader flashed at 0x0 with it (bench.layout adds the table and OTA data).
    bootloader: Path | None = None

    @property
    def label(self) -> str:
        kind = "STAND-IN image (not a firmware build)" if self.stand_in else "PlatformIO build"
        return f"{self.env} {self.version}: {kind} {self.image}"


def platformio_core_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    raw = env.get("PLATFORMIO_CORE_DIR")
    return Path(raw) if raw else Path.home() / ".platformio"


def missing_toolchain(core_dir: Path) -> list[str]:
    """The PlatformIO packages an ESP32-C3 build needs that are not installed."""
    return [name for name in REQUIRED_PACKAGES if not (core_dir / name).is_dir()]


def firmware_version(firmware_dir: Path = FIRMWARE_DIR) -> str:
    """The version the firmware reports: firmware/VERSION, the one source of it."""
    version = (firmware_dir / "VERSION").read_text(encoding="utf-8").strip()
    if not version:
        raise BuildError(f"{firmware_dir / 'VERSION'} is empty")
    return version


def pio_build(
    env: str, *, firmware_dir: Path = FIRMWARE_DIR, pio: Path | None = None
) -> BuildOutput:
    """Run `pio run -e ENV` (only when the toolchain is installed) and return its images."""
    core = platformio_core_dir()
    missing = missing_toolchain(core)
    if missing:
        raise ToolchainMissing(
            f"PlatformIO's ESP32 toolchain is not installed in {core} (missing: "
            f"{', '.join(missing)}). It comes from PlatformIO's registry, which this machine "
            "cannot reach, so no firmware can be built here. Use --stand-in for a labelled "
            "stand-in image, or build on a machine with registry access."
        )
    pio = pio or PROJECT_ROOT / ".venv" / "bin" / "pio"
    done = subprocess.run([str(pio), "run", "-d", str(firmware_dir), "-e", env], check=False)
    if done.returncode != 0:
        raise BuildError(f"pio run -e {env} failed with exit code {done.returncode}")
    out = firmware_dir / ".pio" / "build" / env
    return BuildOutput(
        env, firmware_version(firmware_dir), out / "firmware.bin", False, bootloader_of(out)
    )


def bootloader_of(build_dir: Path) -> Path:
    """The bootloader PlatformIO built next to a firmware image; refused when missing."""
    path = build_dir / "bootloader.bin"
    if not path.is_file():
        raise BuildError(
            f"no bootloader.bin in {build_dir}: the bench flashes the complete layout "
            "(bootloader, partition table, OTA data, app); keep the build's files together"
        )
    return path


def stand_in_name(env: str, version: str) -> str:
    return f"grouploop-{env}-{version}-stand-in.bin"


def release_name(build: BuildOutput) -> str:
    """The file name a build is published under on the CDN."""
    if build.stand_in:
        return stand_in_name(build.env, build.version)
    return f"grouploop-{build.env}-{build.version}.bin"


def stand_in(env: str, version: str, out_dir: Path = STAND_IN_DIR) -> BuildOutput:
    """Write a labelled stand-in image (valid for esptool and the emulated bootloader) and
    its stand-in bootloader."""
    path = out_dir / stand_in_name(env, version)
    image.write_stand_in_image(path, version, env)
    return BuildOutput(env, version, path, True, stand_in_bootloader(out_dir))


def stand_in_bootloader(out_dir: Path = STAND_IN_DIR) -> Path:
    """A stand-in for the bootloader at 0x0: an ESP image header, as esptool expects there.

    The emulated board plays the bootloader itself and never runs it; a real chip would not
    boot it (stand-ins are refused on hardware)."""
    path = out_dir / "grouploop-bootloader-stand-in.bin"
    image.write_stand_in_image(path, "bootloader", "stand-in")
    return path


def check_image(path: Path) -> None:
    """Refuse what a bootloader would refuse, before spending a flash cycle on it."""
    image.parse_app_image(path.read_bytes())
