"""Quality reports: a Markdown table per task and a JSON file with every figure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from embeddings.atomic import write_text_atomic
from pipelines.quality.runner import REPORTED_METRICS, SYSTEMS, TaskResult, summary

_METRIC_LABELS = {"ndcg": "nDCG@10", "recall": "Recall@10", "mrr": "MRR"}


def _cell(values: tuple[float, float, float]) -> str:
    mean, low, high = values
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def format_markdown(results: Sequence[TaskResult], *, title: str = "Public quality suite") -> str:
    """The report as Markdown: one overview table, then one table per task."""
    lines = [f"# {title}", "", f"Run {datetime.now(UTC).isoformat(timespec='seconds')}.", ""]
    lines += ["## Overview (nDCG@10)", ""]
    lines.append("| task | pair | needs | experts | " + " | ".join(SYSTEMS) + " | final − best single |")
    lines.append("|---|---|---|---|" + "---|" * len(SYSTEMS) + "---|")
    for r in results:
        test = r.final_vs_best
        delta = f"{test.delta:+.3f} [{test.ci_low:+.3f}, {test.ci_high:+.3f}] vs {r.best_single}"
        cells = " | ".join(f"{r.mean(s):.3f}" for s in SYSTEMS)
        lines.append(f"| {r.task} | {r.pair} | {r.queries} | {r.experts} | {cells} | {delta} |")
    macro = summary(results)
    lines.append("| macro mean | | | | " + " | ".join(f"{macro[s]:.3f}" for s in SYSTEMS) + " | |")
    for r in results:
        lines += ["", f"## {r.task} ({r.pair})", "", r.description, ""]
        header = " | ".join(_METRIC_LABELS[m] + " [95% CI]" for m in REPORTED_METRICS)
        lines += [f"| system | {header} |", "|---|" + "---|" * len(REPORTED_METRICS)]
        for system in SYSTEMS:
            cells = " | ".join(_cell(r.means[system][m]) for m in REPORTED_METRICS)
            lines.append(f"| {system} | {cells} |")
        test = r.final_vs_best
        lines += [
            "",
            f"final vs {r.best_single} (nDCG@10, paired over {test.queries} needs): "
            f"Δ {test.delta:+.3f} [{test.ci_low:+.3f}, {test.ci_high:+.3f}], p = {test.p_value:.4f}.",
        ]
        lines += [f"- {note}" for note in r.notes]
    return "\n".join(lines) + "\n"


def as_json(results: Sequence[TaskResult]) -> dict[str, Any]:
    """Every figure of the run (means, intervals, paired tests and per-need metrics)."""
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "macro_ndcg": summary(results),
        "tasks": [
            {
                "task": r.task,
                "pair": r.pair,
                "description": r.description,
                "experts": r.experts,
                "queries": r.queries,
                "means": {s: {m: list(v) for m, v in r.means[s].items()} for s in SYSTEMS},
                "best_single": r.best_single,
                "final_vs_best": asdict(r.final_vs_best),
                "notes": r.notes,
                "per_query": r.per_query,
            }
            for r in results
        ],
    }


def write_reports(results: Sequence[TaskResult], out_dir: Path, *, name: str = "public") -> Path:
    """Write ``quality-<name>.md`` and ``quality-<name>.json`` into ``out_dir``; returns the .md path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown = out_dir / f"quality-{name}.md"
    write_text_atomic(markdown, format_markdown(results))
    write_text_atomic(out_dir / f"quality-{name}.json", json.dumps(as_json(results), ensure_ascii=False))
    return markdown
