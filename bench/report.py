"""The bench report: per-target results from pytest's JUnit XML, as Markdown and plain text.

Two passes of the suites: the main one, and the one on a 2-hub cluster (`ClusterRun`: the
boards on hub A, the suites' client on hub B), each with its own table.

Reading the XML and rendering the summary are pure functions, so the report is tested
without running a bench; `write` only puts the files in the report folder.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

# pytest names a parametrized case `test_x[target]`; the HIL suites parametrize by target.
_PARAM = re.compile(r"\[(?P<param>[^\[\]]+)\]$")
NO_TARGET = "(any)"  # a check that runs once, not per target (e.g. the command table's)


@dataclass(frozen=True)
class Case:
    name: str
    target: str
    outcome: str  # passed | failed | skipped
    seconds: float
    message: str = ""


@dataclass
class TargetTally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class FlashRow:
    target: str
    port: str
    ok: bool
    seconds: float
    detail: str
    log: str  # path relative to the report folder, or ""


@dataclass(frozen=True)
class ClusterRun:
    """The suites' pass on a 2-hub cluster, or why it did not run."""

    setup: str = ""  # which boards on which hub, the client on which, joined through what
    cases: list[Case] = field(default_factory=list)
    skipped: str = ""  # why it did not run, when that is no failure (no redis-server here)
    error: str = ""  # why it could not run, a failure (a hub that did not start, CI without Redis)

    @property
    def ok(self) -> bool:
        return bool(self.skipped) or (not self.error and _clean(self.cases))


def _target_of(param: str, targets: list[str]) -> str:
    """The target in a case's parameter id (pytest joins several parameters with '-')."""
    for name in sorted(targets, key=len, reverse=True):
        if f"-{name}-" in f"-{param}-":
            return name
    return param


def read_junit(xml_text: str, targets: list[str] | None = None) -> list[Case]:
    """The cases of a JUnit report; `targets` tells target names from other parameters."""
    cases = []
    for node in ET.fromstring(xml_text).iter("testcase"):
        name = node.get("name", "?")
        match = _PARAM.search(name)
        target = _target_of(match.group("param"), targets or []) if match else NO_TARGET
        outcome, message = "passed", ""
        for tag in ("failure", "error"):
            problem = node.find(tag)
            if problem is not None:
                outcome = "failed"
                message = (problem.get("message") or problem.text or "").strip()
        skipped = node.find("skipped")
        if outcome == "passed" and skipped is not None:
            outcome, message = "skipped", (skipped.get("message") or "").strip()
        module = node.get("classname", "").rsplit(".", 1)[-1]
        cases.append(
            Case(f"{module}::{name}", target, outcome, float(node.get("time", 0)), message)
        )
    return cases


def tally(cases: list[Case]) -> dict[str, TargetTally]:
    by_target: dict[str, TargetTally] = defaultdict(TargetTally)
    for case in cases:
        t = by_target[case.target]
        setattr(t, case.outcome, getattr(t, case.outcome) + 1)
        t.seconds += case.seconds
    return dict(sorted(by_target.items()))


def _clean(cases: list[Case]) -> bool:
    return bool(cases) and all(c.outcome != "failed" for c in cases)


def passed(flash: list[FlashRow], cases: list[Case], cluster: ClusterRun | None = None) -> bool:
    return all(r.ok for r in flash) and _clean(cases) and (cluster is None or cluster.ok)


def _hil_table(cases: list[Case], logs: str) -> list[str]:
    out = [
        "| target | passed | failed | skipped | seconds | serial logs |",
        "|---|---|---|---|---|---|",
    ]
    for target, t in tally(cases).items():
        link = f"[logs]({logs}/{target}/)" if target != NO_TARGET else ""
        out.append(
            f"| {target} | {t.passed} | {t.failed} | {t.skipped} | {t.seconds:.1f} | {link} |"
        )
    return out


def _cluster_section(cluster: ClusterRun) -> list[str]:
    out = ["", "## HIL suites on a 2-hub cluster", ""]
    if cluster.skipped:
        return [*out, f"Skipped: {cluster.skipped}"]
    if cluster.setup:
        out += [cluster.setup, ""]
    if cluster.error:
        return [*out, f"Did not run: {cluster.error}"]
    out += _hil_table(cluster.cases, "cluster/logs")
    if not cluster.cases:
        out += ["", "No HIL test ran (see cluster/pytest.log)."]
    out += ["", "Results: [junit.xml](cluster/junit.xml), output: [pytest.log](cluster/pytest.log)"]
    return out


def render_markdown(
    title: str,
    facts: list[tuple[str, str]],
    flash: list[FlashRow],
    cases: list[Case],
    cluster: ClusterRun | None = None,
) -> str:
    verdict = "PASS" if passed(flash, cases, cluster) else "FAIL"
    out = [f"# {title}: {verdict}", ""]
    out += [f"- **{key}**: {value}" for key, value in facts]
    out += [
        "",
        "## Flashing",
        "",
        "| target | port | result | seconds | log |",
        "|---|---|---|---|---|",
    ]
    for r in flash:
        log = f"[log]({r.log})" if r.log else ""
        out.append(
            f"| {r.target} | `{r.port}` | {'ok' if r.ok else r.detail} | {r.seconds:.1f} | {log} |"
        )
    out += ["", "## HIL suites", "", *_hil_table(cases, "logs")]
    if not cases:
        out += ["", "No HIL test ran (see pytest.log)."]
    out += ["", "Full results: [junit.xml](junit.xml), pytest output: [pytest.log](pytest.log)"]
    if cluster is not None:
        out += _cluster_section(cluster)
    failures = [("", c) for c in cases if c.outcome == "failed"]
    if cluster is not None:
        failures += [("cluster: ", c) for c in cluster.cases if c.outcome == "failed"]
    if failures:
        out += ["", "## Failures", ""]
        for where, c in failures:
            first = c.message.splitlines()[0] if c.message else "(no message)"
            out.append(f"- {where}`{c.name}`: {first}")
    out.append("")
    return "\n".join(out)


def render_text(markdown: str) -> str:
    """The same summary for a terminal: Markdown table pipes kept, markup dropped."""
    text = re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"\2", markdown)
    text = re.sub(r"\*\*|`", "", text)
    return "\n".join(line for line in text.splitlines() if not re.fullmatch(r"\|(---\|)+", line))


def write(report_dir: Path, markdown: str) -> tuple[Path, Path]:
    report_dir.mkdir(parents=True, exist_ok=True)
    md, txt = report_dir / "summary.md", report_dir / "summary.txt"
    md.write_text(markdown, encoding="utf-8")
    txt.write_text(render_text(markdown) + "\n", encoding="utf-8")
    return md, txt
