"""FAISS vector index: exactness, recall, filters, updates, persistence and atomic saves."""

from __future__ import annotations

import json
import resource
import signal
from pathlib import Path

import numpy as np
import pytest

from embeddings.index import FaissIndex, IndexManifest, IndexMismatchError, read_manifest
from embeddings.index.base import ReadOnlyIndexError
from embeddings.index.factory import create_index
from embeddings.index.idmap import frozen

DIM = 32


def unit_vectors(n: int, seed: int, dim: int = DIM) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def exact_search(
    vectors: np.ndarray, ids: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    scores = queries @ vectors.T
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(scores, order, axis=1), ids[order]


@pytest.fixture(scope="module")
def corpus() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    vectors = unit_vectors(3000, seed=1)
    ids = np.arange(3000, dtype=np.int64) * 7 + 100  # ids unrelated to positions
    queries = unit_vectors(40, seed=2)
    return ids, vectors, queries


@pytest.fixture(scope="module")
def hnsw(corpus: tuple[np.ndarray, np.ndarray, np.ndarray]) -> FaissIndex:
    ids, vectors, _ = corpus
    index = FaissIndex(DIM, "enc", kind="hnsw", hnsw_m=16, ef_construction=80, ef_search=64)
    index.add(ids, vectors)
    return index


@pytest.mark.parametrize("n_queries", [1, 40])
def test_flat_equals_exact_numpy(corpus: tuple[np.ndarray, np.ndarray, np.ndarray], n_queries: int) -> None:
    ids, vectors, queries = corpus
    index = FaissIndex(DIM, "enc")
    index.add(ids, vectors)
    scores, found = index.search(queries[:n_queries], 10)
    want_scores, want_ids = exact_search(vectors, ids, queries[:n_queries], 10)
    assert found.dtype == np.int64 and scores.dtype == np.float32 and found.shape == (n_queries, 10)
    np.testing.assert_array_equal(found, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n_allowed", [5, 300, 2500])
@pytest.mark.parametrize("n_queries", [1, 40])
def test_flat_allowed_is_exact_over_allowed_ids(
    corpus: tuple[np.ndarray, np.ndarray, np.ndarray], n_allowed: int, n_queries: int
) -> None:
    ids, vectors, queries = corpus
    index = FaissIndex(DIM, "enc")
    index.add(ids, vectors)
    rows = np.sort(np.random.default_rng(n_allowed).choice(len(ids), n_allowed, replace=False))
    scores, found = index.search(queries[:n_queries], 10, allowed=ids[rows])
    want_scores, want_ids = exact_search(vectors[rows], ids[rows], queries[:n_queries], 10)
    valid = want_ids.shape[1]
    np.testing.assert_array_equal(found[:, :valid], want_ids)
    np.testing.assert_allclose(scores[:, :valid], want_scores, rtol=1e-5, atol=1e-5)
    if n_allowed < 10:  # fewer allowed vectors than k: padded
        assert (found[:, n_allowed:] == -1).all() and np.isneginf(scores[:, n_allowed:]).all()


def test_allowed_ids_not_in_index_and_empty(corpus: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    ids, vectors, queries = corpus
    index = FaissIndex(DIM, "enc")
    index.add(ids, vectors)
    scores, found = index.search(queries[:2], 3, allowed=np.array([1, 2, 3], dtype=np.int64))
    assert (found == -1).all() and np.isneginf(scores).all()
    scores, found = FaissIndex(DIM, "enc").search(queries[:2], 3)
    assert found.shape == (2, 3) and (found == -1).all()


def test_hnsw_recall_at_10(corpus: tuple[np.ndarray, np.ndarray, np.ndarray], hnsw: FaissIndex) -> None:
    ids, vectors, queries = corpus
    _, found = hnsw.search(queries, 10)
    _, want = exact_search(vectors, ids, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, want, strict=True)])
    assert recall >= 0.95


def test_hnsw_small_allowed_is_exact(
    corpus: tuple[np.ndarray, np.ndarray, np.ndarray], hnsw: FaissIndex
) -> None:
    ids, vectors, queries = corpus
    rows = np.arange(0, 3000, 29)  # 104 ids, spread over the graph
    scores, found = hnsw.search(queries, 10, allowed=ids[rows])
    want_scores, want_ids = exact_search(vectors[rows], ids[rows], queries, 10)
    np.testing.assert_array_equal(found, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5, atol=1e-5)


def test_hnsw_large_allowed_only_returns_allowed(
    corpus: tuple[np.ndarray, np.ndarray, np.ndarray], hnsw: FaissIndex
) -> None:
    ids, vectors, queries = corpus
    keep = np.arange(len(ids)) % 6 != 0
    allowed = ids[keep]  # 2500 ids: above the exact-scoring cut-off → filtered graph search
    _, found = hnsw.search(queries, 10, allowed=np.concatenate([allowed, allowed[:100]]))
    assert np.isin(found, allowed).all()
    _, want = exact_search(vectors[keep], allowed, queries, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, want, strict=True)])
    assert recall >= 0.9


