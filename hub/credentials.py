"""Who may connect to the hub, and as what: roles, tokens, the credential file.

Roles, least to most: `viewer` subscribes to the stream; `operator` also sends the commands
commands.json marks `operator` (LED, pattern, vibrate, status); `admin` sends every command
(OTA, reset, config). `device` is apart: it streams and answers as the one device id its
credential is bound to, and nothing else.

A credential is a random token (people and apps) or a device secret (one device), stored only
as its SHA-256: a leaked file leaks no token. Tokens are 192 random bits, so a fast hash is
enough (nothing to brute-force; a slow password hash would only cost every login).

The credential file (JSON, written 0600):

    {"version": 1, "credentials": [
      {"name": "alice", "role": "operator", "sha256": "<64 hex>", "created": "2026-…Z"},
      {"name": "device-1a2b", "role": "device", "device_id": "1a2b", "sha256": "…", …}]}

Where the hub finds credentials (`sources`): `--tokens FILE`, else `GL_TOKENS_FILE`, else the
default file (`$XDG_CONFIG_HOME/grouploop/tokens.json`, `~/.config/…`) when it exists; plus
`GL_TOKENS` in the environment: comma-separated `role:token` (or `device:<id>:<secret>`).
None of them: the hub is open (loopback only, `hub.cli`). A hub with auth on rereads its file
when it changes (`Source.changed`, checked every second): a new token or device secret works
at once, and connections logged in with a revoked one are closed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path

from grouploop.files import write_atomic

ROLES = ("device", "viewer", "operator", "admin")
#: What a role may do beyond its own device: viewer < operator < admin; device ranks lowest.
RANK = {"device": 0, "viewer": 1, "operator": 2, "admin": 3}
#: Roles a command in commands.json may require.
COMMAND_ROLES = ("operator", "admin")
#: Longest device secret the firmware keeps (firmware/core/gl_config.h `device_secret`).
MAX_SECRET = 64
FILE_VERSION = 1

_DEVICE_ID = re.compile(r"[0-9a-f]{4}\Z").match
_NAME = re.compile(r"[\w.@+-]{1,64}\Z").match


class CredentialError(ValueError):
    """A credential file or entry that cannot be used (the message says why)."""


@dataclass(frozen=True, slots=True)
class Credential:
    name: str
    role: str
    sha256: str
    device_id: str | None = None
    created: str = ""

    def may(self, role: str) -> bool:
        """Whether this credential holds `role` or more (device credentials hold only device)."""
        return self.role != "device" and RANK[self.role] >= RANK[role]


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh token or device secret: 32 URL-safe characters (fits `?token=` and NVS)."""
    return secrets.token_urlsafe(24)


class Credentials:
    """The credentials a hub accepts, keyed by hash; `verify` is one dict lookup."""

    def __init__(self, entries: Iterable[Credential] = ()) -> None:
        self.by_hash = {c.sha256: c for c in entries}

    def verify(self, token: str) -> Credential | None:
        return self.by_hash.get(digest(token)) if token else None

    def __len__(self) -> int:
        return len(self.by_hash)


def token_in_query(path: str) -> str | None:
    """The `token` parameter of a request path (`/?token=…`), or None when there is none."""
    query = path.partition("?")[2]
    if not query:
        return None
    values = urllib.parse.parse_qs(query, keep_blank_values=True).get("token")
    return values[0] if values else None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value, or None."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


# -- the file -------------------------------------------------------------------------------


def default_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "grouploop" / "tokens.json"


def _entry(raw: object, where: str) -> Credential:
    if not isinstance(raw, dict):
        raise CredentialError(f"{where}: not an object")
    role, name, sha = raw.get("role"), raw.get("name"), raw.get("sha256")
    if role not in ROLES:
        raise CredentialError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
    if not isinstance(name, str) or not _NAME(name):
        raise CredentialError(f"{where}: name {name!r} is not 1-64 letters, digits, ._@+-")
    if not isinstance(sha, str) or not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise CredentialError(f"{where}: sha256 is not 64 lowercase hex digits")
    device_id = raw.get("device_id")
    if (role == "device") != (device_id is not None):
        raise CredentialError(f"{where}: device_id belongs to role device, and only to it")
    if device_id is not None and (not isinstance(device_id, str) or not _DEVICE_ID(device_id)):
        raise CredentialError(f"{where}: device_id {device_id!r} is not 4 lowercase hex digits")
    return Credential(name, role, sha, device_id, str(raw.get("created", "")))


