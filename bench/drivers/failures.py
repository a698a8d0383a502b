"""Turn esptool's output into one named failure with a message a person can act on (no I/O)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Failure(StrEnum):
    NO_BOARD = "no board"
    PORT_BUSY = "port busy"
    WRONG_CHIP = "wrong chip"
    TIMEOUT = "timeout"
    VERIFY_MISMATCH = "verify mismatch"
    CORRUPT_IMAGE = "corrupt image"
    STAND_IN_ON_HARDWARE = "stand-in image on a real board"
    ESPTOOL = "esptool error"


# Failures worth another attempt: a board that dropped a packet or a flaky write.
RETRYABLE = frozenset({Failure.TIMEOUT, Failure.VERIFY_MISMATCH})

# First match wins: order matters where esptool's messages overlap ("Could not open" covers
# both a missing and a busy port; the errno tells them apart).
_RULES: list[tuple[re.Pattern[str], Failure, str]] = [
    (
        re.compile(r"exclusively lock|Resource temporarily unavailable|resource busy", re.I),
        Failure.PORT_BUSY,
        "the port is open in another process (a serial monitor?); close it and retry",
    ),
    (
        re.compile(r"Could not open .*|No such file or directory|Connection refused", re.I),
        Failure.NO_BOARD,
        "nothing answers at this port: is the board plugged in and the port right?",
    ),
    (
        re.compile(r"This chip is (?P<found>[\w-]+), not (?P<wanted>[\w-]+)", re.I),
        Failure.WRONG_CHIP,
        "the board answers as {found}, not {wanted}: wrong board on this port?",
    ),
    (
        re.compile(r"MD5 of file does not match|Verification failed|digest mismatch", re.I),
        Failure.VERIFY_MISMATCH,
        "what was read back from flash differs from the image",
    ),
    (
        re.compile(
            r"No serial data received|Timed out|timeout|stream stopped|"
            r"Invalid head of packet|Failed to connect",
            re.I,
        ),
        Failure.TIMEOUT,
        "the board stopped answering (not in download mode, cable, or crashed)",
    ),
]

_FATAL = re.compile(r"A fatal error occurred: (?P<msg>.*)")


@dataclass(frozen=True)
class Diagnosis:
    failure: Failure
    advice: str
    detail: str  # esptool's own words, for the log


def diagnose(output: str) -> Diagnosis:
    """Name the failure in the output of an esptool run that exited non-zero."""
    fatal = _FATAL.search(output)
    detail = fatal.group("msg").strip() if fatal else _last_line(output)
    for pattern, failure, advice in _RULES:
        match = pattern.search(output)
        if match:
            return Diagnosis(failure, advice.format(**match.groupdict()), detail)
    return Diagnosis(Failure.ESPTOOL, "esptool failed; see the flash log", detail)


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


_PROGRESS = re.compile(r"(?P<pct>\d{1,3}(?:\.\d)?) ?%")


def progress_percent(line: str) -> float | None:
    """The percentage in one of esptool's progress lines (`Writing at 0x… [==>  ] 42.0% …`)."""
    match = _PROGRESS.search(line)
    return float(match.group("pct")) if match else None


_MAC = re.compile(r"MAC:\s*(?P<mac>(?:[0-9a-f]{2}:){5}[0-9a-f]{2})", re.I)
_CHIP = re.compile(r"(?:Chip type|Detecting chip type\.*)\s*:?\s*(?P<chip>ESP[\w-]+)", re.I)


def parse_identity(output: str) -> tuple[str | None, str | None]:
    """(chip, mac) from `esptool read-mac` output; None for what it did not print."""
    chip = _CHIP.search(output)
    mac = _MAC.search(output)
    return (
        chip.group("chip") if chip else None,
        mac.group("mac").lower() if mac else None,
    )
