"""The firmware manifest: which builds the CDN offers under /firmware/.

The manifest is `manifest.json` in the firmware folder (schema in docs/cdn.md):

    {"schema": 1, "builds": [{"board": ..., "version": ..., "file": ..., "size": ...,
     "sha256": ..., "md5": ..., "build_date": ..., "stand_in": false,
     "signature": "<base64 DER>", "key_id": "<16 hex>"}, ...]}

The CDN only reads it; `grouploop publish` (bench) adds builds with `publish()`, which copies
the image, signs it (`<file>.sig` beside it, grouploop.signing) and rewrites the manifest
atomically under a lock, so a reader never sees a half-written manifest and two publishers
never lose each other's entry. Entries from before signing have no signature ("").
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grouploop import settings, signing
from grouploop.files import write_atomic

SCHEMA = 1
MANIFEST_NAME = "manifest.json"
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


def digests(path: Path) -> tuple[int, str, str]:
    """(size, sha256 hex, md5 hex) of a file, read in chunks."""
    sha256, md5, size = hashlib.sha256(), hashlib.md5(), 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 16):
            sha256.update(chunk)
            md5.update(chunk)
            size += len(chunk)
    return size, sha256.hexdigest(), md5.hexdigest()


def build_for(
    path: Path,
    *,
    board: str,
    version: str,
    stand_in: bool,
    build_date: str | None = None,
    signature: bytes = b"",
    key_id: str = "",
) -> Build:
    """The manifest entry describing the image at `path` (under its own file name)."""
    size, sha256, md5 = digests(path)
    date = build_date or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    sig = signing.b64(signature) if signature else ""
    build = Build(board, version, path.name, size, sha256, md5, date, stand_in, sig, key_id)
    build.validate()
    return build


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
        text = json.dumps(document(builds), indent=2) + "\n"
        write_atomic(firmware_dir / MANIFEST_NAME, text.encode())
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
    """Copy `image` into the firmware folder as `name`, sign it and list it in the manifest."""
    if not SAFE_FILE.match(name) or name == MANIFEST_NAME:
        raise ManifestError(f"file {name!r} must be a plain file name")
    firmware_dir.mkdir(parents=True, exist_ok=True)
    target = firmware_dir / name
    data = image.read_bytes()
    # Signature first: while the new image replaces an old one of the same name, the pair on
    # disk may disagree for a moment; a device then refuses the image, it never runs it.
    signature = key.sign(data)
    write_atomic(signing.signature_path(target), signature)
    write_atomic(target, data)  # a download never sees a partial image
    build = build_for(
        target,
        board=board,
        version=version,
        stand_in=stand_in,
        signature=signature,
        key_id=key.key_id,
    )
    add_build(firmware_dir, build)
    return build
