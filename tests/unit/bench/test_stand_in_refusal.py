"""A stand-in image is never flashed onto a real board: it only spins there."""

from pathlib import Path

from bench.build import BuildOutput
from bench.drivers.failures import Failure
from bench.drivers.flasher import FlashOptions
from bench.flash_cli import flash_targets, is_hardware
from bench.resources import Target


def test_local_serial_devices_are_hardware_and_urls_or_emulated_targets_are_not() -> None:
    assert is_hardware(Target("usb", "/dev/ttyACM0"))
    assert not is_hardware(Target("emu", "socket://127.0.0.1:4000"))
    assert not is_hardware(Target("emu", "/dev/pts/7", emulated=True))


def test_a_stand_in_is_refused_for_a_real_board_before_esptool_runs(tmp_path: Path) -> None:
    stand_in = BuildOutput("seeed_xiao_esp32c3", "1.0.0", tmp_path / "missing.bin", True)
    [result] = flash_targets([Target("usb", "/dev/ttyACM0")], stand_in, FlashOptions())
    assert not result.ok
    assert result.failure is Failure.STAND_IN_ON_HARDWARE
    assert "PlatformIO build" in result.line()
    assert result.attempts == 0  # esptool never ran: the image path does not even exist
