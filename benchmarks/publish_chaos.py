"""Publishing under faults (issue 10 item 7): does the CDN serve what its manifest says?

`python -m benchmarks.publish_chaos` (part of `make chaos`) prints how often the manifest's
sha256 for a build differed from the bytes the CDN served under that name, after

- `kill -9` of `grouploop publish` at `--kills` points spread over its run time, each
  publish replacing the same file name with other bytes;
- `--rounds` rounds of two `grouploop publish` of the same name at the same time;

and how many temporary files were left in the firmware folder. The test
tests/integration/test_publish_atomic.py runs the same drivers and asserts 0.

Everything is real: `grouploop publish` processes, a `grouploop cdn` process over HTTP.
`--code-root` runs them from another checkout (the before/after table).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.logged_process import LoggedProcess
from grouploop import signing
from grouploop.esp.image import build_stand_in_image

ROOT = Path(__file__).resolve().parent.parent
BOARD, VERSION = "seeed_xiao_esp32c3", "1.0.0"
NAME = f"grouploop-{BOARD}-{VERSION}-stand-in.bin"  # bench.build.release_name of a stand-in


@dataclass
class Tally:
    runs: int = 0
    mismatches: int = 0  # manifest sha256 != sha256 of the bytes served under its name
    unlisted: int = 0  # a file served under the name while the manifest does not list it


PADDING = 2 * 1024 * 1024  # firmware-sized files: writing and hashing them takes a while


def images(folder: Path, count: int) -> list[Path]:
    """`count` stand-in images of one version whose bytes differ, each followed by 2 MiB of
    random padding (a bootloader reads an image's own length; publish takes the file)."""
    paths = []
    for n in range(count):
        path = folder / f"image-{n}.bin"
        path.write_bytes(build_stand_in_image(VERSION, f"variant-{n}") + os.urandom(PADDING))
        paths.append(path)
    return paths


def publish_argv(image: Path, firmware_dir: Path, key: Path) -> list[str]:
    argv = [sys.executable, "-m", "grouploop.cli", "publish", str(image), "--board", BOARD]
    where = ["--firmware-dir", str(firmware_dir), "--key", str(key)]
    return [*argv, "--version", VERSION, "--stand-in", *where]


class Cdn(LoggedProcess):
    """`grouploop cdn` on the firmware folder, from `root`."""

    def __init__(self, root: Path, firmware_dir: Path, log: Path) -> None:
        argv = [sys.executable, "-m", "grouploop.cli", "cdn", "--host", "127.0.0.1"]
        super().__init__([*argv, "--port", "0", "--firmware-dir", str(firmware_dir)], root, log)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10.0) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()


def check(cdn: Cdn, tally: Tally) -> None:
    """One look at the CDN: does the manifest's entry for NAME match what is served?"""
    tally.runs += 1
    status, body = cdn.get("/firmware/manifest.json")
    listed = [b for b in json.loads(body)["builds"] if b["file"] == NAME] if status == 200 else []
    status, served = cdn.get(f"/firmware/{NAME}")
    if listed and (status != 200 or hashlib.sha256(served).hexdigest() != listed[0]["sha256"]):
        tally.mismatches += 1
    elif not listed and status == 200:
        tally.unlisted += 1


def leftovers(firmware_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(firmware_dir)) for p in firmware_dir.rglob("*.tmp"))


def run_publish(argv: list[str], root: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def snapshot(folder: Path) -> frozenset[tuple[str, int, int]]:
    """Every file under `folder` with its size and mtime: a change shows a publish step."""
    found = set()
    for path in folder.rglob("*"):
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        found.add((str(path.relative_to(folder)), info.st_size, info.st_mtime_ns))
    return frozenset(found)


def publish_watched(argv: list[str], root: Path, folder: Path, kill_after: int) -> int:
    """Run a publish; kill it (SIGKILL) right after the `kill_after`-th change it makes to
    the folder (0: never). Returns the changes seen."""
    process = run_publish(argv, root)
    seen, changes = snapshot(folder), 0
    deadline = time.monotonic() + 60.0
    while process.poll() is None and time.monotonic() < deadline:
        now = snapshot(folder)
        if now != seen:
            seen, changes = now, changes + 1
            if changes == kill_after:
                process.send_signal(signal.SIGKILL)
                break
        time.sleep(0.0005)
    process.wait()
    return changes


def kills(
    cdn: Cdn, firmware_dir: Path, sources: list[Path], key: Path, count: int, root: Path
) -> Tally:
    """`count` publishes killed (SIGKILL) at every step they take, in turn: right after the
    k-th change each makes to the firmware folder, k = 1, 2, … up to a whole publish's."""
    steps = publish_watched(publish_argv(sources[0], firmware_dir, key), root, firmware_dir, 0)
    tally = Tally()
    for n in range(count):
        argv = publish_argv(sources[(n + 1) % len(sources)], firmware_dir, key)
        publish_watched(argv, root, firmware_dir, 1 + n % max(1, steps))
        check(cdn, tally)
    return tally


def concurrent(
    cdn: Cdn, firmware_dir: Path, sources: list[Path], key: Path, rounds: int, root: Path
) -> Tally:
    """`rounds` rounds of two publishers of the same name with different bytes at once."""
    tally = Tally()
    for n in range(rounds):
        pair = [sources[n % len(sources)], sources[(n + 1) % len(sources)]]
        processes = [run_publish(publish_argv(src, firmware_dir, key), root) for src in pair]
        for process in processes:
            process.wait()
        check(cdn, tally)
    return tally


def chaos(kill_count: int, rounds: int, root: Path = ROOT) -> tuple[Tally, Tally, list[str]]:
    """(kill tally, concurrency tally, temporary files left) in a fresh firmware folder."""
    with tempfile.TemporaryDirectory(prefix="publish-chaos-") as tmp:
        work = Path(tmp)
        key = signing.create_key(work / "signing-key.pem").path
        firmware_dir = work / "firmware"
        firmware_dir.mkdir()
        sources = images(work, 3)
        cdn = Cdn(root, firmware_dir, work / "cdn.log")
        try:
            killed = kills(cdn, firmware_dir, sources, key, kill_count, root)
            raced = concurrent(cdn, firmware_dir, sources, key, rounds, root)
            left = leftovers(firmware_dir)
        finally:
            cdn.stop()
        return killed, raced, left


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.publish_chaos", description=__doc__)
    parser.add_argument("--kills", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--code-root", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args(argv)
    killed, raced, left = chaos(args.kills, args.rounds, args.code_root)
    print(f"publish under faults ({args.code_root}):")
    for what, tally in (("kill -9 during publish", killed), ("concurrent publishes", raced)):
        print(
            f"  {what:22} : {tally.mismatches} manifest mismatches of {tally.runs}, "
            f"{tally.unlisted} served unlisted"
        )
    print(f"  temporary files left   : {len(left)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
