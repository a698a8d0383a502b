"""`grouploop keys init/show` and `grouploop publish --key` as a user runs them."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from grouploop import signing
from grouploop.esp.image import write_stand_in_image
from grouploop.services import grouploop_argv
from tests.support.timing import scaled


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        grouploop_argv(*args), capture_output=True, text=True, timeout=scaled(60), check=False
    )


def test_init_creates_a_private_key_and_exports_the_public_one(tmp_path: Path) -> None:
    keys, export = tmp_path / "keys", tmp_path / "firmware-keys"
    done = _run("keys", "init", "--dir", str(keys), "--export-dir", str(export))
    assert done.returncode == 0, done.stdout + done.stderr
    key = signing.load_key(keys / "signing-key.pem")
    assert stat.S_IMODE(key.path.stat().st_mode) == 0o600
    assert [p.name for p in export.iterdir()] == [f"{key.key_id}.pem"]
    assert signing.trusted_public_keys(export)[0] == key.public
    assert key.key_id in done.stdout
    again = _run("keys", "init", "--dir", str(keys), "--export-dir", str(export))
    assert again.returncode == 1 and "not overwriting" in again.stdout
    shown = _run("keys", "show", "--key", str(key.path))
    assert shown.returncode == 0 and key.key_id in shown.stdout
    assert "BEGIN PUBLIC KEY" in shown.stdout and "PRIVATE" not in shown.stdout


def test_publish_signs_with_the_given_key_and_refuses_without_one(tmp_path: Path) -> None:
    key = signing.create_key(tmp_path / "keys" / "k.pem")
    image = tmp_path / "app.bin"
    write_stand_in_image(image, "3.0.0", "seeed_xiao_esp32c3")
    fw = tmp_path / "fw"
    args = ("publish", str(image), "--board", "seeed_xiao_esp32c3", "--version", "3.0.0")
    done = _run(*args, "--firmware-dir", str(fw), "--key", str(key.path))
    assert done.returncode == 0, done.stdout + done.stderr
    (published,) = fw.glob("*.bin")
    signature = signing.signature_path(published).read_bytes()
    assert signing.verify(published.read_bytes(), signature, key.public)
    missing = _run(*args, "--firmware-dir", str(fw), "--key", str(tmp_path / "none.pem"))
    assert missing.returncode == 1 and "grouploop keys init" in missing.stdout
