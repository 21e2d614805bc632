"""Exact inner products of one query with stored rows, scored in place, on every index layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.index import create_index
from embeddings.index.base import VectorIndex
from embeddings.index.factory import INDEX_KINDS
from embeddings.index.kernels import inner_products_at
from embeddings.index.layered import LayeredIndex

DIM = 16
ROWS = 1200  # enough for the trained kinds with their smallest training sets


def unit_vectors(n: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def filled(kind: str) -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    params = {"min_train": 1000, "pq_m": 4} if kind == "ivfpq" else {}
    index = create_index(kind, dim=DIM, encoder_id="enc", ivf_nlist=4, **params)
    ids = np.arange(10, 10 + ROWS, dtype=np.int64) * 3  # ids are not positions
    vectors = unit_vectors(ROWS, seed=1)
    index.add(ids, vectors)
    return index, ids, vectors


def test_the_kernel_scores_each_query_against_its_own_rows_and_checks_bounds() -> None:
    matrix = unit_vectors(50, seed=2)
    queries = unit_vectors(3, seed=3)
    positions = np.array([[0, 49, 7], [7, 7, 1], [20, 3, 0]], dtype=np.int64)
    expected = np.einsum("nd,nwd->nw", queries, matrix[positions])
    np.testing.assert_allclose(inner_products_at(matrix, queries, positions), expected, rtol=1e-5, atol=1e-6)
    assert inner_products_at(matrix, queries, np.zeros((3, 0), dtype=np.int64)).shape == (3, 0)
    for wrong in (50, -1):
        with pytest.raises(IndexError, match="outside the 50 stored rows"):
            inner_products_at(matrix, queries, np.array([[0, wrong, 1]] * 3, dtype=np.int64))


@pytest.mark.parametrize("kind", sorted(INDEX_KINDS))
def test_inner_products_equal_the_stored_vectors_times_the_query(kind: str) -> None:
    index, ids, vectors = filled(kind)
    query = unit_vectors(1, seed=4)[0]
    asked = ids[[5, 0, 1199, 5, 640]]  # any order, repeats allowed
    expected = index.reconstruct(asked) @ query
    scores = index.inner_products(query, asked)
    assert scores.dtype == np.float32 and scores.shape == (5,)
    np.testing.assert_allclose(scores, expected, rtol=1e-5, atol=1e-6)
    if kind != "ivfpq":  # the compressed kind re-scores from its own float copy: also exact
        np.testing.assert_allclose(scores, vectors[[5, 0, 1199, 5, 640]] @ query, rtol=1e-5, atol=1e-6)
    with pytest.raises(KeyError, match=r"ids not in the index: \[7\]"):
        index.inner_products(query, np.array([ids[0], 7]))


def test_a_layered_index_scores_base_and_delta_rows_and_never_a_replaced_base_row(tmp_path: Path) -> None:
    base, ids, vectors = filled("flat")
    base.write_files(tmp_path / "base")
    layer = LayeredIndex.read_files(tmp_path / "base", "enc")
    replacement = unit_vectors(2, seed=5)
    added = np.array([1, 2], dtype=np.int64)
    layer.add(np.array([ids[3], added[0]]), replacement)  # replaces a base row, adds a new id
    layer.add(added[1:], unit_vectors(1, seed=6))
    query = unit_vectors(1, seed=7)[0]
    asked = np.array([ids[3], added[0], ids[4], added[1]])
    scores = layer.inner_products(query, asked)
    np.testing.assert_allclose(scores, layer.reconstruct(asked) @ query, rtol=1e-5, atol=1e-6)
    assert scores[0] == pytest.approx(float(replacement[0] @ query), abs=1e-6)
    assert scores[2] == pytest.approx(float(vectors[4] @ query), abs=1e-6)
    layer.remove(np.array([ids[4]]))
    with pytest.raises(KeyError, match="ids not in the index"):
        layer.inner_products(query, np.array([ids[4]]))
