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
from matcher.retrieval.corpus import Corpus
from matcher.retrieval.entries import UNKNOWN_AGE_DAYS
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
        positions = corpus.positions(candidates.pks)
        if (positions < 0).any():
            raise KeyError(f"candidates not in the corpus: {candidates.pks[positions < 0][:5].tolist()}")
        rows[:, _FIRST_ENTRY_FEATURE:] = self._entry_features(wanted, corpus, positions, today, loads)
        return rows

    def _entry_features(
        self,
        query: _QuerySets,
        corpus: Corpus,
        positions: np.ndarray,
        today: date,
        loads: Mapping[str, int],
    ) -> np.ndarray:
        """The corpus-entry features of the candidates at ``positions``, vectorised over candidates."""

        def shared(attribute: str, wanted: frozenset[str]) -> np.ndarray:
            return corpus.incidence(attribute).count_in(positions, wanted).astype(np.float64)

        n = positions.size
        concepts = shared("concepts", query.concepts) / len(query.concepts) if query.concepts else 0.0
        fields = shared("fields", query.fields) / len(query.fields) if query.fields else 0.0
        industry = (shared("industries", query.industries) > 0).astype(np.float64)
        cooperation = np.full(n, 0.5)  # unknown on either side: neither a fit nor a conflict
        if query.modes:
            stated = corpus.incidence("cooperation_modes").lengths(positions) > 0
            cooperation[stated] = (shared("cooperation_modes", query.modes) > 0)[stated]
        # an expert working in the demand's language needs no interpreter
        language = np.where(shared("language_families", frozenset({query.language})) > 0, 1.0, 0.5)
        days = corpus.updated_days(positions)
        age = np.where(np.isnan(days), UNKNOWN_AGE_DAYS, np.maximum(today.toordinal() - days, 0.0))
        freshness = 0.5 ** (age / self.freshness_half_life_days)
        load = np.zeros(n) if not loads else corpus.aligned(loads, positions)
        load = np.minimum(load / max(self.load_saturation, 1), 1.0)
        columns = (concepts, fields, industry, cooperation, language, freshness, load)
        return np.column_stack([np.broadcast_to(c, (n,)) for c in columns])


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
