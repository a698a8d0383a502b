"""Power cuts on an emulated board, during a bench flash and during an OTA (issue 10 item 1).

`python -m benchmarks.power_cuts` (part of `make chaos`) prints, per scenario, how many of N
power cuts left a board that boots neither the old nor the new image (a brick). The test
tests/integration/test_board_power_cuts.py runs the same scenarios and asserts 0.

A power cut is the board's process killed (SIGKILL) at a chosen flash operation: the board
runs as `grouploop board` under a small wrapper (`WRAPPER`) that counts the flash's erase and
program calls and kills its own process just before operation k, or halfway through it (half
the bytes programmed, half the sectors erased: a torn write). Its flash is a file, so what
was written before the cut stays, as on a chip. A dry run counts the operations of the
scenario; the cuts are spread evenly over them. After each cut the board is started again
(no wrapper) and its boot is read, then it is rebooted once more (`reboot` on its console)
and that boot read too: both must be the old or the new version.

- flash: the board holds the old version, flashed by the bench (`grouploop flash`); the bench
  flashes the new one with the real esptool while the cut comes;
- ota: the board holds the old version in the A/B layout; `cmd ota:<url>` on its console
  fetches the new one, signed by a key the board trusts, from a `grouploop cdn` process
  while the cut comes.

`--code-root` runs the board and the bench from another checkout (for a before/after table:
`git worktree add /tmp/before main`, then `make -C /tmp/before/firmware/host lib`).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from benchmarks.logged_process import LoggedProcess
from benchmarks.publish_chaos import Cdn
from grouploop import signing
from grouploop.esp.image import write_stand_in_image

ROOT = Path(__file__).resolve().parent.parent
ENV = "seeed_xiao_esp32c3"
OLD, NEW = "1.0.0", "2.0.0"
BOOTED = re.compile(r"I boot: app \S+ version (\S+)|E boot: no bootable app")

#: Runs `grouploop board …` with its flash killed at operation `cut` (0: never; -1: never,
#: and every operation is logged as `[FLASH-OP]`). argv: cut, "half"|"before", grouploop args.
WRAPPER = """
import os, signal, sys
from emulator.board import flash as f
cut, half, count = int(sys.argv[1]), sys.argv[2] == "half", 0
def cutting(name, halve):
    real = getattr(f.Flash, name)
    def op(self, offset, arg):
        global count
        count += 1
        if cut < 0:
            print(f"[FLASH-OP] {count} {name} 0x{offset:x}", flush=True)
        if count == cut:
            if half:
                real(self, offset, halve(arg))
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, offset, arg)
    setattr(f.Flash, name, op)