def read_file(path: Path) -> list[Credential]:
    """The entries of a credential file; a missing file has none. Raises CredentialError."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise CredentialError(f"{path}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("credentials"), list):
        raise CredentialError(f"{path}: no 'credentials' list")
    entries = [_entry(raw, f"{path} entry {i}") for i, raw in enumerate(data["credentials"])]
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise CredentialError(f"{path}: a name appears twice")
    return entries


def write_file(path: Path, entries: Iterable[Credential]) -> None:
    """Replace the file atomically, readable by its owner only."""
    body = {
        "version": FILE_VERSION,
        "credentials": [{k: v for k, v in asdict(e).items() if v is not None} for e in entries],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(body, indent=2) + "\n").encode(), mode=0o600)


def add(path: Path, role: str, name: str | None = None, device_id: str | None = None) -> str:
    """Add a credential to the file and return its token (the only time it is seen).

    A device credential replaces the one its id had (that is how a secret is rotated)."""
    if role not in ROLES:
        raise CredentialError(f"role {role!r} is not one of {', '.join(ROLES)}")
    entries = read_file(path)
    if role == "device":
        if device_id is None or not _DEVICE_ID(device_id.lower()):
            raise CredentialError("a device credential needs --device-id (4 hex digits)")
        device_id = device_id.lower()
        name = name or f"device-{device_id}"
        entries = [e for e in entries if e.device_id != device_id and e.name != name]
    elif device_id is not None:
        raise CredentialError("--device-id belongs to role device only")
    if name is None:
        taken = {e.name for e in entries}
        name = next(f"{role}-{n}" for n in range(1, len(taken) + 2) if f"{role}-{n}" not in taken)
    if any(e.name == name for e in entries):
        raise CredentialError(f"{path}: a credential named {name!r} exists (revoke it first)")
    token = new_token()
    created = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    entry = _entry(
        {"name": name, "role": role, "sha256": digest(token), "device_id": device_id}, "new entry"
    )
    write_file(path, [*entries, Credential(entry.name, role, entry.sha256, device_id, created)])
    return token


def workshop(path: Path, prefix: str = "workshop") -> dict[str, str]:
    """Fresh `<prefix>-admin`, `-operator` and `-viewer` tokens in the file, replacing the
    previous ones (only hashes are kept: a token can only be shown when it is made); other
    entries stay. Returns role → token."""
    names = {e.name for e in read_file(path)}
    tokens = {}
    for role in ("admin", "operator", "viewer"):
        name = f"{prefix}-{role}"
        if name in names:
            revoke(path, name)
        tokens[role] = add(path, role, name)
    return tokens


def revoke(path: Path, name: str) -> Credential:
    """Remove the credential called `name`; raises CredentialError when there is none."""
    entries = read_file(path)
    gone = [e for e in entries if e.name == name]
    if not gone:
        raise CredentialError(f"{path}: no credential named {name!r}")
    write_file(path, [e for e in entries if e.name != name])
    return gone[0]


# -- where the hub finds them ---------------------------------------------------------------


def from_env_list(text: str) -> list[Credential]:
    """`GL_TOKENS`: comma-separated `role:token` or `device:<id>:<secret>` (hashed here)."""
    entries = []
    for i, item in enumerate(filter(None, (part.strip() for part in text.split(",")))):
        role, _, token = item.partition(":")
        device_id = None
        if role == "device":
            device_id, _, token = token.partition(":")
        if not token:
            raise CredentialError(f"GL_TOKENS entry {i + 1}: want role:token")
        raw = {"name": f"env-{i + 1}", "role": role, "sha256": digest(token)}
        if device_id is not None:
            raw["device_id"] = device_id.lower()
        entries.append(_entry(raw, f"GL_TOKENS entry {i + 1}"))
    return entries


def sources(file: Path | None, env: Mapping[str, str] | None = None) -> list[str]:
    """Human-readable names of the credential sources in use (empty: an open hub)."""
    env = os.environ if env is None else env
    found = []
    path = _file_in_use(file, env)
    if path is not None:
        found.append(str(path))
    if env.get("GL_TOKENS"):
        found.append("GL_TOKENS")
    return found


def _file_in_use(file: Path | None, env: Mapping[str, str]) -> Path | None:
    if file is not None:
        return file
    if env.get("GL_TOKENS_FILE"):
        return Path(env["GL_TOKENS_FILE"])
    default = default_path(env)
    return default if default.exists() else None


class Source:
    """The hub's credential sources, remembered so that a change of the file can be seen."""

    def __init__(self, file: Path | None, env: Mapping[str, str] | None = None) -> None:
        self.file = file
        self.env = dict(os.environ if env is None else env)
        self._stamp: tuple[int, int, int] | None = None

    def load(self) -> Credentials | None:
        stamp = self._current_stamp()
        loaded = load(self.file, self.env)
        self._stamp = stamp
        return loaded

    def changed(self) -> bool:
        """Whether the credential file was replaced or edited since the last `load`."""
        return self._current_stamp() != self._stamp

    def _current_stamp(self) -> tuple[int, int, int] | None:
        path = _file_in_use(self.file, self.env)
        try:
            st = path.stat() if path is not None else None
        except OSError:
            return None
        return None if st is None else (st.st_ino, st.st_mtime_ns, st.st_size)


def load(file: Path | None, env: Mapping[str, str] | None = None) -> Credentials | None:
    """The hub's credentials, or None when none is configured (open mode).

    A named file that does not exist is an error (a typo must not open the hub)."""
    env = os.environ if env is None else env
    path = _file_in_use(file, env)
    if path is None and not env.get("GL_TOKENS"):
        return None
    entries: list[Credential] = []
    if path is not None:
        if not path.exists():
            raise CredentialError(f"{path}: no such credential file")
        entries += read_file(path)
    entries += from_env_list(env.get("GL_TOKENS", ""))
    return Credentials(entries)
