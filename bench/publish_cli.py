"""`grouploop publish IMAGE --board B --version V`: put a build into the CDN firmware folder.

The image is checked first (a bootable ESP32-C3 app image carrying the given version), then
copied under its release name, signed with the signing key (`--key`, else
GROUPLOOP_SIGNING_KEY, else ~/.config/grouploop/keys/signing-key.pem: `grouploop keys init`
makes one) and listed in manifest.json (board, version, file, size, sha256, md5, build date,
stand-in flag, signature, key id) by cdn.manifest, which rewrites the manifest atomically and
keeps every older build listed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.build import BuildOutput, release_name
from cdn import manifest
from grouploop import signing
from grouploop.esp.image import ImageError, parse_app_image
from grouploop.signing import SigningKey


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("image", type=Path, help="the app image (.bin) to publish")
    parser.add_argument("--board", required=True, help="PlatformIO env, e.g. seeed_xiao_esp32c3")
    parser.add_argument("--version", required=True, help="firmware version, e.g. 1.0.0")
    parser.add_argument(
        "--stand-in",
        action="store_true",
        help="mark it a stand-in (automatic for images made by `grouploop build --stand-in`)",
    )
    parser.add_argument(
        "--key", type=Path, help="the signing key (default: GROUPLOOP_SIGNING_KEY or ~/.config)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--firmware-dir", type=Path, help="the CDN firmware folder (default: CDN_FIRMWARE_DIR)"
    )
    where.add_argument("--cdn-dir", type=Path, help="a CDN folder; builds go to its firmware/")


def publish(build: BuildOutput, firmware_dir: Path, key: SigningKey) -> manifest.Build:
    """Copy the build into `firmware_dir`, sign it with `key` and list it in the manifest."""
    return manifest.publish(
        build.image,
        firmware_dir,
        board=build.env,
        version=build.version,
        stand_in=build.stand_in,
        name=release_name(build),
        key=key,
    )


def firmware_dir_of(args: argparse.Namespace) -> Path:
    if args.firmware_dir:
        return Path(args.firmware_dir)
    if args.cdn_dir:
        return Path(args.cdn_dir) / "firmware"
    return manifest.default_firmware_dir()


def run(args: argparse.Namespace) -> int:
    image: Path = args.image
    if not image.is_file():
        print(f"publish: {image} does not exist")
        return 2
    try:
        app = parse_app_image(image.read_bytes())
    except ImageError as exc:
        print(f"publish: {image} is not a bootable ESP32-C3 app image: {exc}")
        return 1
    if app.version != args.version:
        print(f"publish: {image} carries version {app.version!r}, not {args.version!r}")
        return 1
    build = BuildOutput(args.board, args.version, image, args.stand_in or app.stand_in)
    try:
        key = signing.load_key(args.key or signing.default_key_path())
        entry = publish(build, firmware_dir_of(args), key)
    except (manifest.ManifestError, signing.SigningError, OSError) as exc:
        print(f"publish: {exc}")
        return 1
    label = " (STAND-IN, not a firmware build)" if entry.stand_in else ""
    print(f"published {entry.file}{label}: {entry.size} bytes, sha256 {entry.sha256}")
    print(f"signed with key {entry.key_id}: {entry.file}{signing.SIGNATURE_SUFFIX}")
    return 0
