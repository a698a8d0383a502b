"""The benchmark's table: one fixed-width row per step, Markdown-compatible."""

from __future__ import annotations

from benchmarks.loadgen.stats import StepResult

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


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(c.rjust(w) for c, (_, w) in zip(cells, COLUMNS, strict=True)) + " |"


def header() -> str:
    names = _row([name for name, _ in COLUMNS])
    rule = "|" + "|".join("-" * (w + 1) + ":" for _, w in COLUMNS) + "|"
    return f"{names}\n{rule}"


def format_row(step: StepResult) -> str:
    gen = "+".join(f"{c:.0f}" for c in step.generator_cpu)
    return _row(
        [
            str(step.devices),
            str(step.subscribers),
            f"{step.offered_per_s:.0f}",
            f"{step.delivered_per_s:.0f}",
            f"{step.loss_percent:.2f}",
            _ms(step.latency.percentile_ms(50)),
            _ms(step.latency.percentile_ms(99)),
            _ms(step.command_rtt.percentile_ms(50)),
            _ms(step.command_rtt.percentile_ms(99)),
            f"{step.command_rtt.total}/{step.commands_sent}",
            f"{step.hub_cpu:.0f}",
            gen,
            f"{step.other_cpu:.0f}",
            "no" if step.generator_saturated else "yes",
        ]
    )
