"""One factor scales every timeout in the tests (GL_TIMEOUT_SCALE, default 1; CI may raise it)."""

import os

SCALE = float(os.environ.get("GL_TIMEOUT_SCALE", "1"))


def scaled(seconds: float) -> float:
    return seconds * SCALE
