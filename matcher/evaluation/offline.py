"""Offline evaluation of matching quality on graded gold labels.

Metrics (at cut-off k): nDCG with graded gains, MAP, MRR, capped Recall (hits among the top k divided
by min(k, number of relevant experts), so a perfect list scores 1 even when more than k experts are
relevant), P@k, plus coverage and concentration of the recommended experts. An expert is *relevant* at
grade ≥ ``min_grade``. Means come with percentile bootstrap intervals over demands when asked.

Language pairs (zh→en …) are measured on the same full-pool rankings: relevant experts whose profile is
in another language are removed from the list (neither help nor harm) and only relevant experts of the
target language count, so an English expert buried under irrelevant Chinese profiles scores low.
Industry slices (``industry:<code>``) group demands by their catalogue industry.

Gold comes from a labelled file (`read_gold`) or from the match lifecycle
(`matcher.evaluation.outcomes.gold_from_lifecycle`).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings.text.normalize import language_family
from matcher.domain.records import Demand
from matcher.evaluation.metrics import (
    METRIC_NAMES,
    bootstrap_ci,
    concentration,
    coverage,
    ndcg_at_k,
    query_metrics,
    recall_at_k,
    reciprocal_rank,
)
from matcher.service import Matcher

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "PAIRS",
    "SYSTEMS",
    "Gold",
    "MetricRow",
    "evaluate_matcher",
    "format_table",
    "metric_frame",
    "ndcg_at_k",
    "pair_view",
    "per_query_metrics",
    "read_gold",
    "recall_at_k",
    "reciprocal_rank",
    "score_rankings",
    "slice_rows",
    "system_rankings",
]

Gold = dict[str, dict[str, int]]
Rankings = dict[str, list[str]]
SYSTEMS: dict[str, tuple[str, bool]] = {
    "bm25": ("lexical", False),
    "dense": ("dense", False),
    "fused": ("hybrid", False),
    "fused+ranker": ("hybrid", True),
}
PAIRS = ("all", "zh→zh", "en→en", "zh→en", "en→zh", "zh→zh-tw")


def read_gold(path: Path) -> Gold:
    """Read ``demand_id,expert_id,grade`` rows.

    Raises:
        ValueError: naming the file, row and column of a malformed row.
    """
    gold: Gold = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"demand_id", "expert_id", "grade"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}:1:{','.join(sorted(missing))}: missing column")
        for row_number, row in enumerate(reader, start=2):
            try:
                grade = int(row["grade"])
            except ValueError:
                raise ValueError(f"{path}:{row_number}:grade: not an integer: {row['grade']!r}") from None
            gold.setdefault(row["demand_id"], {})[row["expert_id"]] = grade
    return gold


@dataclass
class MetricRow:
    """Mean metrics of one system on one slice of queries (``ci``: metric → (low, high))."""

    system: str
    pair: str
    queries: int
    ndcg: float
    recall: float
    mrr: float
    map: float = 0.0
    precision: float = 0.0
    coverage: float = 0.0
    gini: float = 0.0
    top1_share: float = 0.0
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)


def per_query_metrics(
    rankings: Mapping[str, Sequence[str]], gold: Gold, *, k: int = 10, min_grade: int = 2
) -> dict[str, dict[str, float]]:
    """query id → metric → value, for queries that have at least one relevant item."""
    result = {}
    for query_id, ranking in rankings.items():
        grades = gold.get(query_id, {})
        if any(g >= min_grade for g in grades.values()):
            result[query_id] = query_metrics(ranking, grades, k=k, min_grade=min_grade)
    return result


def score_rankings(
    rankings: Mapping[str, Sequence[str]], gold: Gold, *, k: int = 10, min_grade: int = 2
) -> tuple[float, float, float, int]:
    """Mean nDCG@k, Recall@k and MRR over queries that have relevant items."""
    scored = per_query_metrics(rankings, gold, k=k, min_grade=min_grade)
    if not scored:
        return 0.0, 0.0, 0.0, 0
    n = len(scored)
    ndcg, recall, mrr = (sum(m[name] for m in scored.values()) / n for name in ("ndcg", "recall", "mrr"))
    return ndcg, recall, mrr, n


def pair_view(
    rankings: Mapping[str, Sequence[str]],
    gold: Gold,
    query_language: Mapping[str, str],
    profile_language: Mapping[str, str],
    pair: str,
) -> tuple[dict[str, list[str]], Gold]:
    """Rankings and gold restricted to one language pair (see the module docstring)."""
    if pair == "all":
        return {q: list(r) for q, r in rankings.items()}, gold
    source, target = pair.split("→")
    view: dict[str, list[str]] = {}
    view_gold: Gold = {}
    for query_id, ranking in rankings.items():
        if language_family(query_language.get(query_id, "")) != source:
            continue
        grades = gold.get(query_id, {})
        in_target = {e: g for e, g in grades.items() if _profile_matches(profile_language.get(e, ""), target)}
        view[query_id] = [e for e in ranking if e in in_target or e not in grades]
        view_gold[query_id] = in_target
    return view, view_gold


def _profile_matches(language: str, target: str) -> bool:
    if target == "zh":
        return language in ("zh", "zh-tw")
    return language == target


def system_rankings(
    matcher: Matcher,
    demands: Sequence[Demand],
    *,
    systems: Sequence[str] = tuple(SYSTEMS),
    depth: int = 50,
) -> tuple[dict[str, Rankings], dict[str, str]]:
    """Rankings of each system for each demand, and each demand's detected query language."""
    analyses = [matcher.analyzer.analyze_demand(d) for d in demands]
    vectors = matcher.encoder.encode_queries([a.text for a in analyses])
    query_language = {d.id: a.language for d, a in zip(demands, analyses, strict=True)}
    result: dict[str, Rankings] = {}
    for system in systems:
        if system not in SYSTEMS:
            raise ValueError(f"unknown system {system!r}; use one of {', '.join(SYSTEMS)}")
        mode, rank = SYSTEMS[system]
        result[system] = {
            d.id: [
                r.id
                for r in matcher.recommend_analysis(a, v, k=depth, explain=False, mode=mode, rank=rank)  # type: ignore[arg-type]
            ]
            for d, a, v in zip(demands, analyses, vectors, strict=True)
        }
    return result, query_language


