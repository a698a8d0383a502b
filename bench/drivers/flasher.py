"""Flash targets with the unmodified esptool CLI, one subprocess per board, all in parallel.

Each board gets its own esptool process: a hung board can be killed without touching the
others, and each process writes its own log (esptool's logger is one global per process, so
threads sharing it would interleave boards). A flash writes the complete A/B layout in the
power-safe order of bench.layout (a `read-flash`, then two `write-flash` runs); `write-flash`
verifies what it wrote with the flash MD5 before the board is reset. Every failure becomes a
`FlashResult` that names the board and the failure; the other boards keep going.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from bench.drivers import ports
from bench.drivers.failures import (
    RETRYABLE,
    Diagnosis,
    Failure,
    diagnose,
    parse_identity,
    progress_percent,
)
from bench.layout import READ_OFFSET, plan, project_layout
from bench.resources import Target

Progress = Callable[[Target, float], None]


@dataclass(frozen=True)
class FlashOptions:
    baud: int = 460800
    retries: int = 1  # extra attempts after a timeout or verify mismatch
    connect_attempts: int = 3
    timeout: float = 120.0  # wall clock per attempt; esptool's own timeouts come first
    stub: bool = True
    after: str = "hard-reset"
    log_dir: Path | None = None


@dataclass
class FlashResult:
    target: Target
    ok: bool
    seconds: float = 0.0
    attempts: int = 0  # esptool runs of the last step (retries show there)
    failure: Failure | None = None
    message: str = ""
    log_path: Path | None = None
    progress: list[float] = field(default_factory=list)
    chip: str | None = None  # as the board's ROM reported itself during the flash
    mac: str | None = None

    @property
    def problem(self) -> str:
        """The failure and its message ("" when the flash succeeded)."""
        return (
            "" if self.ok else f"{self.failure.value if self.failure else 'failed'}: {self.message}"
        )

    def line(self) -> str:
        if self.ok:
            who = f" ({self.chip}, MAC {self.mac})" if self.chip and self.mac else ""
            return f"{self.target}: flashed and verified in {self.seconds:.1f} s{who}"
        return f"{self.target}: {self.problem}"


ImageCheck = Callable[[Path], None]  # raises ValueError naming what is wrong with the image


def esptool_argv(target: Target, options: FlashOptions, *command: str) -> list[str]:
    """The esptool command line for one board (before = default-reset: DTR/RTS into download)."""
    argv = [sys.executable, "-m", "esptool", "--chip", target.chip, "--port", target.port]
    argv += ["--baud", str(options.baud), "--connect-attempts", str(options.connect_attempts)]
    argv += ["--after", options.after]
    if not options.stub:
        argv.append("--no-stub")
    return [*argv, *command]


def run_esptool(
    argv: Sequence[str], timeout: float, on_line: Callable[[str], None]
) -> tuple[int | None, str]:
    """Run esptool, feed each output line (progress lines end in \\r) to `on_line`.

    Returns (exit code or None when killed for the timeout, whole output).
    """
    process = subprocess.Popen(
        list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    assert process.stdout is not None
    chunks: list[bytes] = []
    pending = b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(process.stdout, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                process.kill()
                process.wait()
                return None, b"".join(chunks).decode(errors="replace")
            if not sel.select(min(remaining, 1.0)):
                continue
            data = process.stdout.read1(4096)  # type: ignore[attr-defined]
            if not data:
                break
            chunks.append(data)
            pending += data
            *lines, pending = pending.replace(b"\r", b"\n").split(b"\n")
            for line in lines:
                if line.strip():
                    on_line(line.decode(errors="replace"))
    if pending.strip():
        on_line(pending.decode(errors="replace"))
    return process.wait(), b"".join(chunks).decode(errors="replace")


def flash_one(
    target: Target,
    image: Path,
    options: FlashOptions,
    *,
    check_image: ImageCheck,
    progress: Progress | None = None,
    bootloader: Path | None = None,
) -> FlashResult:
    """Flash `image` with the complete A/B layout (bench.layout) on one board: read its table
    and OTA data, write the bootloader (when given), the table if it differs and the app into
    the slot that does not boot now, then the OTA data that selects it."""
    result = FlashResult(target, ok=False)
    started = time.monotonic()
    log_path = options.log_dir / f"flash-{target.name}.log" if options.log_dir else None
    result.log_path = log_path
    if log_path:
        log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("a", encoding="utf-8") if log_path else None
    try:
        try:
            check_image(image)
            app = image.read_bytes()
            boot = bootloader.read_bytes() if bootloader is not None else None
            layout = project_layout()
        except (OSError, ValueError) as exc:
            return _failed(result, Failure.CORRUPT_IMAGE, f"{image} will not boot: {exc}", started)
        busy = ports.holders(target.port)
        if busy:
            who = ", ".join(f"{name} (pid {pid})" for pid, name in busy)
            return _failed(result, Failure.PORT_BUSY, f"{target.port} is open in {who}", started)
        with tempfile.TemporaryDirectory(prefix="grouploop-flash-") as tmp:
            current = Path(tmp) / "current.bin"
            read = ["read-flash", hex(READ_OFFSET), hex(layout.read_span), str(current)]
            failed = _run_step(result, target, options, read, log, None)
            if failed is None:
                try:
                    steps = plan(layout, boot, app, current.read_bytes())
                except ValueError as exc:
                    return _failed(result, Failure.CORRUPT_IMAGE, str(exc), started)
                for n, writes in enumerate((steps.first, steps.then)):
                    command = ["write-flash"]
                    for offset, data in writes:
                        path = Path(tmp) / f"step{n}-0x{offset:x}.bin"
                        path.write_bytes(data)
                        command += [hex(offset), str(path)]
                    failed = _run_step(result, target, options, command, log, progress)
                    if failed is not None:
                        break
        if failed is not None:
            return _failed(result, failed.failure, failed.advice, started)
        result.ok, result.seconds = True, time.monotonic() - started
        return result
    finally:
        if log:
            if not result.ok:
                log.write(f"FAILED: {result.line()}\n")
            log.close()


@dataclass(frozen=True)
class _StepFailure:
    failure: Failure
    advice: str


def _run_step(
    result: FlashResult,
    target: Target,
    options: FlashOptions,
    command: list[str],
    log: TextIO | None,
    progress: Progress | None,
) -> _StepFailure | None:
    """One esptool run, retried per `options`; None when it succeeded."""
    argv = esptool_argv(target, options, *command)

    def on_line(line: str) -> None:
        if log:
            log.write(line + "\n")
            log.flush()
        pct = progress_percent(line)
        if pct is not None and "Writing" in line:
            result.progress.append(pct)
            if progress:
                progress(target, pct)

    for attempt in range(1, options.retries + 2):
        result.attempts = attempt  # of the last step: a retry shows where it was needed
        if log:
            log.write(f"$ {' '.join(argv)}  # attempt {attempt}\n")
        code, output = run_esptool(argv, options.timeout, on_line)
        if code == 0:
            result.chip, result.mac = parse_identity(output)
            return None
        diagnosis = (
            Diagnosis(Failure.TIMEOUT, "killed after the attempt timeout", "no progress")
            if code is None
            else diagnose(output)
        )
        if diagnosis.failure not in RETRYABLE or attempt > options.retries:
            return _StepFailure(
                diagnosis.failure, f"{diagnosis.advice} (esptool: {diagnosis.detail})"
            )
    raise AssertionError("unreachable: the last attempt returns")


def _failed(result: FlashResult, failure: Failure, message: str, started: float) -> FlashResult:
    result.failure, result.message = failure, message
    result.seconds = time.monotonic() - started
    return result


def flash_all(
    targets: Sequence[Target],
    image: Path,
    options: FlashOptions,
    *,
    check_image: ImageCheck,
    progress: Progress | None = None,
    bootloader: Path | None = None,
) -> list[FlashResult]:
    """Flash every target at once; results in the order of `targets`, failures included."""
    if not targets:
        return []
    with ThreadPoolExecutor(max_workers=len(targets), thread_name_prefix="flash") as pool:
        futures = [
            pool.submit(
                flash_one,
                t,
                image,
                options,
                check_image=check_image,
                progress=progress,
                bootloader=bootloader,
            )
            for t in targets
        ]
        return [f.result() for f in futures]


def identify(target: Target, options: FlashOptions) -> tuple[str | None, str | None]:
    """(chip, MAC) as the board's ROM reports them (`esptool read-mac`), or Nones."""
    argv = esptool_argv(target, options, "read-mac")
    argv[argv.index("--chip") + 1] = "auto"  # learn the chip, do not assume it
    code, output = run_esptool(argv, options.timeout, lambda line: None)
    return parse_identity(output) if code == 0 else (None, None)
