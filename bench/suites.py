"""One pass of the HIL suites (tests/hil) as the bench runs them: a child pytest on the boards it
flashed, against the services it names, read back from its JUnit XML into report cases.

A pass writes `junit.xml`, `pytest.log` and `logs/` into a folder of its own: the report folder
for the bench's main pass, `cluster/` in it for the pass on a 2-hub cluster (`bench.cluster`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

from bench import report
from bench.auth import TOKEN_ENV, BenchAuth
from bench.build import BuildOutput
from bench.resources import Target

ROOT = Path(__file__).resolve().parent.parent


class Services(NamedTuple):
    """Where a pass runs: the boards' hub, the CDN, its firmware folder, the hub's credentials
    (None: an open hub), and the hub the suites' client uses ("": the boards' hub)."""

    hub_url: str
    cdn_url: str
    firmware_dir: Path
    auth: BenchAuth | None
    client_hub_url: str = ""


def pytest_argv(
    targets: list[Target],
    output: BuildOutput,
    services: Services,
    out_dir: Path,
    ca_file: Path | None,
    keyword: str | None,
    ignore: tuple[str, ...] = (),
) -> list[str]:
    argv = [sys.executable, "-m", "pytest", str(ROOT / "tests" / "hil"), "-p", "no:cacheprovider"]
    argv += [f"--ignore={ROOT / path}" for path in ignore]
    argv += ["-q", "-rfE", f"--junitxml={out_dir / 'junit.xml'}", "--hil-already-flashed"]
    argv += ["--hil-build-image", str(output.image), "--hil-hub-url", services.hub_url]
    if services.client_hub_url:
        argv += ["--hil-client-hub-url", services.client_hub_url]
    argv += ["--hil-cdn-url", services.cdn_url, "--hil-firmware-dir", str(services.firmware_dir)]
    argv += ["--hil-artifacts", str(out_dir / "logs")]
    argv += ["--hil-ca-cert", str(ca_file)] if ca_file is not None else []
    if services.auth is not None:  # its admin token goes through the environment, not the argv
        argv += ["--hil-hub-tokens", str(services.auth.tokens_file)]
    for t in targets:
        argv += ["--hil-board-url" if t.emulated else "--hil-port", f"{t.name}={t.port}"]
    argv += ["-k", keyword] if keyword else []
    return argv


def run(
    targets: list[Target],
    output: BuildOutput,
    services: Services,
    out_dir: Path,
    ca_file: Path | None,
    keyword: str | None,
    ignore: tuple[str, ...] = (),
) -> list[report.Case]:
    """Run the suites on `targets` (flashed with `output`), but for the `ignore`d folders; their
    cases, none if pytest wrote no JUnit XML (its output, in `pytest.log`, says why)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    argv = pytest_argv(targets, output, services, out_dir, ca_file, keyword, ignore)
    env = dict(os.environ)
    if services.auth is not None:
        env[TOKEN_ENV] = services.auth.admin_token
    with (out_dir / "pytest.log").open("w") as log:
        subprocess.run(argv, stdout=log, stderr=subprocess.STDOUT, check=False, cwd=ROOT, env=env)
    junit = out_dir / "junit.xml"
    if not junit.is_file():
        return []
    return report.read_junit(junit.read_text(encoding="utf-8"), [t.name for t in targets])
