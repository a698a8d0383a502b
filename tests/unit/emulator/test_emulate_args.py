"""`grouploop emulate` refuses bad arguments up front, with the reason, before starting."""

import pytest

from grouploop.cli import main


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--hub", "http://127.0.0.1:5003"], "bad_url:hub_url"),  # the firmware's own check
        (["--hub", "ws://127.0.0.1:1", "--hub", "ftp://x"], "bad_url:hub_url"),
        (["--hub", "ws://127.0.0.1:1", "--hub", "ws://127.0.0.1:1"], "duplicate:hub_url"),
        ([arg for i in range(5) for arg in ("--hub", f"ws://h{i}")], "too_many:hub_url"),
        (["--hub", "ws://127.0.0.1:1", "--hub", "wss://h"], "pass --ca-cert"),
        (["--devices", "0"], "--devices must be"),
        (["--devices", "70000"], "--devices must be"),
        (["--processes", "0"], "--processes at least 1"),
    ],
)
def test_bad_arguments_exit_2_with_a_reason(argv, reason, capsys):
    assert main(["emulate", *argv]) == 2
    assert reason in capsys.readouterr().err
