"""`grouploop bench` end to end on emulated boards: stand-in build, publish, flash, HIL, report."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grouploop.services import grouploop_argv
from tests.fixtures.cdn import CdnServer
from tests.fixtures.redis import require_redis
from tests.fixtures.tls import ServerCa
from tests.support.timing import scaled


def _bench(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    argv = grouploop_argv("bench", "--own-services")
    argv += ["--report-dir", str(tmp_path / "report"), "--firmware-dir", str(tmp_path / "fw")]
    return subprocess.run(
        [*argv, *args], capture_output=True, text=True, timeout=scaled(300), check=False
    )


def test_bench_runs_end_to_end_on_emulated_boards(tmp_path: Path) -> None:
    # Fast options: one emulated board, a representative slice of the suites, no cluster pass
    # (test_bench_runs_the_suites_again_on_a_2_hub_cluster has it).
    args = ("--emulated", "1", "--no-cluster", "-k", "flash or stream or over_hub and led")
    done = _bench(tmp_path, *args)
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
    assert "## HIL suites on a 2-hub cluster\n\nSkipped: left out (--no-cluster)" in summary
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
    # With redis-server here its cluster pass ran over wss too (a failure there fails the bench).
    assert "## HIL suites on a 2-hub cluster" in summary


def _rows(section: str, target: str) -> list[str]:
    return [line for line in section.splitlines() if line.startswith(f"| {target} | ")]


def test_bench_runs_the_suites_again_on_a_2_hub_cluster(tmp_path: Path) -> None:
    require_redis()
    done = _bench(tmp_path, "--emulated", "1", "-k", "fleet or stream or over_hub and led")
    report = tmp_path / "report"
    assert done.returncode == 0, done.stdout[-3000:]
    setup = re.search(
        r"running the HIL suites on a 2-hub cluster: emu-1 on hub-a \((ws://\S+)\), the "
        r"suites' client on hub-b \((ws://\S+)\), joined through redis://127\.0\.0\.1:(\d+)/0",
        done.stdout,
    )
    assert setup is not None, done.stdout[-3000:]
    summary = (report / "summary.md").read_text()
    main, cluster = summary.split("## HIL suites on a 2-hub cluster")
    assert _rows(main, "emu-1") and "cluster/" not in main
    (row,) = _rows(cluster, "emu-1")
    assert "[logs](cluster/logs/emu-1/)" in row
    assert int(row.split("|")[2]) >= 4 and int(row.split("|")[3]) == 0, row
    junit = (report / "cluster" / "junit.xml").read_text()
    assert "test_the_client_hub_lists_the_device_with_the_hub_that_holds_it[emu-1]" in junit
    # The board was on hub A; every command came from hub B's client through Redis.
    logs = report / "cluster" / "logs"
    hub_a, hub_b = (logs / "hub-a.log").read_text(), (logs / "hub-b.log").read_text()
    assert "[CLUSTER] joined bench as hub hub-a" in hub_a
    assert "[SEND] 1 devices here <- led:ff0000 (from the cluster)" in hub_a  # the first one
    assert "<- led:ff0000" in hub_b and "(from the cluster)" not in hub_b
    # Redis and both hubs were stopped with the pass.
    for port in (int(setup[3]), urlsplit(setup[1]).port, urlsplit(setup[2]).port):
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
