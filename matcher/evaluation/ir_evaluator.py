"""An information-retrieval evaluator for any retriever/ranker combination, from Python.

Shaped like sentence-transformers' ``InformationRetrievalEvaluator``: give it ``queries`` (id → text),
``corpus`` (id → text) and ``relevant`` (query id → {doc id: grade}), then call it with a *system*: a
function ``(query_id, query_text) -> ranked doc ids`` (best first; (id, score) pairs are accepted too).
`matcher_system` turns a `Matcher` (any retrieval mode, any ranker) into such a function.

Example:
    >>> evaluator = RankingEvaluator.from_matcher(matcher, gold)
    >>> linear = evaluator(matcher_system(matcher), name="linear")
    >>> learned = evaluator(matcher_system(matcher, ranker=my_ranker), name="learned")
    >>> evaluator.compare(linear, learned).p_value
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from matcher.domain.records import Demand, Expert
from matcher.evaluation.metrics import (
    METRIC_NAMES,
    PairedTest,
    bootstrap_ci,
    concentration,
    coverage,
    paired_test,
    query_metrics,
)
from matcher.retrieval.hybrid import RetrievalMode
from matcher.service import Matcher

if TYPE_CHECKING:
    import pandas as pd

System = Callable[[str, str], Sequence[Any]]


@dataclass
class EvaluationResult:
    """Scores of one system.

    Attributes:
        name: the system's label.
        per_query: query id → metric → value (queries with at least one relevant document).
        summary: metric → (mean, ci_low, ci_high).
        groups: group name → metric → mean (when the evaluator has ``query_groups``).
        coverage: share of the corpus that appears in some top-k list.
        gini: Gini coefficient of top-k exposure over the corpus.
        top1_share: share of top-k slots taken by the 1% most-exposed documents.
        rankings: query id → the ranked doc ids the system returned.
    """

    name: str
    per_query: dict[str, dict[str, float]]
    summary: dict[str, tuple[float, float, float]]
    groups: dict[str, dict[str, float]] = field(default_factory=dict)
    coverage: float = 0.0
    gini: float = 0.0
    top1_share: float = 0.0
    rankings: dict[str, list[str]] = field(default_factory=dict)

    def rows(self) -> list[dict[str, Any]]:
        """One flat dict per metric: system, metric, mean, ci_low, ci_high."""
        return [
            {"system": self.name, "metric": m, "mean": mean, "ci_low": low, "ci_high": high}
            for m, (mean, low, high) in self.summary.items()
        ]

    def to_frame(self) -> pd.DataFrame:
        """`rows` as a DataFrame (concatenate several systems' frames to compare them)."""
        import pandas as pd  # lazily: only analysts need pandas, not the serving path

        return pd.DataFrame(self.rows(), columns=["system", "metric", "mean", "ci_low", "ci_high"])


class RankingEvaluator:
    """Evaluates systems on graded relevance judgements.

    Args:
        queries: query id → query text.
        corpus: document id → text (defines the pool for coverage and which ids are valid).
        relevant: query id → {document id: grade}; grade ≥ ``min_grade`` is relevant.
        k: metric cut-off.
        min_grade: grade from which a document counts as relevant (nDCG uses every grade).
        bootstrap: resamples for the 95% intervals (0 = none).
        query_groups: optional query id → group (e.g. language pair or industry) for breakdowns.
        seed: bootstrap and test seed.
    """

    def __init__(
        self,
        queries: Mapping[str, str],
        corpus: Mapping[str, str],
        relevant: Mapping[str, Mapping[str, int]],
        *,
        k: int = 10,
        min_grade: int = 2,
        bootstrap: int = 1000,
        query_groups: Mapping[str, str] | None = None,
        seed: int = 0,
    ) -> None:
        unknown = sorted(q for q in relevant if q not in queries)
        if unknown:
            raise ValueError(f"relevant: {len(unknown)} query ids have no query text, e.g. {unknown[:3]}")
        self.queries = dict(queries)
        self.corpus = dict(corpus)
        self.relevant = {q: dict(g) for q, g in relevant.items()}
        self.k = k
        self.min_grade = min_grade
        self.bootstrap = bootstrap
        self.query_groups = dict(query_groups or {})
        self.seed = seed

    @classmethod
    def from_matcher(
        cls, matcher: Matcher, gold: Mapping[str, Mapping[str, int]], **options: Any
    ) -> RankingEvaluator:
        """Queries = the stored demands that have gold; corpus = the stored experts."""
        demands = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand) and d.id in gold]
        experts = [e for e in matcher.store.records.list("experts") if isinstance(e, Expert)]
        queries = {d.id: f"{d.title}\n{d.description}" for d in demands}
        corpus = {e.id: f"{e.name} {e.title or ''} {e.bio}".strip() for e in experts}
        groups = options.pop("query_groups", None) or {d.id: d.industry or "unknown" for d in demands}
        return cls(
            queries, corpus, {q: g for q, g in gold.items() if q in queries}, query_groups=groups, **options
        )

    def rank_all(self, system: System) -> dict[str, list[str]]:
        """The system's ranking for every judged query."""
        rankings = {}
        for query_id in self.relevant:
            ranked = system(query_id, self.queries[query_id])
            rankings[query_id] = [item[0] if isinstance(item, tuple) else str(item) for item in ranked]
        return rankings

    def __call__(self, system: System, *, name: str = "system") -> EvaluationResult:
        """Run the system on every judged query and score it."""
        return self.evaluate_rankings(self.rank_all(system), name=name)

    def evaluate_rankings(
        self, rankings: Mapping[str, Sequence[str]], *, name: str = "system"
    ) -> EvaluationResult:
        """Score precomputed rankings (query id → ranked doc ids)."""
        per_query = {}
        for query_id, grades in self.relevant.items():
            if any(g >= self.min_grade for g in grades.values()):
                ranking = list(rankings.get(query_id, []))
                per_query[query_id] = query_metrics(ranking, grades, k=self.k, min_grade=self.min_grade)
        summary = {}
        for metric in METRIC_NAMES:
            values = [m[metric] for m in per_query.values()]
            if self.bootstrap:
                summary[metric] = bootstrap_ci(values, resamples=self.bootstrap, seed=self.seed)
            else:
                mean = sum(values) / len(values) if values else 0.0
                summary[metric] = (mean, mean, mean)
        groups: dict[str, dict[str, float]] = {}
        for group in sorted(set(self.query_groups.get(q, "") for q in per_query) - {""}):
            members = [m for q, m in per_query.items() if self.query_groups.get(q) == group]
            groups[group] = {
                metric: sum(m[metric] for m in members) / len(members) for metric in METRIC_NAMES
            }
            groups[group]["queries"] = len(members)
        lists = [list(rankings.get(q, [])) for q in per_query]
        spread = concentration(lists, len(self.corpus), self.k)
        return EvaluationResult(
            name, per_query, summary, groups, coverage(lists, len(self.corpus), self.k), spread.gini,
            spread.top1_share, {q: list(r) for q, r in rankings.items()},
        )  # fmt: skip

    def compare(
        self, a: EvaluationResult, b: EvaluationResult, *, metric: str = "ndcg", resamples: int = 10000
    ) -> PairedTest:
        """Paired bootstrap interval and randomization test of ``b − a`` on one metric over queries."""
        return paired_test(
            {q: m[metric] for q, m in a.per_query.items()},
            {q: m[metric] for q, m in b.per_query.items()},
            resamples=resamples,
            seed=self.seed,
        )


def matcher_system(
    matcher: Matcher,
    *,
    mode: RetrievalMode = "hybrid",
    rank: bool = True,
    ranker: Any = None,
    depth: int = 50,
) -> System:
    """A system function over a `Matcher`: stored demands are matched by id, other queries as text.

    Args:
        matcher: the matcher (its indexes are shared, not copied).
        mode: ``hybrid``, ``dense`` or ``lexical`` retrieval.
        rank: apply the ranker (False = fused retrieval order).
        ranker: another ranker to use instead of the matcher's (anything with predict/contributions).
        depth: ranking depth returned.
    """
    target = matcher
    if ranker is not None:
        target = copy.copy(matcher)
        target.ranker = ranker
    known = {e.id for e in matcher.collection("demands").corpus.entries()} if _has_demands(matcher) else set()

    def system(query_id: str, text: str) -> list[str]:
        if query_id in known:
            found = target.recommend(demand_id=query_id, k=depth, explain=False, mode=mode, rank=rank)
        else:
            found = target.recommend(text, k=depth, explain=False, mode=mode, rank=rank)
        return [r.id for r in found]

    return system


def _has_demands(matcher: Matcher) -> bool:
    try:
        matcher.collection("demands")
    except FileNotFoundError:
        return False
    return True
