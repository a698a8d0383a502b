"""Power cuts never brick a board (issue 10 item 1): real esptool and real board processes.

The board's process is killed at points spread over every flash write of an update (see
benchmarks/power_cuts.py): during a bench flash (`grouploop flash`, the complete A/B layout
in its power-safe order) and during an OTA. Each boot after a cut must run the old or the
new image. And the rollback rule end to end: an OTA image that reaches the hub confirms
itself and stays; one that never does was already covered by the cuts (it rolls back).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bench.layout import project_layout
from benchmarks.power_cuts import NEW, OLD, Cut, power_cuts
from grouploop.esp.image import write_stand_in_image
from tests.fixtures.boards import WAIT, BoardSet, console, esptool
from tests.fixtures.cdn import CdnServer
from tests.fixtures.hub import HubProcess, eventually
from tests.fixtures.signing import SessionSigning

CUTS = 10  # per scenario: 20 points in all


def describe(cuts: list[Cut]) -> str:
    return ", ".join(f"op {c.op}{'½' if c.half else ''}: {'→'.join(c.boots)}" for c in cuts)


def test_power_cuts_during_a_bench_flash_boot_the_old_or_the_new_image() -> None:
    cuts = power_cuts("flash", CUTS)
    assert [c for c in cuts if c.bricked] == [], describe(cuts)
    seen = {v for c in cuts for v in c.boots}
    assert seen == {OLD, NEW}, describe(cuts)  # the cuts spanned the whole update


def test_power_cuts_during_an_ota_boot_the_old_or_the_new_image() -> None:
    cuts = power_cuts("ota", CUTS)
    assert [c for c in cuts if c.bricked] == [], describe(cuts)
    seen = {v for c in cuts for v in c.boots}
    assert seen == {OLD, NEW}, describe(cuts)


async def test_an_ota_image_that_reaches_the_hub_confirms_itself_and_stays(
    boards: Callable[..., BoardSet],
    cdn: CdnServer,
    hub: HubProcess,
    tmp_path: Path,
    signing_keys: SessionSigning,
) -> None:
    cdn.firmware_dir.mkdir(parents=True, exist_ok=True)
    write_stand_in_image(cdn.firmware_dir / "v2.bin", "9.2.0", "seeed_xiao_esp32c3")
    signing_keys.sign(cdn.firmware_dir / "v2.bin")
    table, first = tmp_path / "partitions.bin", tmp_path / "v1.bin"
    table.write_bytes(project_layout().table)
    write_stand_in_image(first, "9.1.0", "seeed_xiao_esp32c3")
    board = boards(1, hub=hub.url)
    url, log = board.urls[0], board.service.log_path
    assert log is not None
    result = esptool(url, "write-flash", "0x8000", str(table), "0x10000", str(first))
    assert result.returncode == 0, result.stdout + result.stderr
    with console(url) as con:
        con.expect(r"GroupLoop 9\.1\.0 ", WAIT)
        con.send_line(f'config set {{"cdn_url":"{cdn.url}"}}')  # the allowed OTA origin
        con.expect("config:ok", WAIT)
        con.skip()
        con.send_line(f"cmd ota:{cdn.url}/firmware/v2.bin")
        con.expect(r"GroupLoop 9\.2\.0 ", WAIT)
        confirmed = "app at 0x1f0000 confirmed: VALID"
        await eventually(lambda: confirmed in log.read_text(), WAIT, confirmed)
        for _ in range(2):  # it stays, boot after boot
            con.skip()
            con.send_line("reboot")
            con.expect(r"GroupLoop 9\.2\.0 ", WAIT)
    assert "never confirmed itself" not in log.read_text()
