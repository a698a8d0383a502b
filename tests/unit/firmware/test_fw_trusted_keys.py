"""The keys a firmware build trusts: firmware/src/trusted_keys.h is generated from
firmware/keys/*.pem (firmware/scripts/trusted_keys.py) and kept in step with it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from grouploop import signing
from grouploop.signing import SigningKey

SCRIPT = Path(__file__).resolve().parents[3] / "firmware" / "scripts" / "trusted_keys.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("trusted_keys", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_header_matches_firmware_keys() -> None:
    script = _script()
    assert script.HEADER.read_text() == script.render(script.KEYS_DIR), (
        "firmware/src/trusted_keys.h is stale: run python firmware/scripts/trusted_keys.py"
    )


def test_every_key_in_the_folder_is_compiled_in_with_its_id(
    tmp_path: Path, untrusted_key: SigningKey
) -> None:
    script = _script()
    assert "kTrustedKeyCount = 0;" in script.render(tmp_path)
    first = signing.export_public_key(untrusted_key, tmp_path)
    second = signing.create_key(tmp_path / "other" / "k.pem")
    signing.export_public_key(second, tmp_path)
    header = script.render(tmp_path)
    assert "kTrustedKeyCount = 2;" in header
    for key in (untrusted_key, second):
        assert f'"{key.key_id}"' in header
        der = signing.public_der(key.public)
        assert ", ".join(f"0x{b:02x}" for b in der[:12]) in header
    assert first.name in header
    assert len(re.findall(r"constexpr uint8_t kKey\d+\[\]", header)) == 2
    assert script.write_header(tmp_path, tmp_path / "h.h") is True
    assert script.write_header(tmp_path, tmp_path / "h.h") is False  # unchanged: not rewritten
