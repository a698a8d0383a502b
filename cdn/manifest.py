"""The firmware manifest: which builds the CDN offers under /firmware/.

The manifest is `manifest.json` in the firmware folder (schema in docs/cdn.md):

    {"schema": 1, "builds": [{"board": ..., "version": ..., "file": ..., "size": ...,
     "sha256": ..., "md5": ..., "build_date": ..., "stand_in": false,
     "signature": "<base64 DER>", "key_id": "<16 hex>"}, ...]}

The CDN only reads it; `grouploop publish` (bench) adds builds with `publish()`. Entries
from before signing have no signature ("").

Publishing is atomic: the manifest and the files the CDN serves always agree, whatever
happens to the publisher (killed at any point, another publisher at the same time, a full
disk). Under an exclusive lock held for the whole publish:

1. leftovers of a publisher that was killed (`.*.tmp`, blobs no entry lists) are removed;
2. the image is stored by content, `.blobs/<sha256>` (written aside, fsynced, renamed);
3. the manifest is rewritten aside and renamed over the old one: the one commit point;
4. the image and its signature are then also placed under the build's name (a hard link to
   the blob and `<file>.sig`) for tools that read the folder.

The CDN serves a listed build's bytes from its blob (`served_file`), and its signature from
the entry, so a reader sees either the old manifest with the old image or the new with the
new, never a mix; an unlisted plain file in the folder is served as it is (regular files
only: a symlink is not followed). A full disk fails before the commit with a clear error,
and nothing was published.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import stat
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grouploop import settings, signing
from grouploop.files import write_atomic

SCHEMA = 1
MANIFEST_NAME = "manifest.json"
BLOBS = ".blobs"  # listed builds' images by content (never served by this name)
LEFTOVER = re.compile(r"^\..*\.tmp$")  # grouploop.files.write_atomic's temporary files
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
# A file name the CDN may serve: no folders, no hidden or temporary files.
SAFE_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


class ManifestError(ValueError):
    """The manifest or a build entry is invalid; the message says what is wrong."""


@dataclass(frozen=True)
class Build:
    board: str
    version: str
    file: str
    size: int
    sha256: str
    md5: str
    build_date: str
    stand_in: bool = False
    signature: str = ""  # base64 of the DER ECDSA P-256 signature of the file's SHA-256
    key_id: str = ""  # of the key that made it (grouploop.signing.key_id)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Build:
        if not isinstance(raw, Mapping):
            raise ManifestError(f"a build entry must be an object, not {type(raw).__name__}")
        missing = [name for name in _REQUIRED if name not in raw]
        if missing:
            raise ManifestError(f"build entry {raw.get('file', '?')!r} lacks {missing}")
        build = cls(**{name: raw[name] for name in _FIELDS if name in raw})
        build.validate()
        return build

    def validate(self) -> None:
        for name in ("board", "version", "build_date"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise ManifestError(f"{self.file!r}: {name} must be a non-empty string")
        if not isinstance(self.file, str) or not SAFE_FILE.match(self.file):
            raise ManifestError(f"file {self.file!r} must be a plain file name")
        if self.file == MANIFEST_NAME:
            raise ManifestError(f"a build cannot be called {MANIFEST_NAME}")
        if not isinstance(self.size, int) or isinstance(self.size, bool) or self.size < 0:
            raise ManifestError(f"{self.file!r}: size must be a non-negative integer")
        if not isinstance(self.sha256, str) or not re.fullmatch(r"[0-9a-f]{64}", self.sha256):
            raise ManifestError(f"{self.file!r}: sha256 must be 64 lowercase hex digits")
        if not isinstance(self.md5, str) or not re.fullmatch(r"[0-9a-f]{32}", self.md5):
            raise ManifestError(f"{self.file!r}: md5 must be 32 lowercase hex digits")
        if not isinstance(self.stand_in, bool):
            raise ManifestError(f"{self.file!r}: stand_in must be true or false")
        if not isinstance(self.signature, str) or not re.fullmatch(
            r"[A-Za-z0-9+/=]*", self.signature
        ):
            raise ManifestError(f"{self.file!r}: signature must be base64")
        if not isinstance(self.key_id, str) or not re.fullmatch(r"(|[0-9a-f]{16})", self.key_id):
            raise ManifestError(f"{self.file!r}: key_id must be 16 lowercase hex digits")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_FIELDS = tuple(Build.__dataclass_fields__)
_REQUIRED = tuple(name for name in _FIELDS if name not in ("stand_in", "signature", "key_id"))


def default_firmware_dir(env: Mapping[str, str] | None = None) -> Path:
    """CDN_FIRMWARE_DIR, or var/firmware in the project; the CDN and publish share it."""
    return settings.load(env).cdn_firmware_dir


def digests_of(data: bytes) -> tuple[int, str, str]:
    """(size, sha256 hex, md5 hex) of bytes."""
    return len(data), hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()


def digests(path: Path) -> tuple[int, str, str]:
    """(size, sha256 hex, md5 hex) of a file, read in chunks."""
    sha256, md5, size = hashlib.sha256(), hashlib.md5(), 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return size, sha256.hexdigest(), md5.hexdigest()


def load(firmware_dir: Path) -> list[Build]:
    """The builds listed in the folder's manifest; none when there is no manifest yet."""
    path = firmware_dir / MANIFEST_NAME
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ManifestError(f"{path} is not readable JSON: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("schema") != SCHEMA:
        raise ManifestError(f"{path}: expected an object with schema {SCHEMA}")
    builds = raw.get("builds")
    if not isinstance(builds, list):
        raise ManifestError(f"{path}: 'builds' must be a list")
    return [Build.from_dict(entry) for entry in builds]


def document(builds: list[Build]) -> dict[str, Any]:
    """The manifest as JSON-ready data, newest build first."""
    ordered = sorted(builds, key=lambda b: (b.build_date, b.file), reverse=True)
    return {"schema": SCHEMA, "builds": [b.to_dict() for b in ordered]}


@contextlib.contextmanager
def _locked(firmware_dir: Path) -> Iterator[None]:
    # One publisher at a time: read-modify-write of the manifest must not interleave.
    with (firmware_dir / f".{MANIFEST_NAME}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def add_build(firmware_dir: Path, build: Build) -> list[Build]:
    """Add (or replace, by file name) one entry; returns the manifest's builds."""
    build.validate()
    firmware_dir.mkdir(parents=True, exist_ok=True)
    with _locked(firmware_dir):
        builds = [b for b in load(firmware_dir) if b.file != build.file] + [build]
        _write_manifest(firmware_dir, builds)
    return builds


def publish(
    image: Path,
    firmware_dir: Path,
    *,
    board: str,
    version: str,
    stand_in: bool,
    name: str,
    key: signing.SigningKey,
) -> Build:
    """Store `image` in the firmware folder, sign it and list it in the manifest as `name`,
    atomically (see the module docstring). A full disk raises ManifestError, having changed
    nothing."""
    if not SAFE_FILE.match(name) or name == MANIFEST_NAME:
        raise ManifestError(f"file {name!r} must be a plain file name")
    data = image.read_bytes()
    signature = key.sign(data)
    size, sha256, md5 = digests_of(data)
    date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    build = Build(
        board, version, name, size, sha256, md5, date, stand_in, signing.b64(signature), key.key_id
    )
    build.validate()
    firmware_dir.mkdir(parents=True, exist_ok=True)
    with _locked(firmware_dir):
        _remove_leftovers(firmware_dir)
        try:
            blob = _blob(firmware_dir, sha256)
            if not is_regular_file(blob):
                blob.parent.mkdir(exist_ok=True)
                write_atomic(blob, data)
            builds = [b for b in load(firmware_dir) if b.file != name] + [build]
            _write_manifest(firmware_dir, builds)  # the commit point
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                raise ManifestError(
                    f"no room in {firmware_dir} ({os.strerror(exc.errno or 0)}): nothing was "
                    f"published, {name} and the manifest are as they were; free some space "
                    "and publish again"
                ) from exc
            raise
        finally:
            _remove_unlisted_blobs(firmware_dir)
        _place_by_name(firmware_dir, build, blob, signature)
    return build


def served_file(firmware_dir: Path, name: str) -> tuple[Path, Build | None] | None:
    """What the CDN serves as /firmware/<name>: a listed build's image (from its blob, with
    its entry), else a regular file of that name in the folder (no symlink), else None."""
    build = next((b for b in load(firmware_dir) if b.file == name), None)
    if build is not None and is_regular_file(blob := _blob(firmware_dir, build.sha256)):
        return blob, build
    path = firmware_dir / name
    return (path, None) if is_regular_file(path) else None


def _blob(firmware_dir: Path, sha256: str) -> Path:
    return firmware_dir / BLOBS / sha256


def is_regular_file(path: Path) -> bool:
    """A regular file itself, not a symlink to one."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def _write_manifest(firmware_dir: Path, builds: list[Build]) -> None:
    text = json.dumps(document(builds), indent=2) + "\n"
    write_atomic(firmware_dir / MANIFEST_NAME, text.encode())


def _remove_leftovers(firmware_dir: Path) -> None:
    """Temporary files of a publisher that was killed (under the lock, nobody else writes)."""
    for folder in (firmware_dir, firmware_dir / BLOBS):
        if folder.is_dir():
            for path in folder.iterdir():
                if LEFTOVER.match(path.name):
                    path.unlink(missing_ok=True)
    _remove_unlisted_blobs(firmware_dir)


def _remove_unlisted_blobs(firmware_dir: Path) -> None:
    folder = firmware_dir / BLOBS
    if not folder.is_dir():
        return
    try:
        listed = {b.sha256 for b in load(firmware_dir)}
    except ManifestError:
        return  # an unreadable manifest: keep everything
    for path in folder.iterdir():
        if path.name not in listed and not LEFTOVER.match(path.name):
            path.unlink(missing_ok=True)


def _place_by_name(firmware_dir: Path, build: Build, blob: Path, signature: bytes) -> None:
    """The published image and `<file>.sig` under the build's name, for tools reading the
    folder (the CDN serves the blob). After the commit: a failure here loses nothing."""
    target = firmware_dir / build.file
    link = target.with_name(f".{target.name}.link.tmp")
    with contextlib.suppress(OSError):
        link.unlink(missing_ok=True)
        os.link(blob, link)
        os.replace(link, target)
        write_atomic(signing.signature_path(target), signature)