def slice_rows(
    system: str,
    rankings: Rankings,
    gold: Gold,
    *,
    query_language: Mapping[str, str],
    profile_language: Mapping[str, str],
    pairs: Sequence[str] = PAIRS,
    industries: Mapping[str, str] | None = None,
    k: int = 10,
    min_grade: int = 2,
    bootstrap: int = 0,
    seed: int = 0,
) -> list[MetricRow]:
    """Metric rows of one system's rankings per language pair and (optionally) per demand industry."""
    views: list[tuple[str, Rankings, Gold]] = []
    for pair in pairs:
        view, view_gold = pair_view(rankings, gold, query_language, profile_language, pair)
        views.append((pair, view, view_gold))
    for code in sorted(set((industries or {}).values())):
        selected = {q: r for q, r in rankings.items() if (industries or {}).get(q) == code}
        views.append((f"industry:{code}", selected, gold))
    pool = len(profile_language)
    rows = []
    for name, view, view_gold in views:
        scored = per_query_metrics(view, view_gold, k=k, min_grade=min_grade)
        means = {m: _mean([s[m] for s in scored.values()]) for m in METRIC_NAMES}
        ci = {}
        if bootstrap and scored:
            for m in METRIC_NAMES:
                _, low, high = bootstrap_ci([s[m] for s in scored.values()], resamples=bootstrap, seed=seed)
                ci[m] = (low, high)
        lists = [view[q] for q in scored]
        spread = concentration(lists, pool, k)
        rows.append(
            MetricRow(
                system, name, len(scored), means["ndcg"], means["recall"], means["mrr"], means["map"],
                means["precision"], coverage(lists, pool, k), spread.gini, spread.top1_share, ci,
            )
        )  # fmt: skip
    return rows


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def evaluate_matcher(
    matcher: Matcher,
    demands: Sequence[Demand],
    gold: Gold,
    *,
    k: int = 10,
    depth: int = 50,
    systems: Sequence[str] = tuple(SYSTEMS),
    pairs: Sequence[str] = PAIRS,
    min_grade: int = 2,
    by_industry: bool = False,
    bootstrap: int = 0,
    seed: int = 0,
) -> list[MetricRow]:
    """Evaluate retrieval baselines and the ranked system on stored demands with gold labels.

    Args:
        matcher: the matcher whose indexes and ranker are evaluated.
        demands: stored demands; those without gold are skipped.
        gold: demand id → expert id → grade.
        k: metric cut-off.
        depth: ranking depth (MAP is computed over it).
        systems: names from `SYSTEMS`.
        pairs: language-pair slices (``all`` = every demand).
        min_grade: grade from which an expert counts as relevant.
        by_industry: add one slice per demand industry.
        bootstrap: number of bootstrap resamples for 95% intervals (0 = none).
        seed: bootstrap seed.
    """
    judged = [d for d in demands if d.id in gold]
    rankings, query_language = system_rankings(matcher, judged, systems=systems, depth=depth)
    experts = matcher.collection("experts").corpus
    profile_language = {e.id: e.language for e in experts.entries()}
    industries = {d.id: d.industry or "unknown" for d in judged} if by_industry else None
    rows: list[MetricRow] = []
    for system in systems:
        rows.extend(
            slice_rows(
                system, rankings[system], gold, query_language=query_language,
                profile_language=profile_language, pairs=pairs, industries=industries, k=k,
                min_grade=min_grade, bootstrap=bootstrap, seed=seed,
            )
        )  # fmt: skip
    return rows


