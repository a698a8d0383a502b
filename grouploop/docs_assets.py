"""MkDocs hook (mkdocs.yml `hooks:`): the docs site carries the browser libraries it needs.

The docs must work on a venue's Wi-Fi with no internet, so no page may fetch anything from
outside the machine. Material for MkDocs loads mermaid from unpkg.com unless a `mermaid`
global already exists; mermaid comes from npm (package.json) instead, and this hook adds it
to the site (built or served by `mkdocs serve`) at the path mkdocs.yml's `extra_javascript`
names, so the page has loaded it before Material looks.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[1]

# Site path → the npm file it is copied from.
VENDORED = {
    "javascripts/mermaid.min.js": ROOT / "node_modules" / "mermaid" / "dist" / "mermaid.min.js",
}


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for site_path, source in VENDORED.items():
        if not source.is_file():
            raise PluginError(f"{source} is missing: run `npm install` (or `make setup`)")
        files.append(File.generated(config, site_path, abs_src_path=str(source)))
    return files
