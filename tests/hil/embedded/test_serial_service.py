"""An emulated board through pytest-embedded's serial service, in pytest-embedded's own style.

`esp,grouploop`: the grouploop service starts a board flashed with the stand-in image and
hands its port to pytest-embedded, which connects with esptool, resets it (by the RTC
watchdog) and reads its console: over socket:// and over rfc2217://.
"""

import pytest

from bench.build import firmware_version

pytestmark = pytest.mark.parametrize("embedded_services", ["esp,grouploop"], indirect=True)
# How pytest-embedded's reset reaches the board: RTS over RFC 2217, the RTC watchdog (armed
# through the ROM loader) over a socket, which carries no modem lines.
RESETS = [("socket", "0x10 (RTCWDT_RTC_RST)"), ("rfc2217", "0x1 (POWERON)")]
TRANSPORTS = pytest.mark.parametrize("grouploop_transport", ["socket", "rfc2217"], indirect=True)


@pytest.mark.parametrize(("grouploop_transport", "cause"), RESETS, indirect=["grouploop_transport"])
def test_reset_boots_the_flashed_app(dut, cause: str) -> None:
    dut.expect_exact(f"rst:{cause},boot:0xc (SPI_FAST_FLASH_BOOT)", timeout=10)
    dut.expect_exact(f"GroupLoop {firmware_version()} board=", timeout=5)


@TRANSPORTS
def test_console_answers_what_is_written(dut) -> None:
    dut.expect_exact("GroupLoop", timeout=10)
    dut.write("help")
    dut.expect_exact("commands: help | status | config", timeout=5)
    dut.write("config")
    found = dut.expect(r'config:\{.*"hub_url":"(ws://[^"]+)"', timeout=5)
    assert found.group(1).startswith(b"ws://")
