"""The bench's credentials on a hub with auth on: an admin token and per-board secrets.

The bench starts its hub with a credential file of its own (`--tokens`); the HIL suites
command through an admin token (they OTA and reset), and each board gets a fresh device
secret when it is configured (`bench.dut.Dut.configure`): registered for its id in the file,
which the hub rereads when it changes, and set on the board over the console.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from hub import credentials

#: Where a bench hands its admin token to the HIL suites it runs (never on a command line).
TOKEN_ENV = "GL_BENCH_TOKEN"


@dataclass(frozen=True)
class BenchAuth:
    tokens_file: Path
    admin_token: str

    @classmethod
    def create(cls, folder: Path) -> BenchAuth:
        """A new credential file in `folder` with one admin token for the bench."""
        path = folder / "tokens.json"
        return cls(path, credentials.add(path, "admin", "bench-admin"))

    @classmethod
    def from_env(cls, tokens_file: Path) -> BenchAuth:
        """The bench's credentials as a bench hands them to `pytest tests/hil`."""
        token = os.environ.get(TOKEN_ENV)
        if not token:
            raise ValueError(f"--hub-tokens needs the admin token in ${TOKEN_ENV}")
        return cls(tokens_file, token)

    def provision(self, device_id: str) -> str:
        """A fresh secret for `device_id`, replacing the one it had (the hub rereads the file)."""
        return credentials.add(self.tokens_file, "device", device_id=device_id)
