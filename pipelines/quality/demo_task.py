"""The bundled demo as the suite's synthetic row.

The demo gold was written together with the glossary and catalogue, so it shows language-pair coverage
and catches regressions; it is no evidence that ranking is good on real text.
"""

from __future__ import annotations

from pipelines.demo.generator import generate_demo
from pipelines.quality.tasks import Pool, QualityTask


def demo_task() -> QualityTask:
    """All 160 demo demands against the 656 demo experts, graded 1–3 (relevant at grade ≥ 2)."""
    data = generate_demo()
    gold: dict[str, dict[str, int]] = {}
    for demand_id, expert_id, grade in data.gold:
        gold.setdefault(demand_id, {})[expert_id] = grade
    return QualityTask(
        name="demo",
        pair="mixed (synthetic)",
        description=(
            "Bundled synthetic demo: 160 demands (136 zh, 24 en) against 656 experts in en, zh, "
            "traditional zh and bilingual profiles; topic-based graded gold."
        ),
        pool=Pool("demo", list(data.experts)),
        demands=list(data.demands),
        gold=gold,
        notes=["Synthetic gold written alongside the glossary: a smoke test, not evidence of quality."],
    )
