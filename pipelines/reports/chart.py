"""Chart images for reports: matplotlib's Agg canvas, no pyplot state (safe in servers and threads)."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from embeddings.atomic import atomic_path
from matcher.operations.gaps import GapRow


def gap_chart(rows: list[GapRow], path: Path, *, top: int = 15, title: str = "Catalogue gaps") -> Path:
    """Horizontal bars of the top fields: weak demands next to the experts available. Atomic PNG.

    Labels use the English field names (the Agg default fonts have no CJK glyphs).
    """
    shown = rows[:top][::-1]
    labels = [f"{r.label_en} ({r.field})" for r in shown]
    positions = range(len(shown))
    figure = Figure(figsize=(10, max(3.0, 0.45 * len(shown) + 1.5)))
    FigureCanvasAgg(figure)
    axis = figure.subplots()
    axis.barh(
        [p + 0.2 for p in positions],
        [r.weak_demands for r in shown],
        height=0.4,
        color="#c0392b",
        label="weak open demands",
    )
    axis.barh(
        [p - 0.2 for p in positions],
        [r.supply for r in shown],
        height=0.4,
        color="#2980b9",
        label="experts in field",
    )
    axis.set_yticks(list(positions), labels, fontsize=8)
    axis.set_xlabel("count")
    axis.set_title(title)
    axis.legend(loc="best")
    figure.tight_layout()
    path = Path(path)
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=110)
    return path