def metric_frame(rows: Sequence[MetricRow]) -> pd.DataFrame:
    """Metric rows as a DataFrame, one column per `MetricRow` field.

    Intervals, when computed, become ``<metric>_low`` / ``<metric>_high`` columns.
    """
    import pandas as pd  # lazily: only analysts need pandas, not the serving path

    names = [f.name for f in fields(MetricRow) if f.name != "ci"]
    bounds = [f"{m}_{end}" for m in METRIC_NAMES if any(m in r.ci for r in rows) for end in ("low", "high")]
    flat = []
    for row in rows:
        values = {name: getattr(row, name) for name in names}
        for metric, (low, high) in row.ci.items():
            values |= {f"{metric}_low": low, f"{metric}_high": high}
        flat.append(values)
    return pd.DataFrame(flat, columns=names + bounds)


def format_table(rows: Sequence[MetricRow], k: int = 10, *, exposure: bool = False) -> str:
    """A plain-text table of metric rows grouped by slice; intervals are shown when computed."""
    with_ci = any(r.ci for r in rows)
    width = 19 if with_ci else 8
    names = [("ndcg", f"nDCG@{k}"), ("recall", f"Recall@{k}"), ("mrr", "MRR"), ("map", "MAP"),
             ("precision", f"P@{k}")]  # fmt: skip
    pair_width = max([10, *(len(r.pair) for r in rows)])
    header = f"{'pair':<{pair_width}} {'system':<14} {'queries':>7} "
    header += " ".join(f"{label:>{width}}" for _, label in names)
    if exposure:
        header += f" {'coverage':>8} {'gini':>6} {'top1%':>6}"
    lines = [header, "-" * len(header)]
    for pair in dict.fromkeys(r.pair for r in rows):
        for r in (row for row in rows if row.pair == pair):
            cells = []
            for metric, _ in names:
                value = f"{getattr(r, metric):.3f}"
                if with_ci and metric in r.ci:
                    low, high = r.ci[metric]
                    value += f" [{low:.3f},{high:.3f}]"
                cells.append(f"{value:>{width}}")
            line = f"{r.pair:<{pair_width}} {r.system:<14} {r.queries:>7} " + " ".join(cells)
            if exposure:
                line += f" {r.coverage:>8.3f} {r.gini:>6.3f} {r.top1_share:>6.3f}"
            lines.append(line)
    return "\n".join(lines)
