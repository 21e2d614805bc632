"""Candidate pairs of an event from the real matcher: each demand's ranked list over the participants.

The score of a pair is the expert's final ranking score for the demand (`Matcher.recommend_analysis`,
the same hybrid retrieval, pair features and ranker as ``haizhi recommend``), with retrieval restricted
to the participating experts, so every demand gets its top-N among the experts who are there.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np

from embeddings.index.idmap import frozen
from matcher.domain.records import Demand
from matcher.retrieval.corpus import Filters
from matcher.service import Matcher


def ranked_participants(
    matcher: Matcher, demands: Sequence[Demand], expert_ids: Collection[str], top_n: int
) -> dict[str, list[tuple[str, float]]]:
    """Each demand's top-``top_n`` participating experts with their final ranking scores.

    Args:
        matcher: the matcher (its indexes must include the experts; unindexed ones are left out).
        demands: the demands brought to the event.
        expert_ids: the participating experts.
        top_n: experts kept per demand (the candidate pairs of the planner).

    Returns:
        demand id → [(expert id, score)], best first. Inactive experts are never candidates.
    """
    if not demands or not expert_ids:
        return {d.id: [] for d in demands}
    experts = matcher.collection("experts")
    pks = [experts.corpus.pk_of(e) for e in expert_ids]
    wanted = np.array(sorted(p for p in pks if p is not None), dtype=np.int64)
    active = experts.corpus.allowed_pks(Filters())
    allowed = frozen(wanted if active is None else np.intersect1d(wanted, active).astype(np.int64))
    if len(allowed) == 0:
        return {d.id: [] for d in demands}
    analyses = [matcher.analyzer.analyze_demand(d) for d in demands]
    vectors = matcher.cache.encode(matcher.encoder, [a.text for a in analyses], kind="query")
    scores, ids = matcher.retriever.dense_search(experts.dense, vectors, allowed=allowed)
    ranked: dict[str, list[tuple[str, float]]] = {}
    for i, (demand, analysis, vector) in enumerate(zip(demands, analyses, vectors, strict=True)):
        found = matcher.recommend_analysis(
            analysis, vector, k=top_n, explain=False, dense_result=(scores[i], ids[i]), allowed=allowed
        )
        ranked[demand.id] = [(r.id, r.score) for r in found]
    return ranked
