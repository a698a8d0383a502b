"""The docs site builds with `mkdocs build --strict` (broken links, missing nav pages fail)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.timing import scaled

ROOT = Path(__file__).resolve().parents[2]


def test_docs_build_strict(tmp_path: Path) -> None:
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=scaled(120),
        check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert run.returncode == 0, run.stdout + run.stderr
    architecture = (site / "architecture" / "index.html").read_text()
    assert '<pre class="mermaid"><code>flowchart LR' in architecture
    for page in ("protocol", "cdn", "js-library", "getting-started"):
        assert (site / page / "index.html").is_file(), page
