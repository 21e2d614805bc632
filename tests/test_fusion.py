"""Fusion of dense and lexical evidence: exact values, per-language normalisation, imputation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from matcher.retrieval import fusion as fuse
from matcher.retrieval.hybrid import HybridRetriever


def test_rrf_adds_both_lists_and_skips_absent_ranks() -> None:
    dense_ranks = np.array([1, 2, 0, 3])
    lexical_ranks = np.array([0, 1, 2, 3])
    fused = fuse.rrf([dense_ranks, lexical_ranks], [1.0, 0.5], k=10)
    expected = [1 / 11, 1 / 12 + 0.5 / 11, 0.5 / 12, 1 / 13 + 0.5 / 13]
    np.testing.assert_allclose(fused, expected)
    # the candidate found only by BM25 (index 2) gets credit from it
    assert fused[2] > 0
    # second in dense and first in BM25 beats first in dense alone
    assert np.argmax(fused) == 1


def test_ranks_by_ranks_present_candidates_only() -> None:
    ranks = fuse.ranks_by(np.array([0.2, 0.9, 0.5, 0.7]), np.array([True, True, False, True]))
    assert ranks.tolist() == [3, 1, 0, 2]
    tied = fuse.ranks_by(np.array([0.5, 0.5, 0.1]), np.ones(3, dtype=bool), tiebreak=np.array([0.1, 0.9, 1]))
    assert tied.tolist() == [2, 1, 3]


def test_blind_mask_by_language_family() -> None:
    languages = np.array(["zh", "zh-tw", "en", "bi"], dtype=object)
    assert fuse.blind_mask("zh", languages).tolist() == [False, False, True, False]
    assert fuse.blind_mask("zh-tw", languages).tolist() == [False, False, True, False]
    assert fuse.blind_mask("en", languages).tolist() == [True, True, False, False]
    assert not fuse.blind_mask("bi", languages).any()  # a bilingual need reads every profile


def test_bm25_is_normalised_over_the_visible_candidates_only() -> None:
    lexical = np.array([4.0, 2.0, 8.0, 1.0])
    blind = np.array([False, False, True, False])  # e.g. an English profile hit by a glossary concept
    normalised = fuse.normalise_visible(lexical, blind)
    np.testing.assert_allclose(normalised, [1.0, 0.5, 0.0, 0.25])
    np.testing.assert_allclose(fuse.normalise_visible(np.zeros(3), np.zeros(3, dtype=bool)), 0.0)


def test_blind_candidates_get_the_visible_lexical_value_at_their_dense_quantile() -> None:
    dense = np.array([0.2, 0.4, 0.6, 0.8, 0.9, 0.1])
    lexical_norm = np.array([0.0, 0.5, 0.25, 1.0, 0.0, 0.0])
    blind = np.array([False, False, False, False, True, True])
    imputed = fuse.impute_blind(dense, lexical_norm, blind)
    # visible values untouched
    np.testing.assert_allclose(imputed[:4], lexical_norm[:4])
    # the best-dense blind candidate sits above every visible dense score: the top visible value
    assert imputed[4] == pytest.approx(1.0)
    # one below every visible dense score: the lowest visible value
    assert imputed[5] == pytest.approx(0.0)


def test_blind_candidates_keep_their_own_glossary_concept_score() -> None:
    dense = np.array([0.2, 0.4, 0.6, 0.1, 0.15])
    lexical_norm = np.array([0.0, 0.5, 1.0, 0.0, 0.0])
    blind = np.array([False, False, False, True, True])
    raw = np.array([0.0, 1.0, 2.0, 3.0, 0.0])  # the first blind profile shares glossary concepts
    imputed = fuse.impute_blind(dense, lexical_norm, blind, raw)
    assert imputed[3] == pytest.approx(1.0)  # its concept score, the best among blind candidates
    assert imputed[4] == pytest.approx(0.0)  # no concept hit: the imputed value (lowest dense)
    assert fuse.impute_blind(dense, lexical_norm, blind)[3] == pytest.approx(0.0)


def test_impute_blind_without_visible_candidates_uses_scaled_dense() -> None:
    dense = np.array([0.2, 0.6, 0.4])
    imputed = fuse.impute_blind(dense, np.zeros(3, dtype=np.float32), np.ones(3, dtype=bool))
    np.testing.assert_allclose(imputed, [0.0, 1.0, 0.5], atol=1e-6)


def test_zscore_and_minmax() -> None:
    values = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(fuse.zscore(values), [-1.224745, 0.0, 1.224745], atol=1e-6)
    np.testing.assert_allclose(fuse.minmax(values), [0.0, 0.5, 1.0])
    assert not fuse.zscore(np.ones(3)).any() and not fuse.minmax(np.ones(3)).any()


def _fuse(retriever: HybridRetriever, dense: np.ndarray, lexical: np.ndarray) -> np.ndarray:
    ranks_d = fuse.ranks_by(dense, np.ones(len(dense), dtype=bool))
    ranks_l = fuse.ranks_by(lexical, lexical > 0)
    return retriever._fuse(dense, lexical, lexical, ranks_d, ranks_l)


@pytest.mark.parametrize("fusion", ["zscore", "rrf", "weighted"])
def test_every_fusion_uses_both_signals(fusion: str) -> None:
    dense = np.array([0.50, 0.49, 0.30])
    lexical = np.array([0.0, 1.0, 0.2])
    both = _fuse(HybridRetriever(fusion=fusion), dense, lexical)  # type: ignore[arg-type]
    assert np.argmax(both) == 1  # nearly tied in meaning, clearly ahead in keywords
    dense_only = _fuse(HybridRetriever(fusion=fusion, lexical_weight=0.0), dense, lexical)  # type: ignore[arg-type]
    assert np.argmax(dense_only) == 0


def test_zscore_fusion_value() -> None:
    dense = np.array([0.2, 0.4, 0.6])
    lexical = np.array([1.0, 0.0, 0.5])
    fused = _fuse(HybridRetriever(fusion="zscore", dense_weight=1.0, lexical_weight=2.0), dense, lexical)
    np.testing.assert_allclose(fused, fuse.zscore(dense) + 2.0 * fuse.zscore(lexical))


def test_single_modes_are_plain_baselines() -> None:
    dense = np.array([0.2, 0.9, 0.5])
    lexical = np.array([3.0, 0.0, 1.0])
    assert _fuse(HybridRetriever(mode="dense"), dense, lexical).tolist() == pytest.approx(dense.tolist())
    assert _fuse(HybridRetriever(mode="lexical"), dense, lexical).tolist() == lexical.tolist()


def test_unknown_fusion_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fusion 'nope'"):
        HybridRetriever(fusion="nope").retrieve(  # type: ignore[arg-type]
            np.zeros(4, dtype=np.float32),
            {},
            dense_index=None,
            lexical_index=None,
            corpus=None,  # type: ignore[arg-type]
        )


# ----- the whole retriever on real indexes with hand-made vectors -----

from conftest import corpus_entry  # noqa: E402

from embeddings.index.faiss_index import FaissIndex  # noqa: E402
from embeddings.lexical.bm25 import BM25Index  # noqa: E402
from matcher.retrieval.corpus import Corpus, item_ids  # noqa: E402

DIM = 4


def _unit(*values: float) -> np.ndarray:
    vector = np.array(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


@dataclass
class _Pool:
    """Real indexes over hand-made experts: profile vector and BM25, item vectors and item BM25."""

    dense: FaissIndex
    lexical: BM25Index
    corpus: Corpus
    items: FaissIndex
    item_lexical: BM25Index

    @classmethod
    def of(cls, experts: dict[int, tuple[str, np.ndarray, list[list[str]]]]) -> _Pool:
        """pk → (language, vector shared by the profile and its items, token list of each item)."""
        pool = cls(FaissIndex(DIM, "test"), BM25Index(), Corpus(), FaissIndex(DIM, "test"), BM25Index())
        pks = np.array(list(experts), dtype=np.int64)
        pool.dense.add(pks, np.stack([vector for _, vector, _ in experts.values()]))
        pool.lexical.add(pks, [[t for item in items for t in item] for _, _, items in experts.values()])
        ids = item_ids(pks, np.array([len(items) for _, _, items in experts.values()]))
        pool.items.add(ids, np.stack([vector for _, vector, items in experts.values() for _ in items]))
        pool.item_lexical.add(ids, [item for _, _, items in experts.values() for item in items])
        for pk, (language, _, items) in experts.items():
            pool.corpus.put(corpus_entry(pk, language=language, item_count=len(items)))
        return pool

    def retrieve(
        self, retriever: HybridRetriever, vector: np.ndarray, terms: list[str], language: str
    ) -> Any:
        return retriever.retrieve(
            vector,
            dict.fromkeys(terms, 1.0),
            dense_index=self.dense,
            lexical_index=self.lexical,
            corpus=self.corpus,
            items=self.items,
            item_lexical=self.item_lexical,
            query_language=language,
        )


def _pool() -> _Pool:
    """Three Chinese profiles that share the need's words and one English profile closest in meaning."""
    return _Pool.of(
        {
            1: ("zh", _unit(0.6, 0.8, 0, 0), [["固态", "电池", "电解质"]]),
            2: ("zh", _unit(0.5, 0.5, 0.7, 0), [["固态", "电池"]]),
            3: ("zh", _unit(0.2, 0.3, 0.9, 0.2), [["电池"]]),
            4: ("en", _unit(1, 0.05, 0, 0), [["solid", "state", "electrolyte"]]),
        }
    )


