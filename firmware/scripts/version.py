"""PlatformIO pre-script: the firmware version comes from firmware/VERSION, its one source.

Defines GL_FIRMWARE_VERSION for the shell (boot line, status answer) and writes the same
version into the image's ESP-IDF app description (app_desc.py), so a build, its boot line,
`esptool image-info` and the CDN manifest (bench/build.py reads the same file) agree. The
image keeps PlatformIO's name, firmware.bin: the bench publishes it under its release name.
"""

import sys
from pathlib import Path

Import("env")  # noqa: F821 - SCons provides Import(), which puts `env` in this module
env = globals()["env"]

project = Path(env.subst("$PROJECT_DIR"))
sys.path.insert(0, str(project / "scripts"))
from app_desc import set_app_version  # noqa: E402 - importable only once the path is set

version = (project / "VERSION").read_text().strip()
env.Append(CPPDEFINES=[("GL_FIRMWARE_VERSION", env.StringifyMacro(version))])


def _stamp_version(target, source, env):
    # SCons passes these by keyword; source[0] is the linked ELF the .bin is made from.
    set_app_version(Path(source[0].get_abspath()), version)


env.AddPreAction("$BUILD_DIR/${PROGNAME}.bin", _stamp_version)
