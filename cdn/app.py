"""The CDN as a Flask app: JS libraries, firmware builds and the command table.

Routes (docs/cdn.md): `/` status, `/js/<file>`, `/firmware/<file>`, `/firmware/manifest.json`,
`/static/commands.json`. A firmware image goes out with its MD5 (`x-MD5`) and, when
`<file>.sig` lies beside it, its signature (`X-GroupLoop-Signature`, base64 DER). Every
answer allows any origin (the web apps live on other ports) and every error is JSON. Files
are only ever served by name from their own folder (`send_from_directory` joins safely), so
no URL reaches a file outside it.
"""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Any

from flask import Flask, Response, jsonify, request, send_from_directory
from flask_cors import CORS
from werkzeug.exceptions import HTTPException, NotFound

from cdn import manifest
from grouploop import __version__, settings, signing

CDN_DIR = Path(__file__).resolve().parent
JS_DIR = CDN_DIR / "js"
STATIC_DIR = CDN_DIR / "static"
NODE_MODULES = settings.PROJECT_ROOT / "node_modules"
# Libraries installed by npm (package.json) and served under /js/ by name.
NPM_FILES = {"p5.min.js": Path("p5/lib/p5.min.js")}

log = logging.getLogger("cdn")


class _Md5Cache:
    """MD5 of firmware images, recomputed only when a file's size or mtime changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[Path, tuple[int, int, str]] = {}

    def md5(self, path: Path) -> str:
        stat = path.stat()
        key = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            cached = self._known.get(path)
        if cached and cached[:2] == key:
            return cached[2]
        _, _, md5 = manifest.digests(path)
        with self._lock:
            self._known[path] = (*key, md5)
        return md5


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message, status=status), status


def _plain_name(name: str) -> str:
    """Refuse anything but a plain file name before touching the file system."""
    if not manifest.SAFE_FILE.match(name):
        raise NotFound(f"no file {name!r}")
    return name


def create_app(
    firmware_dir: Path,
    *,
    js_dir: Path = JS_DIR,
    node_modules: Path = NODE_MODULES,
    commands_path: Path = STATIC_DIR / "commands.json",
) -> Flask:
    """The CDN app serving firmware from `firmware_dir` (created when missing)."""
    firmware_dir.mkdir(parents=True, exist_ok=True)
    app = Flask(__name__, static_folder=None)
    CORS(
        app,
        origins="*",
        send_wildcard=True,
        expose_headers=["x-MD5", signing.SIGNATURE_HEADER, "ETag", "Content-Length"],
    )
    md5_cache = _Md5Cache()

    def js_files() -> list[str]:
        own = sorted(p.name for p in js_dir.glob("*.js") if p.is_file())
        return own + [n for n, rel in NPM_FILES.items() if (node_modules / rel).is_file()]

    @app.get("/")
    def status() -> Any:
        commands = json.loads(commands_path.read_text(encoding="utf-8"))
        # The status page stays up when the manifest is broken, and says so.
        try:
            firmware: dict[str, Any] = {"firmware_builds": len(manifest.load(firmware_dir))}
        except manifest.ManifestError as exc:
            firmware = {"firmware_builds": None, "manifest_error": str(exc)}
        return jsonify(
            service="grouploop-cdn",
            version=__version__,
            js_files=len(js_files()),
            **firmware,
            commands_version=commands.get("version"),
            commands=len(commands.get("commands", {})),
            routes=[
                "/js/<file>",
                "/firmware/<file>",
                "/firmware/manifest.json",
                "/static/commands.json",
            ],
        )

    @app.get("/js/")
    def js_index() -> Any:
        return jsonify(files=js_files())

    @app.get("/js/<name>")
    def js(name: str) -> Any:
        name = _plain_name(name)
        if name in NPM_FILES:
            path = node_modules / NPM_FILES[name]
            if not path.is_file():
                return _error(404, f"{name} is not installed: run `make setup` (npm install)")
            return send_from_directory(path.parent, path.name, mimetype="text/javascript")
        return send_from_directory(js_dir, name, mimetype="text/javascript")

    @app.get("/firmware/manifest.json")
    def firmware_manifest() -> Any:
        try:
            builds = manifest.load(firmware_dir)
        except manifest.ManifestError as exc:
            log.error("[ERROR] %s", exc)
            return _error(500, f"firmware manifest is invalid: {exc}")
        response = jsonify(manifest.document(builds))
        response.cache_control.no_cache = True
        return response

    @app.get("/firmware/<name>")
    def firmware(name: str) -> Any:
        path = firmware_dir / _plain_name(name)
        if not path.is_file():
            raise NotFound(f"no firmware file {name!r}")
        md5 = md5_cache.md5(path)
        # A content ETag (not mtime-based): a republished identical image stays cached.
        response = send_from_directory(
            firmware_dir, name, mimetype="application/octet-stream", etag=md5, max_age=0
        )
        response.headers["x-MD5"] = md5
        signature = signing.signature_path(path)
        if signature.is_file():
            response.headers[signing.SIGNATURE_HEADER] = signing.b64(signature.read_bytes())
        return response

    @app.get("/static/commands.json")
    def commands() -> Any:
        return send_from_directory(
            commands_path.parent, commands_path.name, mimetype="application/json", max_age=0
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if exc.code == 404:
            return _error(404, f"not found: {request.path}")
        return _error(exc.code or 500, exc.description or exc.name)

    @app.after_request
    def access_log(response: Response) -> Response:
        log.info("%s %s %s", request.method, request.full_path.rstrip("?"), response.status_code)
        return response

    return app
