"""The summary is built from JUnit XML: per-target tallies, failures and a verdict."""

from bench.report import ClusterRun, FlashRow, read_junit, render_markdown, render_text, tally

JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" tests="4">
<testcase classname="tests.hil.test_boot" name="test_boot_line[emu-1]" time="1.5"/>
<testcase classname="tests.hil.test_cmd" name="test_cmd[emu-2-led_set]" time="1.0"/>
<testcase classname="tests.hil.test_ota" name="test_ota[emu-2]" time="2.0">
  <failure message="emu-2: no 'GroupLoop 1.0.1' on the console">trace</failure></testcase>
<testcase classname="tests.hil.test_ota" name="test_ota[emu-1]" time="0.0">
  <skipped message="no second build"/></testcase>
</testsuite></testsuites>"""


def test_tally_per_target() -> None:
    counts = tally(read_junit(JUNIT, ["emu-1", "emu-2"]))
    assert list(counts) == ["emu-1", "emu-2"]
    assert (counts["emu-1"].passed, counts["emu-1"].skipped, counts["emu-1"].failed) == (1, 1, 0)
    assert (counts["emu-2"].passed, counts["emu-2"].failed) == (1, 1)
    assert counts["emu-2"].seconds == 3.0


def test_markdown_shows_verdict_failures_and_links() -> None:
    flash = [FlashRow("emu-1", "socket://127.0.0.1:1", True, 0.8, "", "logs/flash-emu-1.log")]
    md = render_markdown("Bench", [("image", "1.0.0 stand-in")], flash, read_junit(JUNIT))
    assert md.startswith("# Bench: FAIL")
    assert "test_ota::test_ota[emu-2]`: emu-2: no 'GroupLoop 1.0.1'" in md
    assert "[log](logs/flash-emu-1.log)" in md and "[logs](logs/emu-2/)" in md
    text = render_text(md)
    assert "logs/flash-emu-1.log" in text and "](" not in text and "**" not in text


def test_a_once_only_check_has_no_target_and_no_log_link() -> None:
    xml = '<testsuite><testcase classname="m" name="test_table" time="0"/></testsuite>'
    md = render_markdown("B", [], [], read_junit(xml, ["emu-1"]))
    assert "| (any) | 1 | 0 | 0 | 0.0 |  |" in md


def test_verdict_pass_needs_tests_and_good_flashes() -> None:
    ok = '<testsuite><testcase classname="m" name="t[a]" time="1"/></testsuite>'
    flash = [FlashRow("a", "p", True, 1.0, "", "")]
    assert render_markdown("B", [], flash, read_junit(ok)).startswith("# B: PASS")
    assert render_markdown("B", [], flash, []).startswith("# B: FAIL")
    bad = [FlashRow("a", "p", False, 1.0, "timeout", "")]
    assert render_markdown("B", [], bad, read_junit(ok)).startswith("# B: FAIL")


def _ok_flash() -> list[FlashRow]:
    return [FlashRow("emu-1", "p", True, 1.0, "", "")]


def test_the_cluster_pass_has_its_own_table_and_its_failures_count() -> None:
    cases = read_junit(JUNIT, ["emu-1", "emu-2"])
    cluster = ClusterRun("emu-1 on hub-a, the client on hub-b", cases)
    md = render_markdown("B", [], _ok_flash(), [c for c in cases if c.target == "emu-1"], cluster)
    assert md.startswith("# B: FAIL")  # the main pass is clean; the cluster pass failed
    section = md.split("## HIL suites on a 2-hub cluster", 1)[1]
    assert section.startswith("\n\nemu-1 on hub-a, the client on hub-b\n")
    assert "| emu-2 | 1 | 1 | 0 | 3.0 | [logs](cluster/logs/emu-2/) |" in section
    assert "[junit.xml](cluster/junit.xml)" in section
    assert "- cluster: `test_ota::test_ota[emu-2]`: emu-2: no 'GroupLoop 1.0.1'" in md


def test_a_skipped_cluster_pass_keeps_the_verdict_and_one_that_could_not_run_fails_it() -> None:
    main = read_junit('<testsuite><testcase classname="m" name="t[emu-1]" time="1"/></testsuite>')
    skipped = ClusterRun(skipped="redis-server is not installed: apt-get install redis-server")
    md = render_markdown("B", [], _ok_flash(), main, skipped)
    assert md.startswith("# B: PASS")
    assert "Skipped: redis-server is not installed: apt-get install redis-server" in md
    broken = ClusterRun(error="hub-b did not join its cluster")
    md = render_markdown("B", [], _ok_flash(), main, broken)
    assert md.startswith("# B: FAIL") and "Did not run: hub-b did not join its cluster" in md
    assert render_markdown("B", [], _ok_flash(), main, ClusterRun("setup", [])).startswith(
        "# B: FAIL"
    )  # a pass that ran no test is no pass
    assert render_markdown("B", [], _ok_flash(), main, ClusterRun("setup", main)).startswith(
        "# B: PASS"
    )
