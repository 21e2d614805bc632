"""BM25 term-at-a-time search over column postings against a plain numpy BM25 on a Zipf corpus."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from embeddings.lexical.bm25 import BM25Index
from embeddings.lexical.postings import Postings

DOCS = 20000
Corpus = tuple[np.ndarray, list[list[str]], list[dict[str, float]]]  # ids, documents, queries


@pytest.fixture(scope="module")
def zipf_corpus() -> Corpus:
    """Documents over a Zipf vocabulary (common terms hold most documents) and mixed queries."""
    rng = np.random.default_rng(11)
    vocabulary = np.array([f"t{i}" for i in range(3000)])
    probability = 1.0 / np.arange(1, vocabulary.size + 1) ** 1.05
    probability /= probability.sum()
    docs = [list(rng.choice(vocabulary, size=int(rng.integers(8, 60)), p=probability)) for _ in range(DOCS)]
    queries = []
    for _ in range(20):
        common = rng.choice(vocabulary[:30], size=4, replace=False)
        rare = rng.choice(vocabulary[30:600], size=4, replace=False)
        queries.append(
            {str(t): float(w) for t, w in zip([*common, *rare], rng.uniform(0.5, 2.0, 8), strict=True)}
        )
    return np.arange(100, 100 + DOCS, dtype=np.int64), docs, queries


def reference_scores(
    docs: list[list[str]], query: dict[str, float], k1: float = 1.2, b: float = 0.75
) -> np.ndarray:
    """BM25 of every document, written out term by term (Lucene's idf)."""
    lengths = np.array([len(d) for d in docs], dtype=np.float64)
    average = lengths.mean()
    scores = np.zeros(len(docs))
    for term, weight in query.items():
        tf = np.array([d.count(term) for d in docs], dtype=np.float64)
        frequency = np.count_nonzero(tf)
        if frequency == 0:
            continue
        idf = np.log(1.0 + (len(docs) - frequency + 0.5) / (frequency + 0.5))
        scores += weight * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths / average))
    return scores


def best(scores: np.ndarray, ids: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    keep = scores > 0
    if allowed is not None:
        keep &= np.isin(ids, allowed)
    order = np.lexsort((ids[keep], -scores[keep]))
    return ids[keep][order][:k]


def test_accumulate_sums_every_posting_of_the_query_columns() -> None:
    rng = np.random.default_rng(3)
    dense = rng.uniform(0.1, 2.0, size=(300, 12)) * (rng.uniform(size=(300, 12)) < 0.3)
    columns = np.array([0, 3, 4, 11, 7], dtype=np.int64)
    factors = rng.uniform(0.2, 3.0, columns.size).astype(np.float32)
    expected = (dense[:, columns].astype(np.float32) * factors).sum(axis=1)
    for index_type in (np.int32, np.int64):  # scipy picks int64 indices for very large matrices
        matrix = sp.csc_matrix(dense.astype(np.float32))
        matrix.indices, matrix.indptr = matrix.indices.astype(index_type), matrix.indptr.astype(index_type)
        postings = Postings.from_matrix(matrix)
        np.testing.assert_allclose(postings.accumulate(columns, factors), expected, rtol=1e-5)
        assert postings.lengths(columns).tolist() == np.count_nonzero(dense[:, columns], axis=0).tolist()
    empty = Postings.from_matrix(sp.csc_matrix(dense.astype(np.float32)))
    assert not empty.accumulate(np.array([], dtype=np.int64), np.array([], dtype=np.float32)).any()


def test_search_equals_plain_bm25_with_and_without_filters(zipf_corpus: Corpus) -> None:
    ids, docs, queries = zipf_corpus
    index = BM25Index().fit(ids, docs)
    rng = np.random.default_rng(5)
    narrow = rng.choice(ids, 40, replace=False)  # its rows cost less than the postings
    wide = rng.choice(ids, DOCS // 2, replace=False)  # summed over postings
    common = {f"t{i}": 1.0 for i in range(30)}  # long postings: a tenth of the rows beats them
    tenth = rng.choice(ids, DOCS // 10, replace=False)  # ... and is read from the sums directly
    for query in [*queries[:8], common]:
        exact = reference_scores(docs, query)
        for allowed in (None, narrow, wide, tenth):
            scores, found = index.search(query, 100, allowed=allowed)
            np.testing.assert_array_equal(found, best(exact, ids, 100, allowed))
            np.testing.assert_allclose(scores, exact[found - 100], rtol=1e-4)


def test_contenders_hold_the_top_depth_and_few_others(zipf_corpus: Corpus) -> None:
    ids, docs, queries = zipf_corpus
    index = BM25Index().fit(ids, docs)
    postings = index._weight_matrix()
    allowed = np.zeros(DOCS, dtype=bool)
    allowed[::3] = True
    for query in queries[:10]:
        terms = index._query_columns(query)
        scores = postings.accumulate(terms.columns, terms.factors)
        for mask in (None, allowed):
            rows = postings.contenders(scores, terms.columns, 50, mask)
            eligible = np.flatnonzero((scores > 0) & (True if mask is None else mask))
            top = eligible[np.argsort(-scores[eligible], kind="stable")[:50]]
            assert np.isin(top, rows).all() and (mask is None or mask[rows].all())
            assert rows.size < eligible.size / 4  # the floor keeps the selection small
