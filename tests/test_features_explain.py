"""Pair features, the linear ranker and explanations, on hand-made candidates (exact values)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from conftest import corpus_entry

from embeddings.text.glossary import Glossary
from matcher.catalogue.catalogue import Catalogue
from matcher.domain.records import CooperationMode
from matcher.ranking.explain import Explainer
from matcher.ranking.features import FEATURE_NAMES, PairFeatureBuilder
from matcher.ranking.rankers import LinearRanker
from matcher.retrieval.corpus import Corpus, CorpusEntry
from matcher.retrieval.hybrid import Candidates
from matcher.retrieval.profiles import Analysis

TODAY = date(2026, 6, 1)


def _entry(pk: int, **overrides: object) -> CorpusEntry:
    return corpus_entry(pk, **({"languages": ["en"], "updated_at": "2026-06-01"} | overrides))


def _candidates(n: int, **signals: list[float]) -> Candidates:
    columns = {
        name: np.zeros(n, dtype=np.float32)
        for name in (
            "dense",
            "dense_profile",
            "item_max",
            "item_decayed",
            "lexical",
            "lexical_norm",
            "works_lexical",
            "fused",
        )
    }
    for name, values in signals.items():
        columns[name] = np.array(values, dtype=np.float32)
    return Candidates(pks=np.arange(1, n + 1, dtype=np.int64), best_item=np.full(n, -1), **columns)


QUERY = Analysis(
    text="solid electrolyte",
    language="zh",
    terms=("c:a", "c:b"),
    concepts=("a", "b", "c", "d"),
    fields=("f1", "f2"),
    industries=("ind",),
    cooperation_modes=(CooperationMode.CONSULTING,),
)


@pytest.fixture()
def features() -> np.ndarray:
    corpus = Corpus(
        [
            _entry(
                1,
                concepts=["a", "b", "x"],
                fields=["f1"],
                industries=["ind"],
                cooperation_modes=["consulting"],
                languages=["zh", "en"],
            ),
            _entry(2, cooperation_modes=["full_time"], updated_at="2024-06-01"),
            _entry(3),
        ]
    )
    candidates = _candidates(
        3,
        dense=[0.6, 0.5, 0.4],
        dense_profile=[0.55, 0.45, 0.35],
        item_max=[0.7, 0.52, 0.41],
        item_decayed=[0.5, 0.4, 1.7],
        lexical_norm=[1.0, 0.25, 0.0],
        works_lexical=[0.8, 0.1, 0.3],
        fused=[2.0, 0.0, 1.0],
    )
    return PairFeatureBuilder(today=TODAY).build(QUERY, candidates, corpus, {"E2": 2, "E3": 9})


def column(features: np.ndarray, name: str) -> list[float]:
    return [round(float(v), 4) for v in features[:, FEATURE_NAMES.index(name)]]


def test_retrieval_signals_become_features(features: np.ndarray) -> None:
    assert column(features, "hybrid") == [1.0, 0.0, 0.5]  # fused score min-max scaled per need
    assert column(features, "dense") == [0.6, 0.5, 0.4]
    assert column(features, "profile_similarity") == [0.55, 0.45, 0.35]
    assert column(features, "best_work_similarity") == [0.7, 0.52, 0.41]
    assert column(features, "works_similarity") == [0.5, 0.4, 1.0]  # clipped to [0, 1]
    assert column(features, "lexical") == [1.0, 0.25, 0.0]
    assert column(features, "works_lexical") == [0.8, 0.1, 0.3]


def test_record_features(features: np.ndarray) -> None:
    assert column(features, "concept_overlap") == [0.5, 0.0, 0.0]  # 2 of the need's 4 concepts
    assert column(features, "field_match") == [0.5, 0.0, 0.0]
    assert column(features, "industry_match") == [1.0, 0.0, 0.0]
    assert column(features, "cooperation_match") == [1.0, 0.0, 0.5]  # unknown modes: neutral
    assert column(features, "language_fit") == [1.0, 0.5, 0.5]  # a zh need, an expert working in zh
    assert column(features, "freshness") == [1.0, 0.5, 1.0]  # halves every two years
    assert column(features, "load") == [0.0, 0.4, 1.0]  # saturates at 5 open engagements


def test_linear_ranker_scores_are_weights_times_features(features: np.ndarray) -> None:
    ranker = LinearRanker().fit(features)
    weights = np.array([ranker.get_params()[name] for name in FEATURE_NAMES])
    np.testing.assert_allclose(ranker.predict(features), features @ weights, rtol=1e-6)
    np.testing.assert_allclose(
        ranker.contributions(features).sum(axis=1), ranker.predict(features), rtol=1e-6
    )
    only_load = LinearRanker(**{name: 0.0 for name in FEATURE_NAMES} | {"load": -1.0}).fit(features)
    assert np.argsort(-only_load.predict(features)).tolist() == [0, 1, 2]  # the busiest last


@pytest.fixture(scope="module")
def explainer() -> Explainer:
    return Explainer(Glossary.load(), Catalogue.load())


def test_explanation_shows_only_positive_contributions(explainer: Explainer) -> None:
    features = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
    contributions = np.zeros(len(FEATURE_NAMES))
    contributions[FEATURE_NAMES.index("load")] = -0.9  # the largest in size, but against the expert
    contributions[FEATURE_NAMES.index("hybrid")] = 0.5
    contributions[FEATURE_NAMES.index("works_lexical")] = 0.2
    explanation = explainer.explain(QUERY, _entry(1), features, contributions, [])
    assert [c.feature for c in explanation.contributions] == ["hybrid", "works_lexical"]
    assert all(c.contribution > 0 for c in explanation.contributions)
    assert "成果关键词匹配" in explanation.text_zh and "keywords in publications" in explanation.text_en
    # when almost everything counts against the expert, the explanation still shows only what is for it
    against = np.full(len(FEATURE_NAMES), -0.1)
    against[FEATURE_NAMES.index("hybrid")] = 0.5
    mostly_against = explainer.explain(QUERY, _entry(1), features, against, [])
    assert [c.feature for c in mostly_against.contributions] == ["hybrid"]
    crowded = np.zeros(len(FEATURE_NAMES))
    crowded[[FEATURE_NAMES.index(n) for n in ("load", "freshness", "language_fit")]] = [-0.9, -0.8, -0.7]
    crowded[FEATURE_NAMES.index("hybrid")] = 0.1  # small, but the only reason for: it must be shown
    shown = explainer.explain(QUERY, _entry(1), features, crowded, []).contributions
    assert [(c.feature, c.contribution) for c in shown] == [("hybrid", 0.1)]


def test_explanation_cites_the_closest_publication_shortened(explainer: Explainer) -> None:
    features = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
    long_title = "Interface engineering of sulfide solid electrolytes " * 5
    explanation = explainer.explain(
        QUERY,
        _entry(1),
        features,
        np.zeros(len(FEATURE_NAMES)),
        [],
        best_work=long_title + "\nAbstract text follows.",
    )
    assert explanation.best_work is not None and len(explanation.best_work) == 120
    assert explanation.best_work.endswith("…") and "Abstract" not in explanation.best_work
    assert "最相关成果：《Interface engineering" in explanation.text_zh
    assert "most relevant work: “Interface engineering" in explanation.text_en
    assert explainer.explain(QUERY, _entry(1), features, np.zeros(len(FEATURE_NAMES)), []).best_work is None
