"""Pair features for (demand, expert) candidates — the ranking layer's input.

Every feature lies in [0, 1] (load too: higher means busier) so linear weights are comparable and
contributions can be shown to users.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from embeddings.text.normalize import language_family
from matcher.retrieval.corpus import Corpus, CorpusEntry, age_in_days
from matcher.retrieval.fusion import minmax
from matcher.retrieval.hybrid import Candidates
from matcher.retrieval.profiles import Analysis

FEATURE_NAMES: tuple[str, ...] = (
    "hybrid",
    "dense",
    "profile_similarity",
    "best_work_similarity",
    "works_similarity",
    "lexical",
    "works_lexical",
    "concept_overlap",
    "field_match",
    "industry_match",
    "cooperation_match",
    "language_fit",
    "freshness",
    "load",
)

FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "hybrid": ("语义与关键词综合", "meaning and keywords combined"),
    "dense": ("语义相似度", "semantic similarity"),
    "profile_similarity": ("整体资料相似度", "whole-profile similarity"),
    "best_work_similarity": ("最相关成果相似度", "closest publication's similarity"),
    "works_similarity": ("多项成果相关", "several related publications"),
    "lexical": ("关键词匹配", "keyword match"),
    "works_lexical": ("成果关键词匹配", "keywords in publications"),
    "concept_overlap": ("术语重合（中英）", "shared technical terms (zh/en)"),
    "field_match": ("领域一致", "same catalogue field"),
    "industry_match": ("行业一致", "same industry"),
    "cooperation_match": ("合作方式一致", "cooperation mode fits"),
    "language_fit": ("语言匹配", "language fit"),
    "freshness": ("资料新近", "recently updated profile"),
    "load": ("当前对接负荷", "current engagement load"),
}


_FIRST_ENTRY_FEATURE = FEATURE_NAMES.index("concept_overlap")  # the rest come from the corpus entry


@dataclass(frozen=True, kw_only=True)
class PairFeatureBuilder:
    """Builds the feature matrix of one query's candidates.

    A plain frozen settings object, not a scikit-learn estimator: it learns nothing (its output columns
    are always `FEATURE_NAMES`) and reads a query analysis, candidates and a corpus rather than a
    matrix; `dataclasses.replace` gives a copy with other settings.

    Args:
        freshness_half_life_days: profile age at which the freshness feature halves.
        load_saturation: open engagements at which the load feature reaches 1.
        today: reference date for freshness (defaults to the current date at build time).
    """

    freshness_half_life_days: float = 730.0
    load_saturation: int = 5
    today: date | None = None

    def build(
        self,
        query: Analysis,
        candidates: Candidates,
        corpus: Corpus,
        loads: Mapping[str, int] | None = None,
    ) -> np.ndarray:
        """Feature matrix (n_candidates, len(FEATURE_NAMES)), float32."""
        today = self.today or date.today()
        loads = loads or {}
        rows = np.zeros((len(candidates), len(FEATURE_NAMES)), dtype=np.float32)
        rows[:, FEATURE_NAMES.index("hybrid")] = minmax(candidates.fused)
        for name, signal in (
            ("dense", candidates.dense),
            ("profile_similarity", candidates.dense_profile),
            ("best_work_similarity", candidates.item_max),
            ("works_similarity", candidates.item_decayed),
            ("lexical", candidates.lexical_norm),
            ("works_lexical", candidates.works_lexical),
        ):
            rows[:, FEATURE_NAMES.index(name)] = np.clip(signal, 0.0, 1.0)
        wanted = _QuerySets.of(query)
        for i, pk in enumerate(candidates.pks):
            entry = corpus.get(int(pk))
            rows[i, _FIRST_ENTRY_FEATURE:] = self._entry_features(wanted, entry, today, loads)
        return rows

    def _entry_features(
        self, query: _QuerySets, entry: CorpusEntry, today: date, loads: Mapping[str, int]
    ) -> tuple[float, ...]:
        if query.modes and entry.mode_set:
            cooperation = 1.0 if query.modes & entry.mode_set else 0.0
        else:
            cooperation = 0.5  # unknown on either side: neither a fit nor a conflict
        return (
            len(query.concepts & entry.concept_set) / len(query.concepts) if query.concepts else 0.0,
            len(query.fields & entry.field_set) / len(query.fields) if query.fields else 0.0,
            1.0 if query.industries & entry.industry_set else 0.0,
            cooperation,
            # an expert working in the demand's language needs no interpreter
            1.0 if query.language in entry.language_families else 0.5,
            float(0.5 ** (age_in_days(entry, today) / self.freshness_half_life_days)),
            min(loads.get(entry.id, 0) / max(self.load_saturation, 1), 1.0),
        )


@dataclass(frozen=True)
class _QuerySets:
    concepts: frozenset[str]
    fields: frozenset[str]
    industries: frozenset[str]
    modes: frozenset[str]
    language: str

    @classmethod
    def of(cls, query: Analysis) -> _QuerySets:
        return cls(
            concepts=query.concept_set,
            fields=frozenset(query.fields),
            industries=frozenset(query.industries),
            modes=frozenset(m.value for m in query.cooperation_modes),
            language=language_family(query.language) if query.language != "bi" else "zh",
        )
