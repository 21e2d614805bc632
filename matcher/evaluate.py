"""Offline evaluation of matching quality on graded gold labels.

Metrics (at cut-off k): nDCG with graded gains, capped Recall (hits among the top k divided by
min(k, number of relevant experts), so a perfect list scores 1 even when more than k experts are
relevant), and MRR of the first relevant expert. An expert is *relevant* at grade ≥ ``min_grade``.

Language pairs (zh→en …) are measured on the same full-pool rankings: relevant experts whose profile is
in another language are removed from the list (neither help nor harm) and only relevant experts of the
target language count, so an English expert buried under irrelevant Chinese profiles scores low.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from embeddings.text import language_family
from matcher.records import Demand
from matcher.service import Matcher

Gold = dict[str, dict[str, int]]
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


def ndcg_at_k(ranking: Sequence[str], grades: Mapping[str, int], k: int) -> float:
    """Normalised discounted cumulative gain with gain 2^grade − 1."""
    dcg = sum((2 ** grades.get(e, 0) - 1) / math.log2(i + 2) for i, e in enumerate(ranking[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at_k(ranking: Sequence[str], relevant: set[str], k: int) -> float:
    """Capped recall: relevant hits in the top k over min(k, |relevant|)."""
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / min(k, len(relevant))


def reciprocal_rank(ranking: Sequence[str], relevant: set[str]) -> float:
    """1 / rank of the first relevant item (0 when none)."""
    return next((1.0 / (i + 1) for i, e in enumerate(ranking) if e in relevant), 0.0)


@dataclass
class MetricRow:
    """Mean metrics of one system on one slice of queries."""

    system: str
    pair: str
    queries: int
    ndcg: float
    recall: float
    mrr: float


def score_rankings(
    rankings: Mapping[str, Sequence[str]], gold: Gold, *, k: int = 10, min_grade: int = 2
) -> tuple[float, float, float, int]:
    """Mean nDCG@k, Recall@k and MRR over queries that have relevant items."""
    totals = [0.0, 0.0, 0.0]
    n = 0
    for query_id, ranking in rankings.items():
        grades = gold.get(query_id, {})
        relevant = {e for e, g in grades.items() if g >= min_grade}
        if not relevant:
            continue
        n += 1
        totals[0] += ndcg_at_k(ranking, grades, k)
        totals[1] += recall_at_k(ranking, relevant, k)
        totals[2] += reciprocal_rank(ranking[:k], relevant)
    if n == 0:
        return 0.0, 0.0, 0.0, 0
    return totals[0] / n, totals[1] / n, totals[2] / n, n


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
) -> list[MetricRow]:
    """Evaluate retrieval baselines and the ranked system on stored demands with gold labels."""
    judged = [d for d in demands if d.id in gold]
    analyses = [matcher.analyzer.analyze_demand(d) for d in judged]
    vectors = matcher.encoder.encode_queries([a.text for a in analyses])
    query_language = {d.id: a.language for d, a in zip(judged, analyses, strict=True)}
    experts = matcher.collection("experts").corpus
    profile_language = {e.id: e.language for e in experts.entries()}
    rows: list[MetricRow] = []
    for system in systems:
        mode, rank = SYSTEMS[system]
        rankings = {
            d.id: [
                r.id
                for r in matcher.recommend_analysis(a, v, k=depth, explain=False, mode=mode, rank=rank)  # type: ignore[arg-type]
            ]
            for d, a, v in zip(judged, analyses, vectors, strict=True)
        }
        for pair in pairs:
            view, view_gold = pair_view(rankings, gold, query_language, profile_language, pair)
            ndcg, recall, mrr, n = score_rankings(view, view_gold, k=k, min_grade=min_grade)
            rows.append(MetricRow(system, pair, n, ndcg, recall, mrr))
    return rows


def format_table(rows: Sequence[MetricRow], k: int = 10) -> str:
    """A plain-text table of metric rows grouped by language pair."""
    header = f"{'pair':<10} {'system':<14} {'queries':>7} {f'nDCG@{k}':>8} {f'Recall@{k}':>10} {'MRR':>6}"
    lines = [header, "-" * len(header)]
    for pair in dict.fromkeys(r.pair for r in rows):
        for r in (row for row in rows if row.pair == pair):
            lines.append(
                f"{r.pair:<10} {r.system:<14} {r.queries:>7} {r.ndcg:>8.3f} {r.recall:>10.3f} {r.mrr:>6.3f}"
            )
    return "\n".join(lines)
