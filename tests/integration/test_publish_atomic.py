"""Publishing is atomic (issue 10 item 7): real `grouploop publish` processes, a real CDN.

Killed at every step it takes, run twice at once, or stopped by a full disk, a publish never
leaves the CDN serving bytes that differ from the manifest's sha256, nor a file the manifest
does not list, and leaves no temporary files behind. The full disk is simulated with
RLIMIT_FSIZE on the publish process (a file may not grow past the limit: EFBIG, as a full
disk's ENOSPC), which needs no root and no mount. And the CDN serves regular files inside its
folder only: a symlink there (to /etc/passwd) is not followed.
"""

from __future__ import annotations

import hashlib
import json
import resource
import subprocess
from pathlib import Path

from benchmarks.publish_chaos import (
    NAME,
    Cdn,
    Tally,
    check,
    concurrent,
    images,
    kills,
    leftovers,
    publish_argv,
)
from cdn import manifest
from grouploop import signing
from grouploop.settings import PROJECT_ROOT
from tests.fixtures.cdn import CdnServer
from tests.fixtures.signing import SessionSigning
from tests.support.timing import scaled


def test_killed_and_concurrent_publishes_keep_manifest_and_files_in_agreement(
    tmp_path: Path, signing_keys: SessionSigning
) -> None:
    firmware_dir = tmp_path / "firmware"
    firmware_dir.mkdir()
    sources = images(tmp_path, 3)
    cdn = Cdn(PROJECT_ROOT, firmware_dir, tmp_path / "cdn.log")
    try:
        killed = kills(cdn, firmware_dir, sources, signing_keys.key.path, 16, PROJECT_ROOT)
        raced = concurrent(cdn, firmware_dir, sources, signing_keys.key.path, 8, PROJECT_ROOT)
        # One more publish that completes: whatever the kills left is cleaned up.
        done = subprocess.run(
            publish_argv(sources[0], firmware_dir, signing_keys.key.path),
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=scaled(60),
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        final = Tally()
        check(cdn, final)
    finally:
        cdn.stop()
    assert (killed.mismatches, killed.unlisted) == (0, 0), killed
    assert (raced.mismatches, raced.unlisted) == (0, 0), raced
    assert (final.mismatches, final.unlisted) == (0, 0), final
    assert leftovers(firmware_dir) == []
    listed = {b.sha256 for b in manifest.load(firmware_dir)}
    assert {p.name for p in (firmware_dir / manifest.BLOBS).iterdir()} == listed


def publish_with_file_limit(image: Path, firmware_dir: Path, key: Path, limit: int):
    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        publish_argv(image, firmware_dir, key),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=scaled(60),
        check=False,
        preexec_fn=limit_file_size,
    )


def test_a_full_disk_fails_clearly_and_publishes_nothing(
    cdn: CdnServer, tmp_path: Path, signing_keys: SessionSigning
) -> None:
    first, second = images(tmp_path, 2)
    key = signing_keys.key.path
    done = publish_with_file_limit(first, cdn.firmware_dir, key, 1 << 30)
    assert done.returncode == 0, done.stdout + done.stderr
    before = (cdn.firmware_dir / manifest.MANIFEST_NAME).read_bytes()
    _, _, served_before = cdn.get(f"/firmware/{NAME}")

    # Room for nothing as big as the image: the disk fills while it is written.
    done = publish_with_file_limit(second, cdn.firmware_dir, key, 64 * 1024)
    assert done.returncode == 1
    assert "no room in" in done.stdout and "nothing was published" in done.stdout, done.stdout
    assert (cdn.firmware_dir / manifest.MANIFEST_NAME).read_bytes() == before
    status, _, served = cdn.get(f"/firmware/{NAME}")
    assert (status, served) == (200, served_before)
    entry = json.loads(before)["builds"][0]
    assert hashlib.sha256(served).hexdigest() == entry["sha256"]
    assert leftovers(cdn.firmware_dir) == []


def test_a_new_name_on_a_full_disk_is_neither_served_nor_listed(
    cdn: CdnServer, tmp_path: Path, signing_keys: SessionSigning
) -> None:
    # The image fits, the manifest (with many builds listed) does not: before, the image was
    # served while the manifest did not list it.
    for n in range(40):
        manifest.add_build(
            cdn.firmware_dir,
            manifest.Build("b", "0.0.1", f"old-{n}.bin", 1, "0" * 64, "0" * 32, "2026-01-01"),
        )
    (image,) = images(tmp_path, 1)
    size = (cdn.firmware_dir / manifest.MANIFEST_NAME).stat().st_size
    image.write_bytes(image.read_bytes()[: size - 1024])  # smaller than the manifest
    done = publish_with_file_limit(image, cdn.firmware_dir, signing_keys.key.path, size - 512)
    assert done.returncode == 1, done.stdout
    assert "no room in" in done.stdout, done.stdout
    assert cdn.get(f"/firmware/{NAME}")[0] == 404
    assert NAME not in {b.file for b in manifest.load(cdn.firmware_dir)}
    assert leftovers(cdn.firmware_dir) == []


def test_a_symlink_in_the_firmware_folder_is_not_served(cdn: CdnServer) -> None:
    cdn.firmware_dir.mkdir(parents=True, exist_ok=True)
    (cdn.firmware_dir / "passwd").symlink_to("/etc/passwd")
    (cdn.firmware_dir / "fw.bin").write_bytes(b"image")
    (cdn.firmware_dir / "fw.bin.sig").symlink_to("/etc/passwd")
    assert cdn.get("/firmware/passwd")[0] == 404
    status, headers, body = cdn.get("/firmware/fw.bin")
    assert (status, body) == (200, b"image")
    assert signing.SIGNATURE_HEADER not in headers  # the symlinked signature is ignored too
