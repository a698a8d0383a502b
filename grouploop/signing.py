"""Firmware signing keys and signatures (docs/security.md, "Signed firmware").

- The signing key is an ECDSA P-256 private key in a PEM file outside the repository:
  `--key`, else GROUPLOOP_SIGNING_KEY, else `~/.config/grouploop/keys/signing-key.pem`
  (XDG_CONFIG_HOME is honoured), created with mode 0600 by `grouploop keys init`.
- A signature is the DER ECDSA signature of the image's SHA-256, written beside the image as
  `<image>.sig`, listed (base64) in the CDN manifest with the key id, and sent by the CDN with
  the image in the `X-GroupLoop-Signature` header (base64), where devices take it from.
- A key id is the first 16 hex chars of the SHA-256 of the public key's DER
  SubjectPublicKeyInfo (the firmware core computes the same).
- Trusted public keys are PEM files in a folder: `firmware/keys/` is what the firmware build
  compiles in; emulated devices read the folder GROUPLOOP_TRUSTED_KEYS names, else that one.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed

from grouploop.files import write_atomic
from grouploop.settings import PROJECT_ROOT

SIGNING_KEY_ENV = "GROUPLOOP_SIGNING_KEY"
TRUSTED_KEYS_ENV = "GROUPLOOP_TRUSTED_KEYS"
FIRMWARE_KEYS_DIR = PROJECT_ROOT / "firmware" / "keys"
KEY_FILE_NAME = "signing-key.pem"
SIGNATURE_SUFFIX = ".sig"
SIGNATURE_HEADER = "X-GroupLoop-Signature"


class SigningError(RuntimeError):
    """A key is missing, unreadable or of the wrong kind; the message says what to do."""


def default_key_path(env: Mapping[str, str] | None = None) -> Path:
    """GROUPLOOP_SIGNING_KEY, else the user's config folder (never inside the project)."""
    env = os.environ if env is None else env
    if env.get(SIGNING_KEY_ENV):
        return Path(env[SIGNING_KEY_ENV])
    config = Path(env.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return config / "grouploop" / "keys" / KEY_FILE_NAME


def trusted_keys_dir(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    return Path(env.get(TRUSTED_KEYS_ENV) or FIRMWARE_KEYS_DIR)


def public_der(public: ec.EllipticCurvePublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_pem(public: ec.EllipticCurvePublicKey) -> bytes:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(public: ec.EllipticCurvePublicKey) -> str:
    return hashlib.sha256(public_der(public)).hexdigest()[:16]


@dataclass(frozen=True)
class SigningKey:
    path: Path
    private: ec.EllipticCurvePrivateKey

    @property
    def public(self) -> ec.EllipticCurvePublicKey:
        return self.private.public_key()

    @property
    def key_id(self) -> str:
        return key_id(self.public)

    def sign(self, data: bytes) -> bytes:
        """DER ECDSA P-256 signature of SHA-256(data)."""
        digest = hashlib.sha256(data).digest()
        return self.private.sign(digest, ec.ECDSA(Prehashed(hashes.SHA256())))


def create_key(path: Path) -> SigningKey:
    """A new P-256 key at `path` (mode 0600, folder 0700); refuses to overwrite one."""
    if path.resolve().is_relative_to(PROJECT_ROOT):
        raise SigningError(f"{path} is inside the project: keep signing keys out of it")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SigningError(f"{path} exists: not overwriting a signing key") from None
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return SigningKey(path, private)


def load_key(path: Path) -> SigningKey:
    try:
        private = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SigningError(
            f"no signing key at {path}: create one with `grouploop keys init`"
        ) from None
    except (OSError, ValueError, TypeError) as exc:
        raise SigningError(f"{path} is not a readable PEM private key: {exc}") from exc
    if not isinstance(private, ec.EllipticCurvePrivateKey) or private.curve.name != "secp256r1":
        raise SigningError(f"{path} is not an ECDSA P-256 key")
    return SigningKey(path, private)


def load_or_create_key(path: Path) -> tuple[SigningKey, bool]:
    """The key at `path`, created there first when missing; (key, created)."""
    if path.exists():
        return load_key(path), False
    return create_key(path), True


def export_public_key(key: SigningKey, keys_dir: Path) -> Path:
    """Write the public key as `<keys_dir>/<key id>.pem`, where the firmware build reads it."""
    keys_dir.mkdir(parents=True, exist_ok=True)
    target = keys_dir / f"{key.key_id}.pem"
    write_atomic(target, public_pem(key.public))
    return target


def signature_path(image: Path) -> Path:
    return image.with_name(image.name + SIGNATURE_SUFFIX)


def sign_file(image: Path, key: SigningKey) -> bytes:
    """Sign the file and write `<image>.sig` (DER); returns the signature."""
    signature = key.sign(image.read_bytes())
    write_atomic(signature_path(image), signature)
    return signature


def b64(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def trusted_public_keys(keys_dir: Path | None = None) -> list[ec.EllipticCurvePublicKey]:
    """The public keys (*.pem) in the folder, by file name; a bad file is an error."""
    keys_dir = keys_dir or trusted_keys_dir()
    keys = []
    for path in sorted(keys_dir.glob("*.pem")):
        try:
            public = serialization.load_pem_public_key(path.read_bytes())
        except ValueError as exc:
            raise SigningError(f"{path} is not a PEM public key: {exc}") from exc
        if not isinstance(public, ec.EllipticCurvePublicKey):
            raise SigningError(f"{path} is not an EC public key")
        keys.append(public)
    return keys


def trusted_keys_der(keys_dir: Path | None = None) -> tuple[bytes, ...]:
    """The trusted keys as the firmware core takes them (DER), re-read when the folder changes."""
    keys_dir = keys_dir or trusted_keys_dir()
    files = sorted(keys_dir.glob("*.pem"))
    return _der_of(keys_dir, tuple((p.name, p.stat().st_mtime_ns) for p in files))


@functools.cache
def _der_of(keys_dir: Path, stamp: tuple[tuple[str, int], ...]) -> tuple[bytes, ...]:
    return tuple(public_der(k) for k in trusted_public_keys(keys_dir))


def verify(data: bytes, signature: bytes, public: ec.EllipticCurvePublicKey) -> bool:
    digest = hashlib.sha256(data).digest()
    try:
        public.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    except InvalidSignature:
        return False
    return True
