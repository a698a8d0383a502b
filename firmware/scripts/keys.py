"""PlatformIO pre-script: compile the keys in firmware/keys/ into the build (trusted_keys.py)."""

import sys
from pathlib import Path

Import("env")  # noqa: F821 - SCons provides Import(), which puts `env` in this module
env = globals()["env"]

project = Path(env.subst("$PROJECT_DIR"))
sys.path.insert(0, str(project / "scripts"))
from trusted_keys import write_header  # noqa: E402 - importable only once the path is set

write_header(project / "keys", project / "src" / "trusted_keys.h")
