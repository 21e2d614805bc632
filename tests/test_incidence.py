"""Vectorised entry features: the CSR incidence and the features built from it, against set arithmetic."""

from __future__ import annotations

import random
from datetime import date

import numpy as np
from conftest import corpus_entry

from matcher.domain.records import CooperationMode
from matcher.ranking.features import FEATURE_NAMES, PairFeatureBuilder
from matcher.retrieval.corpus import Corpus, age_in_days
from matcher.retrieval.hybrid import Candidates
from matcher.retrieval.incidence import Incidence
from matcher.retrieval.profiles import Analysis

TODAY = date(2026, 6, 1)
VALUES = [f"v{i}" for i in range(12)]


def test_count_in_equals_set_intersection_sizes() -> None:
    rng = random.Random(3)
    lists = [[rng.choice(VALUES) for _ in range(rng.randint(0, 6))] for _ in range(200)]  # repeats too
    incidence = Incidence.of(lists)
    positions = np.array([*rng.sample(range(200), 80), 5, 5], dtype=np.int64)  # unordered, repeated
    for wanted in ({"v1", "v2", "v3"}, {"v0"}, {"nope"}, set(), set(VALUES)):
        expected = [len(set(lists[p]) & wanted) for p in positions]
        assert incidence.count_in(positions, wanted).tolist() == expected
    assert incidence.lengths(positions).tolist() == [len(set(lists[p])) for p in positions]


def _random_corpus(rng: random.Random, n: int) -> Corpus:
    modes = [m.value for m in CooperationMode]
    entries = []
    for pk in range(1, n + 1):
        day = rng.choice([None, "2020-01-05", "2025-12-31", "2026-06-01", "2027-01-01"])
        entries.append(
            corpus_entry(
                pk,
                concepts=rng.sample(VALUES, rng.randint(0, 5)),
                fields=rng.sample(["f1", "f2", "f3"], rng.randint(0, 2)),
                industries=rng.sample(["i1", "i2"], rng.randint(0, 2)),
                cooperation_modes=rng.sample(modes, rng.randint(0, 2)),
                languages=rng.sample(["zh", "en", "de"], rng.randint(0, 2)),
                language=rng.choice(["zh", "zh-tw", "en", "bi"]),
                updated_at=day,
            )
        )
    return Corpus(entries)


def _reference_row(
    query: Analysis, entry: object, loads: dict[str, int], builder: PairFeatureBuilder
) -> list:
    """The entry features from the entry's own sets, one candidate at a time (the definition)."""
    concepts, fields = set(query.concepts), set(query.fields)
    modes = {m.value for m in query.cooperation_modes}
    family = "zh" if query.language in ("zh", "zh-tw", "bi") else query.language
    cooperation = (
        (1.0 if modes & set(entry.cooperation_modes) else 0.0)
        if modes and set(entry.cooperation_modes)
        else 0.5
    )
    return [
        len(concepts & set(entry.concepts)) / len(concepts) if concepts else 0.0,
        len(fields & set(entry.fields)) / len(fields) if fields else 0.0,
        1.0 if set(query.industries) & set(entry.industries) else 0.0,
        cooperation,
        1.0 if family in entry.language_families else 0.5,
        0.5 ** (age_in_days(entry, TODAY) / builder.freshness_half_life_days),
        min(loads.get(entry.id, 0) / builder.load_saturation, 1.0),
    ]


def test_vectorised_entry_features_equal_the_per_candidate_definition() -> None:
    rng = random.Random(11)
    corpus = _random_corpus(rng, 300)
    builder = PairFeatureBuilder(today=TODAY)
    loads = {f"E{pk}": rng.randint(0, 8) for pk in rng.sample(range(1, 301), 40)} | {"unknown": 3}
    first = FEATURE_NAMES.index("concept_overlap")
    for trial in range(20):
        query = Analysis(
            text="q",
            language=rng.choice(["zh", "en", "zh-tw", "bi"]),
            terms=(),
            concepts=tuple(rng.sample(VALUES, rng.randint(0, 4))),
            fields=tuple(rng.sample(["f1", "f2", "f3", "f9"], rng.randint(0, 2))),
            industries=tuple(rng.sample(["i1", "i2"], rng.randint(0, 1))),
            cooperation_modes=tuple(rng.sample(list(CooperationMode), rng.randint(0, 2))),
        )
        pks = np.array(sorted(rng.sample(range(1, 301), 60)), dtype=np.int64)
        zeros = np.zeros(len(pks), dtype=np.float32)
        candidates = Candidates(pks, zeros, zeros, zeros, zeros, zeros, zeros, zeros, zeros, np.full(60, -1))
        rows = builder.build(query, candidates, corpus, loads if trial % 2 else {})
        for row, pk in zip(rows, pks, strict=True):
            expected = _reference_row(query, corpus.get(int(pk)), loads if trial % 2 else {}, builder)
            np.testing.assert_allclose(row[first:], np.array(expected, dtype=np.float32), rtol=0, atol=1e-7)


def test_aligned_values_follow_corpus_changes() -> None:
    corpus = _random_corpus(random.Random(5), 10)
    loads = {"E3": 2.0, "E7": 5.0}
    positions = corpus.positions(np.array([3, 7, 9], dtype=np.int64))
    assert corpus.aligned(loads, positions).tolist() == [2.0, 5.0, 0.0]
    corpus.remove(["E3"])  # positions shift: the cached column must not be reused
    positions = corpus.positions(np.array([7, 9], dtype=np.int64))
    assert corpus.aligned(loads, positions).tolist() == [5.0, 0.0]
