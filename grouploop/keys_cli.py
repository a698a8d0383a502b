"""`grouploop keys`: the firmware signing key (docs/security.md, "Signed firmware").

    grouploop keys init [--dir DIR]   create an ECDSA P-256 signing key (mode 0600) in DIR
                                      (default: GROUPLOOP_SIGNING_KEY's folder, else
                                      ~/.config/grouploop/keys/), export its public key to
                                      firmware/keys/<key id>.pem and regenerate
                                      firmware/src/trusted_keys.h: commit those two
    grouploop keys show [--key FILE]  the key's path, id and public key

The private key never enters the repository (init refuses a path inside it) and the CDN
never serves it: it serves only the firmware folder.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from grouploop import signing
from grouploop.settings import PROJECT_ROOT

TRUSTED_KEYS_SCRIPT = PROJECT_ROOT / "firmware" / "scripts" / "trusted_keys.py"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    init = sub.add_parser("init", help="create a signing key and export its public key")
    init.add_argument("--dir", type=Path, help="folder of the private key (default ~/.config)")
    init.add_argument(
        "--export-dir",
        type=Path,
        default=signing.FIRMWARE_KEYS_DIR,
        help="where the firmware build takes trusted public keys from (firmware/keys)",
    )
    show = sub.add_parser("show", help="print the signing key's path, id and public key")
    show.add_argument("--key", type=Path, help="the key file (default: as publish finds it)")


def _key_path(directory: Path | None) -> Path:
    if directory is None:
        return signing.default_key_path()
    return directory / signing.KEY_FILE_NAME


def run(args: argparse.Namespace) -> int:
    try:
        if args.action == "show":
            key = signing.load_key(args.key or signing.default_key_path())
            print(f"{key.path}\nkey id {key.key_id}")
            print(signing.public_pem(key.public).decode(), end="")
            return 0
        key = signing.create_key(_key_path(args.dir))
    except signing.SigningError as exc:
        print(f"keys: {exc}")
        return 1
    exported = signing.export_public_key(key, args.export_dir)
    print(f"created signing key {key.key_id} at {key.path} (mode 0600): keep it out of the repo")
    print(f"exported its public key to {exported}")
    if args.export_dir.resolve() == signing.FIRMWARE_KEYS_DIR.resolve():
        subprocess.run([sys.executable, str(TRUSTED_KEYS_SCRIPT)], check=True)
        print("commit firmware/keys/ and firmware/src/trusted_keys.h: builds then trust it")
    if args.dir is not None:
        print(f"publish with --key {key.path} (or GROUPLOOP_SIGNING_KEY={key.path})")
    return 0
