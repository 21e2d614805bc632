"""Cross-language tasks: Chinese enterprise needs against English DBLP authors plus Chinese distractors.

Needs: ``data/dblp_topic_needs_zh.json`` — 8 hand-written Chinese needs for each of the 7 DBLP topic tags,
each in a ``full`` (3–5 sentence posting) and a ``short`` (1–2 sentence query) version.

Pool ``mixed-dblp-csl``: the DBLP candidates of the upstream protocol — the 199 labelled authors, the
only ones whose topics are judged — with all their papers (authors without any paper are left out), plus
every expert of the CSL pool ``csl-keywords`` (the same objects): 114 keyword pseudo-experts and 1,000
CSLDCP abstract distractors, i.e. 1,114 Chinese profiles as same-language distractors for a Chinese need.
The 508 unlabelled authors stay out: many work on the same topics but are unjudged, so counting them as
non-relevant would score a right answer as wrong.

Gold: the labelled DBLP authors tagged with the need's topic (grade `RELEVANT`). Labelled authors without
any tag are judged non-relevant for every topic; the Chinese profiles are unjudged and never relevant.
"""

from __future__ import annotations

import json
from pathlib import Path

from matcher.domain.records import Demand
from pipelines.quality.csl import csl_pool, split_first_sentence
from pipelines.quality.dblp import DblpData, dblp_all_experts, expert_id, load_dblp
from pipelines.quality.tasks import RELEVANT, Pool, QualityTask

NEEDS_FILE = Path(__file__).with_name("data") / "dblp_topic_needs_zh.json"
VARIANTS = ("full", "short")


def load_topic_needs(path: Path = NEEDS_FILE) -> list[dict[str, str]]:
    """The hand-written needs: dicts with ``topic``, ``id``, ``full`` and ``short``."""
    with open(path, encoding="utf-8") as handle:
        needs: list[dict[str, str]] = json.load(handle)["needs"]
    return needs


def mixed_tasks(
    directory: Path | None = None, csl: Pool | None = None, dblp: DblpData | None = None
) -> tuple[QualityTask, QualityTask]:
    """The ``mixed-zh-en-full`` and ``mixed-zh-en-short`` tasks, sharing one Pool object.

    Args:
        directory: the eval-data root; `eval_data_dir` when omitted.
        csl: the CSL pool whose experts (keyword pseudo-experts and CSLDCP distractors) are reused as the
            Chinese distractors (built from ``directory`` when omitted).
        dblp: already loaded DBLP arrays (read from ``directory`` when omitted).
    """
    data = load_dblp(directory) if dblp is None else dblp
    distractors = csl_pool(directory) if csl is None else csl
    labelled = {expert_id(int(a)) for a in data.labelled_authors}
    dblp_experts = [e for e in dblp_all_experts(data=data) if e.id in labelled and e.publications]
    findable = {e.id for e in dblp_experts}
    by_topic: dict[str, set[str]] = {}
    unfindable: set[str] = set()
    for author, tags in data.author_tags().items():
        for tag in tags:
            if expert_id(author) in findable:
                by_topic.setdefault(tag, set()).add(expert_id(author))
            else:
                unfindable.add(expert_id(author))
    pool = Pool("mixed-dblp-csl", [*dblp_experts, *distractors.experts])
    needs = load_topic_needs()
    unknown = {n["topic"] for n in needs} - set(data.tags)
    if unknown:
        raise ValueError(f"needs file names topics not in the DBLP tags: {sorted(unknown)}")
    notes = [
        f"the pool holds the {len(dblp_experts)} labelled DBLP candidates that have papers (judged) and "
        f"the {len(distractors.experts)} Chinese profiles of the CSL pool (unjudged, never relevant)",
        f"{len(unfindable)} tagged authors without any paper are left out of the gold (empty profiles)",
        "needs were written by hand from the topic names, without reading the DBLP papers",
    ]
    tasks: list[QualityTask] = []
    for variant in VARIANTS:
        demands: list[Demand] = []
        gold: dict[str, dict[str, int]] = {}
        for need in needs:
            title, description = split_first_sentence(need[variant])
            demand = Demand(id=f"MIX-{need['id']}-{variant}", title=title, description=description)
            demands.append(demand)
            gold[demand.id] = {e: RELEVANT for e in sorted(by_topic.get(need["topic"], set()))}
        tasks.append(
            QualityTask(
                name=f"mixed-zh-en-{variant}",
                pair="zh→en",
                description=f"Hand-written Chinese enterprise needs ({variant}) for the 7 DBLP topics "
                f"against the {len(dblp_experts)} labelled DBLP candidates plus the "
                f"{len(distractors.experts)} Chinese profiles of the CSL pool; relevant = labelled "
                "authors tagged with the need's topic.",
                pool=pool,
                demands=demands,
                gold=gold,
                notes=list(notes),
            )
        )
    return tasks[0], tasks[1]
