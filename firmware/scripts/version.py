"""PlatformIO pre-script: the firmware version comes from firmware/VERSION, its one source.

Defines GL_FIRMWARE_VERSION for the shell (boot line, status answer), so a build, its boot
line and the CDN manifest (bench/build.py reads the same file) agree. The image keeps
PlatformIO's name, firmware.bin: the bench publishes it under its release name.
"""

from pathlib import Path

Import("env")  # noqa: F821 - SCons provides Import(), which puts `env` in this module
env = globals()["env"]

version = (Path(env.subst("$PROJECT_DIR")) / "VERSION").read_text().strip()
env.Append(CPPDEFINES=[("GL_FIRMWARE_VERSION", env.StringifyMacro(version))])
