"""Vectors for `haizhi bench-index`: generated clustered unit vectors, or rows of a ``.npy`` file.

Uniform random vectors on a 512-d sphere are all nearly orthogonal: every neighbour is equally far and
inverted lists have no structure to exploit, so ANN figures on them say nothing about text embeddings.
Generated vectors here are shaped like `pipelines.bench.generated` document vectors instead: each is a
seeded mixture of two of a fixed set of random topic centres (0.7 / 0.3) plus Gaussian noise,
normalised. Experts, items and queries are drawn from the same centres with different seeds.

Vectors are written in blocks straight into ``.npy`` files (``open_memmap``), so a few million rows
never sit in memory twice; the exact top-k used as ground truth is computed from the same files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["CENTRES", "exact_topk_file", "generate_vectors", "read_vector_file"]

CENTRES = 1024  # topic centres shared by experts, items and queries
MAIN_TOPIC_SHARE = 0.7
NOISE_SCALE = 0.45  # noise norm relative to the unit centre mixture
_BLOCK = 100_000


def _centres(dim: int, seed: int) -> np.ndarray:
    centres = np.random.default_rng(seed).standard_normal((CENTRES, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    return centres


def generate_vectors(path: Path, count: int, dim: int, *, seed: int, world_seed: int = 7) -> np.ndarray:
    """Write ``count`` clustered unit vectors to ``path`` (``.npy``); returns them memory-mapped.

    Args:
        path: Output file (overwritten).
        count: Rows.
        dim: Dimension.
        seed: Seed of these rows (experts, items and queries use different ones).
        world_seed: Seed of the topic centres, shared by all sets of one benchmark.
    """
    if count < 1 or dim < 2:
        raise ValueError(f"need count >= 1 and dim >= 2, got count {count}, dim {dim}")
    centres = _centres(dim, world_seed)
    rng = np.random.default_rng(seed)
    out = np.lib.format.open_memmap(Path(path), mode="w+", dtype=np.float32, shape=(count, dim))
    for start in range(0, count, _BLOCK):
        rows = min(_BLOCK, count - start)
        first, second = rng.integers(CENTRES, size=(2, rows))
        block = MAIN_TOPIC_SHARE * centres[first] + (1 - MAIN_TOPIC_SHARE) * centres[second]
        block += rng.standard_normal((rows, dim), dtype=np.float32) * np.float32(NOISE_SCALE / np.sqrt(dim))
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + rows] = block
    out.flush()
    del out
    return np.load(Path(path), mmap_mode="r")


def read_vector_file(path: Path, rows: int | None = None) -> np.ndarray:
    """The first ``rows`` rows of a float32 ``(n, dim)`` ``.npy`` file, memory-mapped.

    Raises:
        FileNotFoundError: The file is missing.
        ValueError: Not a 2-D float32 array, too few rows, or rows that are not finite unit vectors.
    """
    data = np.load(Path(path), mmap_mode="r", allow_pickle=False)
    if data.ndim != 2 or data.dtype != np.float32:
        raise ValueError(f"{path}: expected a float32 (n, dim) array, got {data.dtype} {data.shape}")
    if rows is not None and data.shape[0] < rows:
        raise ValueError(f"{path}: {data.shape[0]} rows, the benchmark needs {rows}")
    picked = data[:rows] if rows is not None else data
    for start in range(0, picked.shape[0], _BLOCK):
        norms = np.linalg.norm(picked[start : start + _BLOCK], axis=1)
        bad = np.flatnonzero(~np.isfinite(norms) | (np.abs(norms - 1.0) > 1e-3))
        if bad.size:
            row = start + int(bad[0])
            raise ValueError(f"{path}: row {row} is not a unit vector (norm {norms[bad[0]]:.4f})")
    return picked


def exact_topk_file(vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """Exact top-``k`` row numbers by inner product (the ground truth), scanning ``vectors`` in blocks."""
    n = queries.shape[0]
    best_scores = np.full((n, 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((n, 0), dtype=np.int64)
    for start in range(0, vectors.shape[0], _BLOCK):
        scores = queries @ np.asarray(vectors[start : start + _BLOCK]).T
        take = min(k, scores.shape[1])
        columns = np.argpartition(-scores, take - 1, axis=1)[:, :take]
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, columns, axis=1)], axis=1)
        best_rows = np.concatenate([best_rows, columns + start], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :k]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best_rows = np.take_along_axis(best_rows, keep, axis=1)
    return best_rows
