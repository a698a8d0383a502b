"""`grouploop bench` end to end on emulated boards: stand-in build, publish, flash, HIL, report."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from grouploop.services import grouploop_argv
from tests.fixtures.cdn import CdnServer
from tests.fixtures.tls import ServerCa
from tests.support.timing import scaled


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = grouploop_argv("bench", "--own-services")
    argv += ["--report-dir", str(tmp_path / "report"), "--firmware-dir", str(tmp_path / "fw")]
    return subprocess.run(
        [*argv, *args], capture_output=True, text=True, timeout=scaled(300), check=False
    )


def test_bench_runs_end_to_end_on_emulated_boards(tmp_path: Path) -> None:
    # Fast options: one emulated board, a representative slice of the suites.
    done = _bench(tmp_path, "--emulated", "1", "-k", "flash or stream or over_hub and led")
    report = tmp_path / "report"
    assert done.returncode == 0, done.stdout[-3000:]
    assert "no board attached: running on 1 emulated boards" in done.stdout
    summary = (report / "summary.md").read_text()
    assert summary.startswith("# GroupLoop bench") and ": PASS" in summary.splitlines()[0]
    assert "STAND-IN image (not a firmware build)" in summary
    assert "(auth on)" in summary  # the HIL suites ran against a hub with credentials
    hub_log = (report / "logs" / "hub.log").read_text()
    assert "logins required" in hub_log and "(device)" in hub_log
    assert "| emu-1 | `socket://127.0.0.1:" in summary
    row = next(
        line
        for line in summary.splitlines()
        if line.startswith("| emu-1 | ") and "logs/emu-1/" in line
    )
    passed = int(row.split("|")[2])
    assert passed >= 4
    assert "<testcase" in (report / "junit.xml").read_text()
    assert "Hash of data verified" in (report / "logs" / "flash-emu-1.log").read_text()
    version = (Path(__file__).resolve().parents[2] / "firmware" / "VERSION").read_text().strip()
    boot_log = next((report / "logs" / "emu-1").glob("test_flash_then_boot*/console.log"))
    assert f"< GroupLoop {version} board=" in boot_log.read_text()
    assert (report / "summary.txt").read_text() in done.stdout + "\n"
    manifest = json.loads((tmp_path / "fw" / "manifest.json").read_text())
    assert [b["stand_in"] for b in manifest["builds"]] == [True]
    assert manifest["builds"][0]["file"].endswith("-stand-in.bin")


def test_bench_reports_a_board_that_cannot_be_flashed(tmp_path: Path) -> None:
    # No toolchain here, so the build is a stand-in, which a real serial board never gets.
    done = _bench(tmp_path, "--port", "left=/dev/ttyGL404", "--connect-attempts", "1")
    assert done.returncode == 1
    summary = (tmp_path / "report" / "summary.md").read_text()
    assert ": FAIL" in summary.splitlines()[0]
    assert "| left | `/dev/ttyGL404` | stand-in image on a real board: " in summary
    assert "No HIL test ran" in summary


def test_bench_stops_when_the_running_cdn_serves_another_firmware_folder(
    tmp_path: Path, cdn: CdnServer
) -> None:
    argv = grouploop_argv("bench", "--report-dir", str(tmp_path / "r"))
    argv += ["--firmware-dir", str(tmp_path / "elsewhere"), "--emulated", "1"]
    env = {**os.environ, "CDN_BASE_URL": cdn.url, "WS_DEFAULT_URL": "ws://127.0.0.1:9"}
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=scaled(120), check=False, env=env
    )
    assert done.returncode == 1, done.stdout[-2000:]
    assert f"but the CDN at {cdn.url} does not serve it" in done.stdout
    assert "running the HIL suites" not in done.stdout


def test_bench_runs_hub_and_cdn_over_tls_and_provisions_the_ca(
    tmp_path: Path, tls_ca: ServerCa
) -> None:
    done = _bench(
        tmp_path,
        "--emulated",
        "1",
        *tls_ca.server_args,
        "--tls-ca",
        str(tls_ca.ca_path),
        "-k",
        "stream or ota",
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "started the hub at wss://127.0.0.1:" in done.stdout
    assert "started the CDN at https://127.0.0.1:" in done.stdout
    summary = (tmp_path / "report" / "summary.md").read_text()
    row = next(
        line
        for line in summary.splitlines()
        if line.startswith("| emu-1 | ") and "logs/emu-1/" in line
    )
    assert int(row.split("|")[2]) >= 3 and int(row.split("|")[3]) == 0, row  # streamed, OTAs
