"""The benchmark's table: one fixed-width row per step, Markdown-compatible.

`row`, `header`, `ms` and `cpu` also lay out the cluster benchmark's tables
(`benchmarks.cluster_report`).
"""

from __future__ import annotations

from collections.abc import Sequence

from benchmarks.loadgen.stats import StepResult

Columns = Sequence[tuple[str, int]]

COLUMNS = (
    ("devices", 7),
    ("subs", 4),
    ("offered/s", 9),
    ("delivered/s/sub", 15),
    ("loss %", 7),
    ("lat p50 ms", 10),
    ("lat p99 ms", 10),
    ("cmd p50 ms", 10),
    ("cmd p99 ms", 10),
    ("cmd ok", 7),
    ("hub CPU %", 9),
    ("gen CPU %", 13),
    ("other CPU %", 11),
    ("gen ok", 6),
)


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def cpu(percents: Sequence[float]) -> str:
    """Several processes' CPU in one cell: `21+21+3`."""
    return "+".join(f"{c:.0f}" for c in percents)


def row(cells: Sequence[str], columns: Columns = COLUMNS) -> str:
    return "| " + " | ".join(c.rjust(w) for c, (_, w) in zip(cells, columns, strict=True)) + " |"


def header(columns: Columns = COLUMNS) -> str:
    names = row([name for name, _ in columns], columns)
    rule = "|" + "|".join("-" * (w + 1) + ":" for _, w in columns) + "|"
    return f"{names}\n{rule}"


def format_row(step: StepResult) -> str:
    return row(
        [
            str(step.devices),
            str(step.subscribers),
            f"{step.offered_per_s:.0f}",
            f"{step.delivered_per_s:.0f}",
            f"{step.loss_percent:.2f}",
            ms(step.latency.percentile_ms(50)),
            ms(step.latency.percentile_ms(99)),
            ms(step.command_rtt.percentile_ms(50)),
            ms(step.command_rtt.percentile_ms(99)),
            f"{step.command_rtt.total}/{step.commands_sent}",
            f"{step.hub_cpu:.0f}",
            cpu(step.generator_cpu),
            f"{step.other_cpu:.0f}",
            "no" if step.generator_saturated else "yes",
        ]
    )
