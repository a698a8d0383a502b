"""grouploop.signing: where keys live, how they are created and what a signature covers."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pytest

from grouploop import signing
from grouploop.settings import PROJECT_ROOT


def test_a_new_key_is_private_to_its_owner_and_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "signing-key.pem"
    key = signing.create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert signing.load_key(path).key_id == key.key_id
    with pytest.raises(signing.SigningError, match="not overwriting"):
        signing.create_key(path)


def test_a_key_inside_the_project_is_refused() -> None:
    with pytest.raises(signing.SigningError, match="inside the project"):
        signing.create_key(PROJECT_ROOT / "var" / "never-created.pem")
    assert not (PROJECT_ROOT / "var" / "never-created.pem").exists()


def test_key_path_from_the_environment_or_the_user_config(tmp_path: Path) -> None:
    assert signing.default_key_path({"GROUPLOOP_SIGNING_KEY": "/k.pem"}) == Path("/k.pem")
    assert signing.default_key_path({"XDG_CONFIG_HOME": str(tmp_path)}) == (
        tmp_path / "grouploop" / "keys" / "signing-key.pem"
    )


def test_signature_covers_the_whole_file_and_the_key_id_its_public_der(tmp_path: Path) -> None:
    key = signing.create_key(tmp_path / "k.pem")
    image = tmp_path / "fw.bin"
    image.write_bytes(b"\xe9" + bytes(1000))
    signature = signing.sign_file(image, key)
    assert (tmp_path / "fw.bin.sig").read_bytes() == signature
    assert signing.verify(image.read_bytes(), signature, key.public)
    assert not signing.verify(image.read_bytes()[:-1], signature, key.public)
    assert key.key_id == hashlib.sha256(signing.public_der(key.public)).hexdigest()[:16]


def test_missing_or_foreign_keys_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(signing.SigningError, match="grouploop keys init"):
        signing.load_key(tmp_path / "none.pem")
    (tmp_path / "bad.pem").write_text("not a key")
    with pytest.raises(signing.SigningError, match="not a readable PEM"):
        signing.load_key(tmp_path / "bad.pem")
