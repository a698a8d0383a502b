"""cdn.manifest: validation, loading, atomic add, publish (files in a temp folder)."""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from cdn import manifest
from cdn.manifest import Build, ManifestError
from grouploop import settings, signing
from tests.fixtures.signing import SessionSigning

DATA = b"\xe9" + bytes(4095)


def good(**changes: object) -> dict:
    entry = {
        "board": "esp32-c3-devkitm-1",
        "version": "1.0.0",
        "file": "fw.bin",
        "size": 4096,
        "sha256": hashlib.sha256(DATA).hexdigest(),
        "md5": hashlib.md5(DATA).hexdigest(),
        "build_date": "2026-11-25T21:00:00Z",
    }
    entry.update(changes)
    return entry


def test_missing_manifest_means_no_builds(tmp_path: Path) -> None:
    assert manifest.load(tmp_path) == []


def test_entry_round_trip_and_stand_in_default() -> None:
    build = Build.from_dict(good())
    assert build.stand_in is False
    assert Build.from_dict(build.to_dict()) == build


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"file": "../fw.bin"}, "plain file name"),
        ({"file": ".hidden"}, "plain file name"),
        ({"file": "a/b.bin"}, "plain file name"),
        ({"file": "manifest.json"}, "cannot be called"),
        ({"size": -1}, "size"),
        ({"size": True}, "size"),
        ({"sha256": "ABC"}, "sha256"),
        ({"md5": hashlib.md5(DATA).hexdigest().upper()}, "md5"),
        ({"board": ""}, "board"),
        ({"version": 1}, "version"),
        ({"stand_in": "no"}, "stand_in"),
        ({"signature": "not base64!"}, "signature"),
        ({"key_id": "ABCDEF0123456789"}, "key_id"),
        ({"key_id": "abc"}, "key_id"),
    ],
)
def test_invalid_entries_are_refused_with_a_reason(changes: dict, reason: str) -> None:
    with pytest.raises(ManifestError, match=reason):
        Build.from_dict(good(**changes))


def test_missing_fields_are_named() -> None:
    entry = good()
    del entry["sha256"]
    with pytest.raises(ManifestError, match="sha256"):
        Build.from_dict(entry)


@pytest.mark.parametrize(
    "text", ["{", "[]", '{"schema": 2, "builds": []}', '{"schema": 1, "builds": {}}']
)
def test_broken_manifest_files_raise(tmp_path: Path, text: str) -> None:
    (tmp_path / "manifest.json").write_text(text)
    with pytest.raises(ManifestError):
        manifest.load(tmp_path)


def test_add_build_replaces_by_file_name_and_orders_newest_first(tmp_path: Path) -> None:
    manifest.add_build(tmp_path, Build.from_dict(good(file="a.bin", build_date="2026-01-01")))
    manifest.add_build(tmp_path, Build.from_dict(good(file="b.bin", build_date="2026-02-01")))
    manifest.add_build(
        tmp_path, Build.from_dict(good(file="a.bin", version="2.0.0", build_date="2026-03-01"))
    )
    doc = json.loads((tmp_path / "manifest.json").read_text())
    assert doc["schema"] == 1
    assert [(b["file"], b["version"]) for b in doc["builds"]] == [
        ("a.bin", "2.0.0"),
        ("b.bin", "1.0.0"),
    ]
    # Only the manifest and the lock file remain: no temporary files left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [".manifest.json.lock", "manifest.json"]


def test_concurrent_publishers_lose_no_entry(tmp_path: Path) -> None:
    builds = [Build.from_dict(good(file=f"fw{i}.bin")) for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda b: manifest.add_build(tmp_path, b), builds))
    assert {b.file for b in manifest.load(tmp_path)} == {b.file for b in builds}


def test_publish_copies_signs_and_records_the_image(
    tmp_path: Path, signing_keys: SessionSigning
) -> None:
    src = tmp_path / "build.bin"
    src.write_bytes(DATA)
    fw = tmp_path / "firmware"
    key = signing_keys.key
    build = manifest.publish(
        src,
        fw,
        board="seeed_xiao_esp32c3",
        version="1.0.0",
        stand_in=False,
        name="grouploop-1.0.0.bin",
        key=key,
    )
    assert (fw / "grouploop-1.0.0.bin").read_bytes() == DATA
    signature = (fw / "grouploop-1.0.0.bin.sig").read_bytes()
    assert signing.verify(DATA, signature, key.public)
    assert build == Build.from_dict(
        good(
            board="seeed_xiao_esp32c3",
            file="grouploop-1.0.0.bin",
            build_date=build.build_date,
            signature=signing.b64(signature),
            key_id=key.key_id,
        )
    )
    assert manifest.load(fw) == [build]
    with pytest.raises(ManifestError):
        manifest.publish(src, fw, board="b", version="v", stand_in=False, name="../x.bin", key=key)


def test_default_firmware_dir_follows_the_environment(tmp_path: Path) -> None:
    assert manifest.default_firmware_dir({"CDN_FIRMWARE_DIR": str(tmp_path)}) == tmp_path
    assert manifest.default_firmware_dir({}) == settings.PROJECT_ROOT / "var" / "firmware"
