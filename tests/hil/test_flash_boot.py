"""Flash and boot: esptool writes the build, the board boots it and names its version."""

from bench.dut import Dut, State


def test_flash_then_boot_line_names_the_flashed_version(dut: Dut, hil) -> None:
    result = dut.flash(hil.build)
    assert result.ok, result.line()
    boot = dut.reboot()
    assert boot["version"] == hil.build.version
    assert dut.answer("status")["data"]["version"] == hil.build.version
    dut.transition(State.RUNNING, hil.build)  # leave it configured for the next test


def test_reset_keeps_version_and_device_id(dut: Dut) -> None:
    before = dut.device_id
    boot = dut.hard_reset()  # RTS on a USB board; the console's reboot on an emulated one
    assert boot["id"] == before
    assert boot["board"]
    dut.wait_streaming()
