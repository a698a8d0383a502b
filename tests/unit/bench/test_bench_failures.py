"""Each esptool failure is named, with advice; progress and identity are read from its output."""

import pytest

from bench.drivers.failures import Failure, diagnose, parse_identity, progress_percent

CASES = [
    (
        "ERROR: A fatal error occurred: Could not open /dev/ttyNOPE, the port is busy or "
        "doesn't exist.\n([Errno 2] could not open port /dev/ttyNOPE: [Errno 2] No such file",
        Failure.NO_BOARD,
    ),
    (
        "A fatal error occurred: Could not open /dev/ttyACM0, the port is busy or doesn't "
        "exist.\n(Could not exclusively lock port /dev/ttyACM0: [Errno 11] Resource "
        "temporarily unavailable)",
        Failure.PORT_BUSY,
    ),
    (
        "A fatal error occurred: This chip is ESP32-S3, not ESP32-C3. Wrong chip argument?",
        Failure.WRONG_CHIP,
    ),
    (
        "A fatal error occurred: Failed to connect to ESP32-C3: No serial data received.",
        Failure.TIMEOUT,
    ),
    ("A fatal error occurred: MD5 of file does not match data in flash!", Failure.VERIFY_MISMATCH),
    ("A fatal error occurred: something new", Failure.ESPTOOL),
]


@pytest.mark.parametrize(("output", "failure"), CASES)
def test_diagnose_names_the_failure(output: str, failure: Failure) -> None:
    diagnosis = diagnose(output)
    assert diagnosis.failure is failure
    assert diagnosis.advice
    assert diagnosis.detail.startswith(output.split("occurred: ")[-1][:20])


def test_wrong_chip_advice_names_both_chips() -> None:
    advice = diagnose("This chip is ESP32-S3, not ESP32-C3. Wrong chip argument?").advice
    assert "ESP32-S3" in advice and "ESP32-C3" in advice


def test_progress_and_chip_identity_are_read_from_output() -> None:
    assert progress_percent("Writing at 0x00012000 [====>      ]  42.5% 16384/38528 bytes") == 42.5
    assert progress_percent("Hash of data verified.") is None
    output = "Connecting....\nDetecting chip type... ESP32-C3\nMAC: 58:CF:79:0A:0B:0C\n"
    assert parse_identity(output) == ("ESP32-C3", "58:cf:79:0a:0b:0c")
    assert parse_identity("nothing") == (None, None)