def test_ivf_search_filter_and_reconstruct(corpus: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    ids, vectors, queries = corpus
    index = FaissIndex(DIM, "enc", kind="ivf", nprobe=8)
    index.add(ids, vectors)
    assert index.ivf_nlist == 3000 // 39
    _, found = index.search(queries, 10, nprobe=index.ivf_nlist)  # all lists probed: exact
    _, want = exact_search(vectors, ids, queries, 10)
    np.testing.assert_array_equal(found, want)
    allowed = ids[:2500]
    _, found = index.search(queries, 10, allowed=allowed, nprobe=index.ivf_nlist)
    np.testing.assert_array_equal(found, exact_search(vectors[:2500], allowed, queries, 10)[1])
    np.testing.assert_allclose(index.reconstruct(ids[[5, 9]]), vectors[[5, 9]])
    assert index.remove(ids[:10]) == 10 and len(index) == 2990 and ids[0] not in index


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_update_and_remove_match_fresh_build(kind: str) -> None:
    ids = np.arange(500, dtype=np.int64)
    vectors = unit_vectors(500, seed=3)
    replacement = unit_vectors(50, seed=4)
    queries = unit_vectors(5, seed=5)
    index = FaissIndex(DIM, "enc", kind=kind, ivf_nlist=4)
    index.add(ids, vectors)
    index.add(ids[100:150], replacement)  # update in place
    assert index.remove(np.array([0, 1, 2, 9999])) == 3
    assert len(index) == 497 and 0 not in index and 120 in index
    expected_vectors = vectors.copy()
    expected_vectors[100:150] = replacement
    np.testing.assert_allclose(index.reconstruct(ids[100:150]), replacement)
    np.testing.assert_array_equal(index.ids(), ids[3:])
    search_args = {"nprobe": 4} if kind == "ivf" else {"ef_search": 500}
    scores, found = index.search(queries, 10, **search_args)
    want_scores, want_ids = exact_search(expected_vectors[3:], ids[3:], queries, 10)
    np.testing.assert_array_equal(found, want_ids)
    np.testing.assert_allclose(scores, want_scores, rtol=1e-5, atol=1e-5)
    with pytest.raises(KeyError, match="ids not in the index"):
        index.reconstruct(np.array([0]))


def test_hnsw_tombstones_never_returned_and_rebuild() -> None:
    ids = np.arange(1000, dtype=np.int64)
    vectors = unit_vectors(1000, seed=6)
    index = FaissIndex(DIM, "enc", kind="hnsw", ef_construction=64)
    index.add(ids, vectors)
    index.remove(ids[:200])  # 20 %: tombstones kept
    _, found = index.search(vectors[:200], 5)
    assert not np.isin(found, ids[:200]).any()
    index.remove(ids[200:400])  # > 30 % dead: graph rebuilt from live vectors
    assert len(index) == 600
    _, found = index.search(vectors[400:410], 1)
    np.testing.assert_array_equal(found[:, 0], ids[400:410])


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_save_load_round_trip(kind: str, tmp_path: Path) -> None:
    ids = np.arange(10, 810, dtype=np.int64)
    vectors = unit_vectors(800, seed=7)
    queries = unit_vectors(8, seed=8)
    index = FaissIndex(DIM, "enc-v1", kind=kind, hnsw_m=12, ivf_nlist=8, nprobe=3)
    index.add(ids, vectors)
    index.remove(ids[:5])
    before = index.search(queries, 10)
    manifest = index.save(tmp_path / "idx", checksum="abc123")
    loaded = FaissIndex.load(tmp_path / "idx", expected_encoder_id="enc-v1")
    after = loaded.search(queries, 10)
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_array_equal(before[0], after[0])
    assert len(loaded) == 795 and loaded.kind == kind and loaded.params() == index.params()
    assert read_manifest(tmp_path / "idx") == manifest
    assert (manifest.encoder_id, manifest.dim, manifest.count, manifest.kind) == ("enc-v1", DIM, 795, kind)
    assert manifest.metric == "ip" and manifest.checksum == "abc123" and manifest.params["hnsw_m"] == 12
    assert IndexManifest.from_json(manifest.to_json()) == manifest
    assert json.loads(manifest.to_json())["format_version"] == 1
    loaded.add(np.array([5000]), unit_vectors(1, seed=9))  # a loaded index stays updatable
    assert 5000 in loaded


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_memory_mapped_load_serves_the_same_results_and_refuses_writes(kind: str, tmp_path: Path) -> None:
    ids = np.arange(10, 810, dtype=np.int64)
    vectors = unit_vectors(800, seed=7)
    queries = unit_vectors(8, seed=8)
    index = FaissIndex(DIM, "enc-v1", kind=kind, hnsw_m=12, ivf_nlist=8, nprobe=3)
    index.add(ids, vectors)
    index.remove(ids[:5])
    index.save(tmp_path / "idx")
    mapped = FaissIndex.load(tmp_path / "idx", expected_encoder_id="enc-v1", mmap=True)
    assert mapped.read_only and not FaissIndex.load(tmp_path / "idx").read_only
    for expected, got in zip(index.search(queries, 10), mapped.search(queries, 10), strict=True):
        np.testing.assert_array_equal(expected, got)
    np.testing.assert_array_equal(mapped.reconstruct(ids[5:9]), vectors[5:9])
    with pytest.raises(ReadOnlyIndexError, match="memory-mapped"):
        mapped.add(np.array([5000]), unit_vectors(1, seed=9))
    with pytest.raises(ReadOnlyIndexError):
        mapped.remove(ids[5:6])
    assert len(mapped) == 795


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="build-index"):
        FaissIndex.load(tmp_path / "missing")
    index = FaissIndex(512, "use-multilingual-v3")
    index.add(np.arange(3), unit_vectors(3, seed=1, dim=512))
    index.save(tmp_path / "idx")
    with pytest.raises(IndexMismatchError, match=r"use-multilingual-v3 \(dim 512\).*st:mini \(dim 384\)"):
        FaissIndex.load(tmp_path / "idx", expected_encoder_id="st:mini", expected_dim=384)
    with pytest.raises(IndexMismatchError, match="rebuild with `haizhi build-index`"):
        FaissIndex.load(tmp_path / "idx", expected_encoder_id="other")


