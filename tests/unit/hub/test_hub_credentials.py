"""The credential file and the hub's credential sources (hub.credentials)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from hub import credentials
from hub.credentials import CredentialError


def test_added_tokens_verify_and_only_their_hash_is_stored(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = credentials.add(path, "operator", "alice")
    assert token not in path.read_text()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    found = credentials.Credentials(credentials.read_file(path)).verify(token)
    assert found is not None and (found.name, found.role) == ("alice", "operator")
    assert credentials.Credentials(credentials.read_file(path)).verify(token + "x") is None


def test_a_device_secret_is_bound_and_replaces_the_ids_previous_one(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    old = credentials.add(path, "device", device_id="1A2B")
    new = credentials.add(path, "device", device_id="1a2b")
    store = credentials.Credentials(credentials.read_file(path))
    assert store.verify(old) is None
    found = store.verify(new)
    assert found is not None and found.device_id == "1a2b" and found.name == "device-1a2b"


def test_revoke_removes_by_name(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    token = credentials.add(path, "admin")
    credentials.revoke(path, "admin-1")
    assert credentials.Credentials(credentials.read_file(path)).verify(token) is None
    with pytest.raises(CredentialError, match="no credential named"):
        credentials.revoke(path, "admin-1")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"name": "a", "role": "root", "sha256": "0" * 64}, "role"),
        ({"name": "a b", "role": "admin", "sha256": "0" * 64}, "name"),
        ({"name": "a", "role": "admin", "sha256": "xyz"}, "sha256"),
        ({"name": "a", "role": "device", "sha256": "0" * 64}, "device_id"),
        ({"name": "a", "role": "admin", "sha256": "0" * 64, "device_id": "1a2b"}, "device_id"),
    ],
)
def test_a_bad_file_entry_is_refused_with_its_reason(
    tmp_path: Path, entry: dict[str, str], reason: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"version": 1, "credentials": [entry]}))
    with pytest.raises(CredentialError, match=reason):
        credentials.read_file(path)


def test_no_source_means_an_open_hub(tmp_path: Path) -> None:
    assert credentials.load(None, {"XDG_CONFIG_HOME": str(tmp_path)}) is None


def test_a_named_file_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(CredentialError, match="no such"):
        credentials.load(tmp_path / "typo.json", {})


def test_environment_tokens_are_hashed_and_bound(tmp_path: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(tmp_path), "GL_TOKENS": "operator:op1, device:1A2B:sec:ret"}
    store = credentials.load(None, env)
    assert store is not None
    op, dev = store.verify("op1"), store.verify("sec:ret")
    assert op is not None and op.role == "operator"
    assert dev is not None and dev.device_id == "1a2b"


@pytest.mark.parametrize(
    ("path", "token"),
    [("/", None), ("/?token=abc", "abc"), ("/?x=1&token=a%2Bb", "a+b"), ("/?token=", "")],
)
def test_token_in_query(path: str, token: str | None) -> None:
    assert credentials.token_in_query(path) == token


@pytest.mark.parametrize(
    ("header", "token"),
    [(None, None), ("Bearer abc", "abc"), ("bearer  abc ", "abc"), ("Basic abc", None)],
)
def test_bearer_token(header: str | None, token: str | None) -> None:
    assert credentials.bearer_token(header) == token
