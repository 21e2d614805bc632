"""Exact top-k by inner product in numpy: used for flat scans and for filtered searches over few ids."""

from __future__ import annotations

import numpy as np

__all__ = ["empty_result", "exact_topk", "flat_topk", "topk_of_scores"]

_CHUNK_CELLS = 1 << 24  # scores computed per block: 16M floats = 64 MB, bounds memory for big batches


def empty_result(n_queries: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    """All-padding result: scores ``-inf``, ids ``-1``."""
    return (
        np.full((n_queries, k), -np.inf, dtype=np.float32),
        np.full((n_queries, k), -1, dtype=np.int64),
    )


def topk_of_scores(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Best ``k`` columns of each row of ``scores`` (``-inf`` entries never count as hits).

    Args:
        scores: Float32 ``(n, m)``.
        k: Results per row.

    Returns:
        ``(top_scores, columns)`` of shape ``(n, k)``, best first; padding is ``-inf`` / ``-1``.
    """
    n, m = scores.shape
    take = min(k, m)
    if take == 0:
        return empty_result(n, k)
    if take < m:
        columns = np.argpartition(-scores, take - 1, axis=1)[:, :take]
    else:
        columns = np.broadcast_to(np.arange(m), (n, m))
    picked = np.take_along_axis(scores, columns, axis=1)
    order = np.argsort(-picked, axis=1, kind="stable")
    columns = np.take_along_axis(columns, order, axis=1)
    picked = np.take_along_axis(picked, order, axis=1)
    columns = np.where(np.isneginf(picked), -1, columns)
    if take == k:
        return picked.astype(np.float32, copy=False), columns.astype(np.int64, copy=False)
    out_scores, out_columns = empty_result(n, k)
    out_scores[:, :take] = picked
    out_columns[:, :take] = columns
    return out_scores, out_columns


def exact_topk(
    queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int, mask: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact top-``k`` of ``queries @ vectors.T``, returning ``ids`` of the best rows.

    Args:
        queries: Float32 ``(n, d)``.
        vectors: Float32 ``(m, d)`` (may be a zero-copy view of index storage).
        ids: Int64 ``(m,)`` id of each row of ``vectors``.
        k: Results per query.
        mask: Optional bool ``(m,)``; rows where it is False are excluded.

    Returns:
        ``(scores, ids)`` of shape ``(n, k)``.
    """
    n = queries.shape[0]
    m = vectors.shape[0]
    if m == 0 or n == 0:
        return empty_result(n, k)
    if n == 1:
        # gemv on the single-query path: no (1, m) temporary and no chunking overhead.
        row = vectors @ queries[0]
        if mask is not None:
            row[~mask] = -np.inf
        scores, columns = topk_of_scores(row[None, :], k)
        return scores, np.where(columns >= 0, ids[np.maximum(columns, 0)], -1)
    out_scores, out_ids = empty_result(n, k)
    step = max(1, _CHUNK_CELLS // m)
    for start in range(0, n, step):
        block = queries[start : start + step] @ vectors.T
        if mask is not None:
            block[:, ~mask] = -np.inf
        scores, columns = topk_of_scores(block, k)
        out_scores[start : start + step] = scores
        out_ids[start : start + step] = np.where(columns >= 0, ids[np.maximum(columns, 0)], -1)
    return out_scores, out_ids


def flat_topk(
    queries: np.ndarray, vectors: np.ndarray, ids: np.ndarray, k: int, positions: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Exact search over all ``vectors``, or only the rows at ``positions`` when given.

    Few allowed rows are gathered and scored; many are scored in place and the rest masked out,
    which avoids copying most of the matrix.
    """
    if positions is None:
        return exact_topk(queries, vectors, ids, k)
    if positions.size * 3 < vectors.shape[0]:
        return exact_topk(queries, vectors[positions], ids[positions], k)
    mask = np.zeros(vectors.shape[0], dtype=bool)
    mask[positions] = True
    return exact_topk(queries, vectors, ids, k, mask=mask)
