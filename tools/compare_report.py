"""``make nlu-compare``'s report: the same Markdown in the terminal and in results/nlu-compare.md, plus the chart.

The Markdown is what a pull request shows; the chart (per-intent F1 before
and after, one panel per held-out set) is a PNG beside it.
"""
from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence

from tools.compare_scoring import Change, SetComparison


def _figure(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def _delta(before: Optional[float], after: Optional[float]) -> str:
    if before is None or after is None:
        return "-"
    return f"{after - before:+.3f}"


def render_markdown(base: str, comparisons: Sequence[SetComparison], chart: Optional[str]) -> str:
    worse = [r for c in comparisons for r in c.regressions]
    verdict = ("**WORSE**: " + "; ".join(worse)) if worse else "**Not worse** on any held-out set."
    lines = [f"# NLU before/after: `{base}` -> working tree", "", verdict, "",
             "| set | intent accuracy before | after | change | entity F1 before | after | change |",
             "|---|---|---|---|---|---|---|"]
    for c in comparisons:
        name = c.name if c.judged else f"{c.name} (labels are guesses: not judged)"
        lines.append(f"| {name} | {c.before.accuracy:.3f} | {c.after.accuracy:.3f} | "
                     f"{_delta(c.before.accuracy, c.after.accuracy)} | {_figure(c.before.entity_f1)} | "
                     f"{_figure(c.after.entity_f1)} | {_delta(c.before.entity_f1, c.after.entity_f1)} |")
    if chart:
        lines += ["", f"![per-intent F1 before and after]({chart})"]
    for c in comparisons:
        lines += ["", f"## {c.name}", "", "| intent | messages | F1 before | after | change |", "|---|---|---|---|---|"]
        for intent in sorted(c.before.intent_f1):
            before, after = c.before.intent_f1[intent], c.after.intent_f1.get(intent)
            mark = " **worse**" if any(f"intent {intent} F1" in r for r in c.regressions) else ""
            lines.append(f"| {intent} | {c.before.support[intent]} | {before:.3f} | {_figure(after)} | "
                         f"{_delta(before, after)}{mark} |")
        lines += ["", *_changes(c)]
    return "\n".join(lines) + "\n"


def _changes(comparison: SetComparison) -> List[str]:
    if not comparison.changes:
        return ["No message's prediction changed."]
    lines = ["| change | message | should be | before | after |", "|---|---|---|---|---|"]
    for changed in comparison.changes:
        text = changed.example.text.replace("|", "\\|")
        lines.append(f"| {changed.change.value} | {text} | {changed.example.intent} | "
                     f"{changed.before.intent} {changed.before.confidence:.2f} | "
                     f"{changed.after.intent} {changed.after.confidence:.2f} |")
    counts = ", ".join(f"{sum(c.change is kind for c in comparison.changes)} {kind.value}" for kind in Change)
    return lines + ["", counts]


def draw_chart(comparisons: Sequence[SetComparison], path: Path) -> None:
    """Per-intent F1 before and after, a panel per set (matplotlib, no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [c for c in comparisons if c.before.intent_f1]
    tallest = max((len(c.before.intent_f1) for c in panels), default=4)
    figure, axes = plt.subplots(1, max(len(panels), 1), squeeze=False,
                                figsize=(6 * max(len(panels), 1), 0.35 * tallest + 1.5))
    for axis, comparison in zip(axes[0], panels, strict=False):
        intents = sorted(comparison.before.intent_f1)
        rows = range(len(intents))
        axis.barh([r + 0.2 for r in rows], [comparison.before.intent_f1[i] for i in intents], height=0.4,
                  label="before", color="#9aa5b1")
        axis.barh([r - 0.2 for r in rows], [comparison.after.intent_f1.get(i, 0.0) for i in intents], height=0.4,
                  label="after", color="#1f77b4")
        axis.set_yticks(list(rows))
        axis.set_yticklabels(intents)
        axis.set_xlim(0, 1.05)
        axis.set_xlabel("F1")
        axis.set_title(comparison.name, pad=24)
        axis.invert_yaxis()
        axis.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