def test_bad_input_errors() -> None:
    index = FaissIndex(DIM, "enc")
    with pytest.raises(ValueError, match="shape"):
        index.add(np.arange(3), unit_vectors(2, seed=1))
    with pytest.raises(ValueError, match="duplicates"):
        index.add(np.array([1, 1]), unit_vectors(2, seed=1))
    with pytest.raises(ValueError, match="NaN"):
        index.add(np.array([1]), np.full((1, DIM), np.nan, dtype=np.float32))
    with pytest.raises(ValueError, match="queries must have shape"):
        index.search(np.zeros((1, DIM + 1), dtype=np.float32), 3)
    with pytest.raises(ValueError, match="unknown index kind"):
        FaissIndex(DIM, "enc", kind="lsh")


def test_failed_save_keeps_previous_index(tmp_path: Path) -> None:
    target = tmp_path / "idx"
    old = FaissIndex(DIM, "enc")
    old.add(np.arange(10), unit_vectors(10, seed=1))
    old.save(target, checksum="old")
    bigger = FaissIndex(DIM, "enc")
    bigger.add(np.arange(20_000), unit_vectors(20_000, seed=2))  # ~2.5 MB index file
    # A real write failure part-way through the index file: the file-size limit (like a full disk).
    previous_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, hard))
    try:
        with pytest.raises((OSError, RuntimeError)):
            bigger.save(target, checksum="new")
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous_handler)
    loaded = FaissIndex.load(target)
    assert len(loaded) == 10 and read_manifest(target).checksum == "old"
    assert sorted(path.name for path in target.iterdir() if path.name.startswith(".tmp")) == []


def test_save_onto_a_file_fails_clearly(tmp_path: Path) -> None:
    target = tmp_path / "idx"
    target.write_text("not an index")
    index = FaissIndex(DIM, "enc")
    index.add(np.arange(3), unit_vectors(3, seed=1))
    with pytest.raises(NotADirectoryError, match="exists and is not a directory"):
        index.save(target)
    assert target.read_text() == "not an index"


def test_resave_replaces_version_and_cleans_old(tmp_path: Path) -> None:
    index = FaissIndex(DIM, "enc")
    for round_number in range(4):
        index.add(np.array([round_number]), unit_vectors(1, seed=round_number))
        index.save(tmp_path / "idx", checksum=str(round_number))
    assert FaissIndex.load(tmp_path / "idx").ids().tolist() == [0, 1, 2, 3]
    versions = [path for path in (tmp_path / "idx").iterdir() if path.name.startswith("v-")]
    assert len(versions) == 2  # the live version and the previous one (for readers mid-load)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf", "ivfpq"])
def test_a_reused_read_only_filter_stays_correct_after_the_index_changes(kind: str) -> None:
    ids = np.arange(1000, dtype=np.int64)
    vectors = unit_vectors(1000, seed=3)
    params = {"min_train": 256, "pq_m": 4} if kind == "ivfpq" else {"hnsw_m": 12}
    index = create_index(kind, dim=DIM, encoder_id="enc-v1", ivf_nlist=8, nprobe=8, **params)
    index.add(ids[:900], vectors[:900])
    allowed = frozen(np.arange(0, 1000, 2, dtype=np.int64))  # half the ids, some not yet indexed
    query = vectors[950]  # the nearest vector to itself once id 950 is added
    for _ in range(2):  # the second search reuses the converted filter
        _, found = index.search(query, 20, allowed=allowed)
        assert set(found[0][found[0] >= 0].tolist()) <= set(allowed.tolist()) and 950 not in found[0]
    index.add(ids[900:], vectors[900:])
    _, found = index.search(query, 5, allowed=allowed)
    assert found[0][0] == 950  # the memo was dropped with the change
    index.remove(np.array([950]))
    _, found = index.search(query, 5, allowed=allowed)
    assert 950 not in found[0] and set(found[0].tolist()) <= set(allowed.tolist())
