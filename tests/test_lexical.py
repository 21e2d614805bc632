"""BM25 index: known-answer scores, weights, filters, incremental updates and persistence."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from embeddings.index.idmap import frozen
from embeddings.lexical.bm25 import BM25Index

DOCS = {
    10: ["锂电池", "电池", "储能", "电池"],
    20: ["battery", "storage", "grid"],
    30: ["电池", "回收"],
    40: ["芯片", "封装", "测试", "芯片", "设计"],
}


def fitted(k1: float = 1.2, b: float = 0.75) -> BM25Index:
    return BM25Index(k1=k1, b=b).fit(np.array(list(DOCS)), list(DOCS.values()))


def hand_bm25(term: str, doc_id: int, k1: float = 1.2, b: float = 0.75) -> float:
    """BM25 of one term in one document, computed from the definition."""
    n = len(DOCS)
    df = sum(term in doc for doc in DOCS.values())
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    avgdl = sum(len(doc) for doc in DOCS.values()) / n
    tf = DOCS[doc_id].count(term)
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(DOCS[doc_id]) / avgdl))


def test_known_answer_scores() -> None:
    index = fitted()
    scores, ids = index.search(["电池", "储能"], k=10)
    assert ids.tolist() == [10, 30]  # doc 20 shares no term, 40 neither
    assert scores.dtype == np.float32 and ids.dtype == np.int64
    assert scores[0] == pytest.approx(hand_bm25("电池", 10) + hand_bm25("储能", 10), rel=1e-6)
    assert scores[1] == pytest.approx(hand_bm25("电池", 30), rel=1e-6)
    assert index.idf("电池") == pytest.approx(math.log(1 + (4 - 2 + 0.5) / 2.5))
    assert index.idf("unknown") == 0.0
    # a term repeated in the query counts twice
    assert index.search(["电池", "电池"], 1)[0][0] == pytest.approx(2 * hand_bm25("电池", 10), rel=1e-6)


def test_k1_b_change_scores() -> None:
    plain = fitted(k1=1.2, b=0.0).search(["芯片"], 1)[0][0]
    assert plain == pytest.approx(hand_bm25("芯片", 40, b=0.0), rel=1e-6)
    assert plain != pytest.approx(fitted().search(["芯片"], 1)[0][0])


def test_term_weights_multiply_contributions() -> None:
    index = fitted()
    scores, ids = index.search({"电池": 1.0, "battery": 0.5}, k=10)
    expected = {10: hand_bm25("电池", 10), 30: hand_bm25("电池", 30), 20: 0.5 * hand_bm25("battery", 20)}
    assert dict(zip(ids.tolist(), scores.tolist(), strict=True)) == pytest.approx(expected, rel=1e-6)
    assert index.search({"电池": 0.0}, 10)[1].size == 0
    np.testing.assert_allclose(
        index.score({"电池": 1.0, "battery": 0.5}, np.array([20, 30, 40, 999])),
        [0.5 * hand_bm25("battery", 20), hand_bm25("电池", 30), 0.0, 0.0],
        rtol=1e-6,
    )


def test_top_k_and_allowed_filter() -> None:
    index = fitted()
    assert index.search(["电池"], k=1)[1].tolist() == [10]
    assert index.search(["电池"], k=5, allowed=np.array([30, 40, 77]))[1].tolist() == [30]
    assert index.search(["电池"], k=5, allowed=np.array([], dtype=np.int64))[1].size == 0
    assert index.search(["nothing"], k=5)[1].size == 0
    with pytest.raises(TypeError, match="not a str"):
        index.search("电池", 5)


def test_a_reused_read_only_filter_follows_added_and_removed_documents() -> None:
    index = fitted()
    allowed = frozen(np.array([30, 40, 50], dtype=np.int64))  # 50 is not indexed yet
    for _ in range(2):  # the second search reuses the converted filter
        assert index.search(["电池"], k=5, allowed=allowed)[1].tolist() == [30]
    index.add(np.array([50]), [["电池", "电池", "电池"]])
    assert index.search(["电池"], k=5, allowed=allowed)[1].tolist() == [50, 30]
    index.remove(np.array([30]))
    assert index.search(["电池"], k=5, allowed=allowed)[1].tolist() == [50]


def test_ties_break_by_id() -> None:
    index = BM25Index().fit(np.array([9, 3, 7, 1]), [["x"], ["x"], ["x"], ["y"]])
    assert index.search(["x"], 2)[1].tolist() == [3, 7]


def test_matched_terms() -> None:
    index = fitted()
    assert index.matched_terms({"储能": 1.0, "battery": 0.4, "电池": 1.0}, 10) == ["储能", "电池"]
    assert index.matched_terms(["grid"], 20) == ["grid"]
    assert index.matched_terms(["grid"], 999) == []


def test_incremental_updates_equal_fresh_fit() -> None:
    rng = np.random.default_rng(0)
    vocabulary = [f"t{i}" for i in range(40)]
    docs = {doc_id: list(rng.choice(vocabulary, rng.integers(1, 12))) for doc_id in range(200)}
    incremental = BM25Index().fit(np.arange(100), [docs[i] for i in range(100)])
    incremental.add(np.arange(100, 200), [docs[i] for i in range(100, 200)])
    changed = {5: ["t1", "t1", "new"], 150: ["t2"]}
    incremental.add(np.array(list(changed)), list(changed.values()))
    assert incremental.remove(np.array([7, 8, 9, 5000])) == 3
    final = {**docs, **changed}
    for gone in (7, 8, 9):
        del final[gone]
    fresh = BM25Index().fit(np.array(list(final)), list(final.values()))
    assert len(incremental) == len(fresh) == 197
    np.testing.assert_array_equal(incremental.ids(), fresh.ids())
    for query in (["t1", "t2", "t3"], {"new": 1.0, "t9": 0.3}, ["t0"]):
        got, want = incremental.search(query, 500), fresh.search(query, 500)  # every match
        np.testing.assert_allclose(got[0], want[0], rtol=1e-5)
        np.testing.assert_array_equal(np.sort(got[1]), np.sort(want[1]))
        np.testing.assert_allclose(
            incremental.score(query, fresh.ids()), fresh.score(query, fresh.ids()), rtol=1e-5
        )
    assert incremental.idf("t1") == pytest.approx(fresh.idf("t1"))
    assert incremental.matched_terms(["t1", "new"], 5) == ["t1", "new"]


def test_save_load_round_trip(tmp_path: Path) -> None:
    index = fitted(k1=1.5, b=0.6)
    index.remove(np.array([40]))
    index.save(tmp_path / "bm25")
    loaded = BM25Index.load(tmp_path / "bm25")
    assert (loaded.k1, loaded.b, len(loaded)) == (1.5, 0.6, 3)
    for query in (["电池", "储能"], {"battery": 2.0}):
        np.testing.assert_array_equal(loaded.search(query, 5)[1], index.search(query, 5)[1])
        np.testing.assert_allclose(loaded.search(query, 5)[0], index.search(query, 5)[0])
    loaded.add(np.array([50]), [["芯片"]])  # stays updatable after load
    assert loaded.search(["芯片"], 5)[1].tolist() == [50]
    with pytest.raises(FileNotFoundError, match="no lexical index"):
        BM25Index.load(tmp_path / "missing")


def test_bad_input() -> None:
    index = BM25Index()
    with pytest.raises(ValueError, match="2 ids for 1 documents"):
        index.fit(np.array([1, 2]), [["a"]])
    with pytest.raises(ValueError, match="duplicates"):
        index.add(np.array([1, 1]), [["a"], ["b"]])
    with pytest.raises(TypeError, match="sequence of tokens"):
        index.add(np.array([1]), ["a b"])
    empty = BM25Index()
    assert empty.search(["a"], 3)[1].size == 0 and empty.score(["a"], np.array([1])).tolist() == [0.0]


def test_score_of_ids_equals_the_search_scores_on_a_larger_random_index() -> None:
    """`score` reads candidate rows; `search` sums posting columns: both are the same BM25."""
    rng = np.random.default_rng(4)
    vocabulary = [f"t{i}" for i in range(60)]
    docs = [list(rng.choice(vocabulary, size=rng.integers(1, 30))) for _ in range(400)]
    index = BM25Index().fit(np.arange(10, 410), docs)
    index.remove(np.array([15, 99]))  # removed rows are compacted before scoring
    query = {"t1": 1.0, "t7": 0.5, "t33": 2.0, "missing": 1.0}
    scores, ids = index.search(query, 400)
    np.testing.assert_allclose(index.score(query, ids), scores, rtol=1e-6)
    assert index.score(query, np.array([15, 99, 5000])).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("allowed_share", [None, 0.5, 0.01])
def test_search_scoring_gives_search_and_the_scores_of_the_given_ids(allowed_share: float | None) -> None:
    # unfiltered, a broad filter (scores summed over every row) and a narrow one (rows read one by one)
    rng = np.random.default_rng(7)
    vocabulary = [f"t{i}" for i in range(40)]
    ids = np.arange(1, 601, dtype=np.int64) * 3
    docs = [list(rng.choice(vocabulary, size=int(rng.integers(3, 12)))) for _ in ids]
    index = BM25Index().fit(ids, docs)
    query = {"t1": 1.0, "t2": 0.5, "t7": 2.0, "absent": 1.0}
    if allowed_share is None:
        allowed = None
    else:
        allowed = frozen(np.sort(rng.choice(ids, int(len(ids) * allowed_share), replace=False)))
    extra = np.array([ids[5], ids[100], 2, ids[599], ids[5]], dtype=np.int64)  # 2 is not indexed
    scores, found, extra_scores = index.search_scoring(query, 25, extra, allowed=allowed)
    expected_scores, expected_found = index.search(query, 25, allowed=allowed)
    assert found.tolist() == expected_found.tolist()
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)
    np.testing.assert_allclose(extra_scores, index.score(query, extra), rtol=1e-5, atol=1e-6)
    assert extra_scores[2] == 0.0 and extra_scores.dtype == np.float32
    assert extra_scores[0] > 0 or index.score(query, extra[:1])[0] == 0
