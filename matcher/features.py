"""Pair features for (demand, expert) candidates — the ranking layer's input.

Every feature lies in [0, 1] (load too: higher means busier) so linear weights are comparable and
contributions can be shown to users.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import numpy as np
from sklearn.base import BaseEstimator

from embeddings.text import language_family
from matcher.corpus import Corpus, CorpusEntry, age_in_days
from matcher.profiles import Analysis
from matcher.retrieve import Candidates

FEATURE_NAMES: tuple[str, ...] = (
    "dense",
    "lexical",
    "concept_overlap",
    "field_match",
    "industry_match",
    "cooperation_match",
    "language_fit",
    "freshness",
    "load",
)

FEATURE_LABELS: dict[str, tuple[str, str]] = {
    "dense": ("语义相似度", "semantic similarity"),
    "lexical": ("关键词匹配", "keyword match"),
    "concept_overlap": ("术语重合（中英）", "shared technical terms (zh/en)"),
    "field_match": ("领域一致", "same catalogue field"),
    "industry_match": ("行业一致", "same industry"),
    "cooperation_match": ("合作方式一致", "cooperation mode fits"),
    "language_fit": ("语言匹配", "language fit"),
    "freshness": ("资料新近", "recently updated profile"),
    "load": ("当前对接负荷", "current engagement load"),
}


class PairFeatureBuilder(BaseEstimator):
    """Builds the feature matrix of one query's candidates.

    Args:
        freshness_half_life_days: profile age at which the freshness feature halves.
        load_saturation: open engagements at which the load feature reaches 1.
        today: reference date for freshness (defaults to the current date at build time).
    """

    def __init__(
        self, freshness_half_life_days: float = 730.0, load_saturation: int = 5, today: date | None = None
    ) -> None:
        self.freshness_half_life_days = freshness_half_life_days
        self.load_saturation = load_saturation
        self.today = today

    def fit(self, X: object = None, y: object = None) -> PairFeatureBuilder:
        """Nothing to learn; records the output feature names."""
        self.feature_names_out_ = np.array(FEATURE_NAMES)
        return self

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
        rows[:, 0] = np.clip(candidates.dense, 0.0, 1.0)
        rows[:, 1] = candidates.lexical_norm
        for i, pk in enumerate(candidates.pks):
            entry = corpus.get(int(pk))
            rows[i, 2:] = self._entry_features(query, entry, today, loads)
        return rows

    def _entry_features(
        self, query: Analysis, entry: CorpusEntry, today: date, loads: Mapping[str, int]
    ) -> list[float]:
        return [
            _overlap(query.concept_set, entry.concepts),
            _overlap(set(query.fields), entry.fields),
            1.0 if set(query.industries) & set(entry.industries) else 0.0,
            _cooperation_match(query, entry),
            _language_fit(query.language, entry),
            float(0.5 ** (age_in_days(entry, today) / self.freshness_half_life_days)),
            min(loads.get(entry.id, 0) / max(self.load_saturation, 1), 1.0),
        ]


def _overlap(wanted: set[str] | frozenset[str], offered: list[str]) -> float:
    if not wanted:
        return 0.0
    return len(wanted & set(offered)) / len(wanted)


def _cooperation_match(query: Analysis, entry: CorpusEntry) -> float:
    wanted = {m.value for m in query.cooperation_modes}
    if not wanted or not entry.cooperation_modes:
        return 0.5  # unknown on either side: neither a fit nor a conflict
    return 1.0 if wanted & set(entry.cooperation_modes) else 0.0


def _language_fit(query_language: str, entry: CorpusEntry) -> float:
    """1 when the expert can work in the demand's language, 0.5 when an interpreter is needed."""
    wanted = language_family(query_language) if query_language != "bi" else "zh"
    spoken = {language_family(lang) for lang in entry.languages}
    spoken |= {"zh", "en"} if entry.language == "bi" else {language_family(entry.language)}
    return 1.0 if wanted in spoken else 0.5