cutting("program", lambda data: data[: len(data) // 2])
cutting("erase", lambda length: length // 2 // f.SECTOR * f.SECTOR)
from grouploop.cli import main
sys.argv = ["grouploop", *sys.argv[3:]]
sys.exit(main(sys.argv[1:]))
"""


@dataclass
class Cut:
    op: int
    half: bool
    boots: tuple[str, ...]  # the version of each boot after the cut ("" : none booted)

    @property
    def bricked(self) -> bool:
        return any(v not in (OLD, NEW) for v in self.boots)


class Board(LoggedProcess):
    """One `grouploop board` process on a flash file, its output in a log file."""

    def __init__(self, root: Path, flash: Path, log: Path, cut: int = 0, half: bool = False):
        args = ["board", "--serial", "socket://127.0.0.1:0", "--flash-file", str(flash)]
        args += ["--seed", "power-cuts", "--hub", "ws://127.0.0.1:9"]
        argv = [sys.executable, "-c", WRAPPER, str(cut), "half" if half else "before", *args]
        env = {"GL_CORE_LIB": str(core_lib(root))}
        env[signing.TRUSTED_KEYS_ENV] = str(flash.parent / "trusted")
        super().__init__(argv, root, log, env)

    def boots(self, start: int = 0) -> list[str]:
        return [m.group(1) or "" for m in BOOTED.finditer(self.text(), start)]

    def console(self, line: str) -> None:
        """Type `line` on the board's console; what it answers within 0.5 s goes to the log."""
        host, port = self.url.removeprefix("socket://").rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5.0) as sock:
            time.sleep(0.15)  # the port releases held output 0.1 s after a host opens it
            sock.sendall(line.encode() + b"\n")
            sock.settimeout(0.5)
            with suppress(OSError), self.log.with_suffix(".console").open("ab") as out:
                while data := sock.recv(4096):
                    out.write(data)


def core_lib(root: Path) -> Path:
    return root / "firmware" / "build" / "host" / "libgrouploop_core.so"


def flash_with_bench(
    root: Path, url: str, image: Path, logs: Path, board: subprocess.Popen[bytes] | None = None
) -> bool:
    """`grouploop flash` (real esptool) from `root`; given the board's process, the flash is
    abandoned shortly after that process dies (the power is gone, nothing more is written)."""
    args = ["flash", "--port", url, "--image", str(image), "--log-dir", str(logs)]
    args += ["--retries", "0", "--connect-attempts", "1", "--timeout", "20"]
    env = {**os.environ, "GL_CORE_LIB": str(core_lib(root))}
    process = subprocess.Popen(
        [sys.executable, "-m", "grouploop.cli", *args],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its esptool child goes with it
    )
    deadline = time.monotonic() + 120.0
    while process.poll() is None and time.monotonic() < deadline:
        if board is not None and board.poll() is not None:
            time.sleep(0.5)
            break
        time.sleep(0.02)
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
    return process.wait() == 0


class Scenario:
    """Old image on a board, then the new one under power cuts (see the module docstring)."""

    def __init__(self, kind: str, root: Path, work: Path) -> None:
        self.kind, self.root, self.work = kind, root, work
        self.images = work / "images"
        self.old = self.images / "old.bin"
        self.new = self.images / "new.bin"
        write_stand_in_image(self.old, OLD, ENV)
        write_stand_in_image(self.new, NEW, ENV)
        key = signing.create_key(work / "signing-key.pem")
        signing.export_public_key(key, work / "trusted")  # the boards trust it
        signing.sign_file(self.new, key)
        self.template = work / "template.bin"
        self._prepare()

    def _prepare(self) -> None:
        """The board as the bench leaves it with the old version (real esptool)."""
        board = Board(self.root, self.template, self.work / "prepare.log")
        try:
            if not flash_with_bench(self.root, board.url, self.old, self.work / "flash-logs"):
                raise RuntimeError(f"the bench could not flash the old image: see {self.work}")
            board.wait_for(re.compile(rf"version {re.escape(OLD)}"), 30.0)
        finally:
            board.stop()

    def run(self, n: int, cut: int, half: bool, server: str) -> list[str] | int:
        """One run on a fresh copy of the old board; the boots after it, or (cut -1) the
        number of flash operations the update made."""
        flash = self.work / f"board-{n}.bin"
        shutil.copyfile(self.template, flash)
        log = self.work / f"cut-{n}.log"
        board = Board(self.root, flash, log, cut, half)
        try:
            start = len(board.text())
            if self.kind == "flash":
                logs = self.work / "flash-logs"
                flash_with_bench(self.root, board.url, self.new, logs, board.process)
            else:
                board.console(f'config set {{"cdn_url":"{server}"}}')  # the allowed origin
                board.console(f"cmd ota:{server}/firmware/new.bin")
            if cut != 0 and board.process.poll() is None:
                # Not cut yet (a late cut, or the dry run): the update runs to its reboot.
                with suppress(TimeoutError):
                    board.wait_for(re.compile(rf"version {re.escape(NEW)}"), 30.0, start)
        finally:
            board.stop()
        if cut < 0:
            return len(re.findall(r"\[FLASH-OP\]", board.text()))
        return self._boots_after(flash, n)

    def _boots_after(self, flash: Path, n: int) -> list[str]:
        board = Board(self.root, flash, self.work / f"after-{n}.log")
        try:
            board.wait_for(BOOTED, 30.0)
            first = board.boots()
            if first[-1] in (OLD, NEW):  # a running app can be rebooted: boot once more
                mark = len(board.text())
                board.console("reboot")
                board.wait_for(BOOTED, 30.0, mark)
                return [first[-1], board.boots(mark)[0]]
            return first[-1:]
        finally:
            board.stop()


def cut_points(total: int, count: int) -> list[tuple[int, bool]]:
    """`count` cuts spread evenly over operations 1..total, each op cut before and halfway
    (an update with few operations has some cut more than once)."""
    ops = [1 + i * total // max(1, count // 2) for i in range(count // 2)]
    return [(op, half) for op in ops for half in (False, True)]


def power_cuts(kind: str, count: int = 20, root: Path = ROOT) -> list[Cut]:
    """Run `count` power cuts of scenario `kind` ("flash" or "ota")."""
    with tempfile.TemporaryDirectory(prefix=f"power-cuts-{kind}-") as tmp:
        scenario = Scenario(kind, root, Path(tmp))
        cdn = Cdn(root, scenario.images, Path(tmp) / "cdn.log")
        try:
            server = cdn.url
            total = scenario.run(0, -1, False, server)
            if not isinstance(total, int) or total == 0:
                logs = [Path(tmp) / name for name in ("cut-0.log", "cut-0.console")]
                text = "".join(p.read_text(errors="replace") for p in logs if p.exists())
                raise RuntimeError(f"the update wrote nothing; the board said {text[-1500:]!r}")
            cuts = []
            for n, (op, half) in enumerate(cut_points(total, count), 1):
                boots = scenario.run(n, op, half, server)
                assert isinstance(boots, list)
                cuts.append(Cut(op, half, tuple(boots)))
            return cuts
        finally:
            cdn.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.power_cuts", description=__doc__)
    parser.add_argument("--cuts", type=int, default=20)
    parser.add_argument("--scenario", choices=("flash", "ota"), action="append")
    parser.add_argument("--code-root", type=Path, default=ROOT, help="the checkout to run")
    args = parser.parse_args(argv)
    for kind in args.scenario or ["flash", "ota"]:
        cuts = power_cuts(kind, args.cuts, args.code_root)
        bricks = sum(c.bricked for c in cuts)
        print(f"power cuts during {kind:5}: {bricks} bricks of {len(cuts)} ({args.code_root})")
        for c in cuts:
            where = f"op {c.op:3} {'halfway' if c.half else 'before '}"
            print(f"  {where}: boots {' then '.join(v or 'nothing' for v in c.boots)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
