"""The bench report: per-target results from pytest's JUnit XML, as Markdown and plain text.

Reading the XML and rendering the summary are pure functions, so the report is tested
without running a bench; `write` only puts the files in the report folder.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
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


def passed(flash: list[FlashRow], cases: list[Case]) -> bool:
    return bool(cases) and all(r.ok for r in flash) and all(c.outcome != "failed" for c in cases)


def render_markdown(
    title: str, facts: list[tuple[str, str]], flash: list[FlashRow], cases: list[Case]
) -> str:
    verdict = "PASS" if passed(flash, cases) else "FAIL"
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
    out += [
        "",
        "## HIL suites",
        "",
        "| target | passed | failed | skipped | seconds | serial logs |",
    ]
    out.append("|---|---|---|---|---|---|")
    for target, t in tally(cases).items():
        logs = f"[logs](logs/{target}/)" if target != NO_TARGET else ""
        out.append(
            f"| {target} | {t.passed} | {t.failed} | {t.skipped} | {t.seconds:.1f} | {logs} |"
        )
    failures = [c for c in cases if c.outcome == "failed"]
    if failures:
        out += ["", "## Failures", ""]
        for c in failures:
            first = c.message.splitlines()[0] if c.message else "(no message)"
            out.append(f"- `{c.name}`: {first}")
    if not cases:
        out += ["", "No HIL test ran (see pytest.log)."]
    out += ["", "Full results: [junit.xml](junit.xml), pytest output: [pytest.log](pytest.log)", ""]
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
