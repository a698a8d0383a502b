"""OTA on an emulated board from the real CDN: a signed valid image is installed and booted, a
signed but corrupt one is refused by the board's own image check while the running version
keeps going, and back again by a forced downgrade."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.drivers.console import ConsoleDriver
from grouploop.esp.image import build_stand_in_image, write_stand_in_image
from grouploop.esp.partitions import build_table
from tests.fixtures.boards import OTA_LAYOUT, WAIT, BoardSet, console, esptool
from tests.fixtures.cdn import CdnServer
from tests.fixtures.signing import SessionSigning


def ota(con: ConsoleDriver, url: str, command: str = "ota") -> None:
    con.skip()
    con.send_line(f"cmd {command}:{url}")


def test_ota_to_a_new_version_and_back_refusing_a_corrupt_image(
    boards: Callable[..., BoardSet], cdn: CdnServer, tmp_path: Path, signing_keys: SessionSigning
) -> None:
    cdn.firmware_dir.mkdir(parents=True, exist_ok=True)
    write_stand_in_image(cdn.firmware_dir / "v2.bin", "9.2.0", "seeed_xiao_esp32c3")
    write_stand_in_image(cdn.firmware_dir / "v1.bin", "9.1.1", "seeed_xiao_esp32c3")
    corrupt = bytearray(build_stand_in_image("9.3.0", "seeed_xiao_esp32c3"))
    corrupt[0x60] ^= 1  # past the version: the image checksum breaks
    (cdn.firmware_dir / "corrupt.bin").write_bytes(corrupt)
    for name in ("v2.bin", "v1.bin", "corrupt.bin"):
        signing_keys.sign(cdn.firmware_dir / name)
    table, first = tmp_path / "partitions.bin", tmp_path / "v1.bin"
    table.write_bytes(build_table(OTA_LAYOUT))
    write_stand_in_image(first, "9.1.0", "seeed_xiao_esp32c3")

    board = boards(1)
    url = board.urls[0]
    result = esptool(url, "write-flash", "0x8000", str(table), "0x10000", str(first))
    assert result.returncode == 0, result.stdout + result.stderr
    with console(url) as con:
        con.expect(r"I boot: partition table: app0 app at 0x10000", WAIT)
        con.expect(r"GroupLoop 9\.1\.0 ", WAIT)
        con.send_line(f'config set {{"cdn_url":"{cdn.url}"}}')
        con.expect(r"config:ok", WAIT)

        ota(con, f"{cdn.url}/firmware/corrupt.bin")
        con.expect(r"ota failed, keeping the running image: invalid_image: checksum", WAIT)
        con.send_line("status")
        con.expect(r'"version":"9\.1\.0"', WAIT)

        ota(con, f"{cdn.url}/firmware/v2.bin")
        con.expect(r"rst:0x3 \(RTC_SW_SYS_RST\)", WAIT)
        con.expect(r"I boot: partition table: app1 app at 0x150000", WAIT)
        con.expect(r"GroupLoop 9\.2\.0 ", WAIT)

        ota(con, f"{cdn.url}/firmware/v1.bin")
        con.expect(r"older_version: 9\.1\.1 < running 9\.2\.0", WAIT)
        ota(con, f"{cdn.url}/firmware/v1.bin", "ota_downgrade")
        con.expect(r"I boot: partition table: app0 app at 0x10000", WAIT)
        con.expect(r"GroupLoop 9\.1\.1 ", WAIT)
