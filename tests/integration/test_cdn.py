"""The CDN over real HTTP: a `grouploop cdn --port 0` process (fixture `cdn`), every route."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from cdn import manifest
from cdn.app import JS_DIR, NODE_MODULES, NPM_FILES, STATIC_DIR
from grouploop import signing
from tests.fixtures.cdn import CdnServer

IMAGE = bytes(range(256)) * 64 + b"grouploop-image"


def publish(cdn: CdnServer, data: bytes, name: str, tmp_path: Path) -> manifest.Build:
    src = tmp_path / f"src-{name}"
    src.write_bytes(data)
    return manifest.publish(
        src,
        cdn.firmware_dir,
        board="seeed_xiao_esp32c3",
        version="1.2.3",
        stand_in=True,
        name=name,
        key=signing.load_key(signing.default_key_path()),  # the session's (tests.fixtures)
    )


def json_body(body: bytes) -> dict:
    return json.loads(body.decode())


def test_status_counts_files_builds_and_commands(cdn: CdnServer, tmp_path: Path) -> None:
    status, headers, body = cdn.get("/")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    info = json_body(body)
    js_count = len(list(JS_DIR.glob("*.js"))) + (NODE_MODULES / NPM_FILES["p5.min.js"]).is_file()
    assert info["service"] == "grouploop-cdn"
    assert info["js_files"] == js_count >= 2
    assert info["firmware_builds"] == 0
    assert info["commands_version"] == 1
    publish(cdn, IMAGE, "fw-a.bin", tmp_path)
    publish(cdn, IMAGE + b"2", "fw-b.bin", tmp_path)
    assert json_body(cdn.get("/")[2])["firmware_builds"] == 2


@pytest.mark.parametrize("name", ["HitloopDevice.js", "HitloopDeviceManager.js"])
def test_js_libraries_are_served_as_javascript(cdn: CdnServer, name: str) -> None:
    status, headers, body = cdn.get(f"/js/{name}")
    assert status == 200
    assert headers["Content-Type"].startswith("text/javascript")
    assert body == (JS_DIR / name).read_bytes()
    assert name in json_body(cdn.get("/js/")[2])["files"]


def test_p5_is_served_from_node_modules(cdn: CdnServer) -> None:
    installed = NODE_MODULES / NPM_FILES["p5.min.js"]
    if not installed.is_file():
        pytest.fail("node_modules/p5 missing: `make setup` runs npm install")
    status, _, body = cdn.get("/js/p5.min.js")
    assert status == 200
    assert body == installed.read_bytes()


def test_commands_json_is_the_one_table(cdn: CdnServer) -> None:
    status, headers, body = cdn.get("/static/commands.json")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert json_body(body) == json.loads((STATIC_DIR / "commands.json").read_text())


def test_manifest_lists_published_builds(cdn: CdnServer, tmp_path: Path) -> None:
    assert json_body(cdn.get("/firmware/manifest.json")[2]) == {"schema": 1, "builds": []}
    build = publish(cdn, IMAGE, "grouploop-seeed_xiao_esp32c3-1.2.3.bin", tmp_path)
    status, _, body = cdn.get("/firmware/manifest.json")
    assert status == 200
    (entry,) = json_body(body)["builds"]
    assert entry == {
        "board": "seeed_xiao_esp32c3",
        "version": "1.2.3",
        "file": "grouploop-seeed_xiao_esp32c3-1.2.3.bin",
        "size": len(IMAGE),
        "sha256": hashlib.sha256(IMAGE).hexdigest(),
        "md5": hashlib.md5(IMAGE).hexdigest(),
        "build_date": build.build_date,
        "stand_in": True,
        "signature": build.signature,
        "key_id": signing.load_key(signing.default_key_path()).key_id,
    }
    public = signing.trusted_public_keys()[0]
    assert signing.verify(IMAGE, base64.b64decode(entry["signature"]), public)


def test_firmware_download_has_md5_and_etag_and_honours_if_none_match(
    cdn: CdnServer, tmp_path: Path
) -> None:
    publish(cdn, IMAGE, "fw.bin", tmp_path)
    md5 = hashlib.md5(IMAGE).hexdigest()
    status, headers, body = cdn.get("/firmware/fw.bin")
    assert status == 200
    assert body == IMAGE
    assert headers["x-MD5"] == md5
    assert headers["Content-Length"] == str(len(IMAGE))
    assert headers["ETag"] == f'"{md5}"'
    status, headers, body = cdn.get("/firmware/fw.bin", {"If-None-Match": f'"{md5}"'})
    assert (status, body) == (304, b"")
    status, _, body = cdn.get("/firmware/fw.bin", {"If-None-Match": '"stale"'})
    assert (status, body) == (200, IMAGE)
    status, headers, body = cdn.get("/firmware/fw.bin", method="HEAD")
    assert (status, body, headers["x-MD5"]) == (200, b"", md5)


def test_firmware_download_carries_its_signature(cdn: CdnServer, tmp_path: Path) -> None:
    publish(cdn, IMAGE, "fw.bin", tmp_path)
    status, headers, _ = cdn.get("/firmware/fw.bin")
    signature = (cdn.firmware_dir / "fw.bin.sig").read_bytes()
    assert status == 200
    assert headers[signing.SIGNATURE_HEADER] == base64.b64encode(signature).decode()
    assert signing.verify(IMAGE, signature, signing.trusted_public_keys()[0])
    assert cdn.get("/firmware/fw.bin.sig")[2] == signature
    (cdn.firmware_dir / "bare.bin").write_bytes(IMAGE)  # copied in by hand: no signature
    _, headers, _ = cdn.get("/firmware/bare.bin")
    assert signing.SIGNATURE_HEADER not in headers


def test_interrupted_download_resumes_with_range(cdn: CdnServer, tmp_path: Path) -> None:
    publish(cdn, IMAGE, "fw.bin", tmp_path)
    status, headers, body = cdn.get("/firmware/fw.bin", {"Range": "bytes=1000-"})
    assert (status, body) == (206, IMAGE[1000:])
    assert headers["Content-Range"] == f"bytes 1000-{len(IMAGE) - 1}/{len(IMAGE)}"


def test_js_files_support_conditional_get(cdn: CdnServer) -> None:
    _, headers, _ = cdn.get("/js/HitloopDevice.js")
    status, _, body = cdn.get("/js/HitloopDevice.js", {"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")


def test_republished_image_gets_a_new_md5(cdn: CdnServer, tmp_path: Path) -> None:
    publish(cdn, IMAGE, "fw.bin", tmp_path)
    assert cdn.get("/firmware/fw.bin")[1]["x-MD5"] == hashlib.md5(IMAGE).hexdigest()
    changed = IMAGE + b"-v2"
    publish(cdn, changed, "fw.bin", tmp_path)
    status, headers, body = cdn.get("/firmware/fw.bin")
    assert (status, body) == (200, changed)
    assert headers["x-MD5"] == hashlib.md5(changed).hexdigest()
    assert len(json_body(cdn.get("/firmware/manifest.json")[2])["builds"]) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/js/HitloopDevice.js",
        "/static/commands.json",
        "/firmware/manifest.json",
        "/js/missing.js",
    ],
)
def test_cors_allows_any_origin(cdn: CdnServer, path: str) -> None:
    _, headers, _ = cdn.get(path, {"Origin": "http://localhost:5004"})
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight_and_exposed_headers(cdn: CdnServer, tmp_path: Path) -> None:
    status, headers, _ = cdn.get(
        "/static/commands.json",
        {"Origin": "http://example.org", "Access-Control-Request-Method": "GET"},
        method="OPTIONS",
    )
    assert status == 200
    assert headers["Access-Control-Allow-Origin"] == "*"
    publish(cdn, IMAGE, "fw.bin", tmp_path)
    _, headers, _ = cdn.get("/firmware/fw.bin", {"Origin": "http://example.org"})
    exposed = headers["Access-Control-Expose-Headers"].lower()
    assert "x-md5" in exposed and signing.SIGNATURE_HEADER.lower() in exposed


@pytest.mark.parametrize(
    "path",
    [
        "/js/missing.js",
        "/firmware/missing.bin",
        "/static/missing.json",
        "/nowhere",
    ],
)
def test_missing_files_get_a_json_404(cdn: CdnServer, path: str) -> None:
    status, headers, body = cdn.get(path)
    assert status == 404
    assert headers["Content-Type"] == "application/json"
    assert json_body(body) == {"error": f"not found: {path}", "status": 404}


TRAVERSALS = [
    "/firmware/../secret.txt",
    "/firmware/%2e%2e/secret.txt",
    "/firmware/%2e%2e%2fsecret.txt",
    "/firmware/..%2fsecret.txt",
    "/firmware/..%2Fsecret.txt",
    "/firmware/..%5csecret.txt",
    "/firmware/..\\secret.txt",
    "/firmware/%2e%2e%5csecret.txt",
    "/firmware/....//secret.txt",
    "/firmware/%252e%252e%252fsecret.txt",
    "/firmware//SECRET_ABS",
    "/firmware/%2FSECRET_ABS",
    "/firmware/.manifest.json.lock",
    "/js/../app.py",
    "/js/..%2fapp.py",
    "/js/%2e%2e%2fapp.py",
    "/js/..%2f..%2fcdn%2fapp.py",
    "/js/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/js/..%2f..%2fnode_modules%2fp5%2fpackage.json",
    "/static/..%2fapp.py",
    "/static/%2e%2e/app.py",
    "/static/commands.json/../../app.py",
]


def test_no_path_traversal(cdn: CdnServer, tmp_path: Path) -> None:
    secret = "TOP-SECRET-CONTENT"
    (tmp_path / "secret.txt").write_text(secret)
    absolute = tmp_path / "abs-secret.txt"
    absolute.write_text(secret)
    publish(cdn, IMAGE, "fw.bin", tmp_path)
    for raw in TRAVERSALS:
        path = raw.replace("SECRET_ABS", str(absolute).lstrip("/"))
        status, _, body = cdn.get(path)
        assert status in (400, 404), f"{path} answered {status}"
        assert secret.encode() not in body, path
        assert b"def create_app" not in body, path
        assert b"[project]" not in body, path
        assert json_body(body)["status"] == status, path


def test_broken_manifest_is_reported_not_hidden(cdn: CdnServer) -> None:
    (cdn.firmware_dir / "manifest.json").write_text('{"schema": 1, "builds": [{"file": "x"}]}')
    status, _, body = cdn.get("/firmware/manifest.json")
    assert status == 500
    assert "lacks" in json_body(body)["error"]
    status, _, body = cdn.get("/")
    assert status == 200
    assert json_body(body)["firmware_builds"] is None


def test_sigterm_stops_the_cdn_cleanly(cdn: CdnServer) -> None:
    assert cdn.service.port > 0
    assert cdn.service.stop() == 0