def _retrieve(retriever: HybridRetriever) -> list[int]:
    candidates = _pool().retrieve(retriever, _unit(1, 0.1, 0, 0), ["固态", "电池", "电解质"], "zh")
    return [int(p) for p in candidates.pks]


@pytest.mark.parametrize("fusion", ["zscore", "rrf", "weighted"])
def test_a_profile_bm25_cannot_read_is_not_buried_by_it(fusion: str) -> None:
    # the English profile is the closest in meaning: language-aware fusion keeps it on top
    assert _retrieve(HybridRetriever(fusion=fusion))[0] == 4  # type: ignore[arg-type]


def test_language_blind_fusion_buries_the_other_language() -> None:
    # the behaviour the language-aware imputation exists to prevent
    order = _retrieve(HybridRetriever(fusion="zscore", language_aware=False))
    assert order.index(4) > 0


def test_bm25_reorders_same_language_profiles() -> None:
    order = _retrieve(HybridRetriever(fusion="zscore"))
    assert order.index(1) < order.index(2) < order.index(3)
    assert _retrieve(HybridRetriever(mode="lexical")) == [1, 2, 3]  # plain BM25 never sees E4


def test_fusion_reads_per_publication_bm25() -> None:
    # Same words in both profiles, so profile BM25 ties; expert 2 has both query words in one publication.
    vector = _unit(1, 0, 0, 0)
    pool = _Pool.of(
        {
            1: ("en", vector, [["solid", "other", "x"], ["electrolyte", "more", "y"]]),
            2: ("en", vector, [["solid", "electrolyte", "x"], ["other", "more", "y"]]),
        }
    )
    candidates = pool.retrieve(HybridRetriever(), vector, ["solid", "electrolyte"], "en")
    assert candidates.lexical[0] == pytest.approx(
        candidates.lexical[1]
    )  # profile BM25 cannot tell them apart
    assert candidates.pks.tolist() == [2, 1]  # per-publication BM25 puts the concentrated match first
    assert candidates.works_lexical[0] == pytest.approx(1.0) and candidates.works_lexical[1] < 1.0


def test_corpus_language_codes_give_the_same_blind_mask_as_the_languages() -> None:
    languages = ["zh", "en", "zh-tw", "bi", "en", "zh"]
    corpus = Corpus(corpus_entry(pk, language=lang) for pk, lang in enumerate(languages, start=1))
    pks = np.array([6, 2, 99, 3, 4, 1, 5])  # 99 is not in the corpus
    codes, names = corpus.language_codes(pks)
    assert [names[c] for c in codes] == ["zh", "en", "", "zh-tw", "bi", "zh", "en"]
    for need in ("zh", "zh-tw", "en", "bi"):
        coded = fuse.blind_mask_coded(need, codes, names)
        assert coded.tolist() == fuse.blind_mask(need, corpus.languages(pks)).tolist()
    # an unknown pk has no language, read as the default family (English), as `blind_mask` does
    expected = [True, False, False, True, False, True, False]
    assert fuse.blind_mask_coded("en", codes, names).tolist() == expected
