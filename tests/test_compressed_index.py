"""The compressed vector index (kind ``ivfpq``): near-exact recall from PQ codes plus exact re-scoring."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from embeddings.encoders.base import Encoder
from embeddings.index.base import MANIFEST_FILE, IndexMismatchError, ReadOnlyIndexError
from embeddings.index.factory import create_index, load_index
from embeddings.index.faiss_compressed import CompressedFaissIndex
from embeddings.index.storage import current_version
from matcher.config import Settings
from matcher.service import Matcher

ROOT = Path(__file__).resolve().parents[1]
DIM = 32
MIN_TRAIN = 1000  # small, so a few thousand vectors are a trained index


def clustered(n: int, seed: int, centres: int = 40) -> np.ndarray:
    """Unit vectors around shared random centres (not uniform: IVF lists then mean something)."""
    world = np.random.default_rng(99).standard_normal((centres, DIM))
    rng = np.random.default_rng(seed)
    vectors = world[rng.integers(centres, size=n)] + 0.6 * rng.standard_normal((n, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def new_index(**params: int) -> CompressedFaissIndex:
    index = create_index("ivfpq", dim=DIM, encoder_id="enc", min_train=MIN_TRAIN, **params)
    assert isinstance(index, CompressedFaissIndex)
    return index


def exact(ids: np.ndarray, vectors: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    return ids[np.argsort(-(queries @ vectors.T), axis=1, kind="stable")[:, :k]]


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / truth.shape[1] for a, b in zip(found, truth, strict=True)]))


def exhaustive(index: CompressedFaissIndex) -> dict[str, int]:
    """Search parameters that probe every list and re-score every candidate: must equal exact."""
    return {"nprobe": int(index.ivf_nlist or 1), "shortlist": len(index)}


def test_recall_against_exact_search_on_clustered_vectors() -> None:
    ids = np.arange(4000, dtype=np.int64) * 7
    vectors = clustered(4000, seed=1)
    queries = clustered(100, seed=2)
    index = new_index()
    index.add(ids, vectors)
    assert index.trained and len(index) == 4000
    _, found = index.search(queries, 10)
    assert recall(found, exact(ids, vectors, queries, 10)) >= 0.95
    # scores are exact inner products of the returned ids (re-scored from the float store)
    scores, top = index.search(queries[0], 5)
    np.testing.assert_allclose(scores[0], vectors[top[0] // 7] @ queries[0], rtol=1e-5)
    # the shortlist is the only approximation: all lists + every candidate = exact
    _, all_found = index.search(queries, 10, **exhaustive(index))
    assert (all_found == exact(ids, vectors, queries, 10)).all()


def test_add_replace_remove_equal_a_fresh_build() -> None:
    vectors = clustered(3000, seed=3)
    index = new_index()
    index.add(np.arange(3000), vectors)
    replaced = np.arange(0, 3000, 6)
    new_vectors = clustered(replaced.size, seed=4)
    index.add(replaced, new_vectors)  # replace: same ids, new vectors
    removed = np.arange(1, 3000, 9)
    assert index.remove(np.concatenate([removed, [10**9]])) == removed.size  # absent ids are ignored
    assert index.remove(removed) == 0
    final = vectors.copy()
    final[replaced] = new_vectors
    keep = np.setdiff1d(np.arange(3000), removed)
    fresh = new_index()
    fresh.add(keep, final[keep])
    assert index.ids().tolist() == fresh.ids().tolist() == keep.tolist() and len(index) == keep.size
    np.testing.assert_array_equal(index.reconstruct(keep), fresh.reconstruct(keep))
    assert 1 not in index and 0 in index and 0 in fresh and "0" not in index
    queries = clustered(50, seed=5)
    truth = exact(keep, final[keep], queries, 10)
    _, found = index.search(queries, 10, **exhaustive(index))
    _, fresh_found = fresh.search(queries, 10, **exhaustive(fresh))
    assert (found == truth).all() and (fresh_found == truth).all()
    _, approx = index.search(queries, 10)
    assert recall(approx, truth) >= 0.95 and not np.isin(approx, removed).any()
    _, top = index.search(new_vectors[:20], 1)  # a replaced vector is found under its id
    assert top[:, 0].tolist() == replaced[:20].tolist()


def test_heavy_removal_compacts_and_stays_exact_below_the_training_size(tmp_path: Path) -> None:
    vectors = clustered(2500, seed=6)
    index = new_index()
    index.add(np.arange(2500), vectors)
    index.remove(np.arange(0, 1200))  # > 30 % dead: compacted; 1300 left, still trained
    assert index.trained and len(index) == 1300
    queries = clustered(30, seed=7)
    _, found = index.search(queries, 10, **exhaustive(index))
    assert (found == exact(np.arange(1200, 2500), vectors[1200:], queries, 10)).all()
    index.save(tmp_path / "idx")
    assert np.load(current_version(tmp_path / "idx") / "vectors.npy").shape == (1300, DIM)
    index.remove(np.arange(1200, 1600))  # below min_train: as a fresh build, exact again
    assert not index.trained
    _, found = index.search(queries, 10)
    assert (found == exact(np.arange(1600, 2500), vectors[1600:], queries, 10)).all()
    index.add(np.arange(0, 200), vectors[:200])  # back to min_train: trained again
    assert index.trained and len(index) == 1100


def test_below_the_training_size_search_is_exact() -> None:
    vectors = clustered(600, seed=8)
    index = new_index()
    index.add(np.arange(600) + 5, vectors)
    assert not index.trained
    queries = clustered(20, seed=9)
    scores, found = index.search(queries, 10)
    assert (found == exact(np.arange(600) + 5, vectors, queries, 10)).all()
    np.testing.assert_allclose(scores[:, 0], np.max(queries @ vectors.T, axis=1), rtol=1e-5)
    scores, found = index.search(queries[0], 700)  # more than stored: padded
    assert (found[0, 600:] == -1).all() and np.isneginf(scores[0, 600:]).all()
    index.remove(np.arange(5, 605, 2))
    _, found = index.search(queries, 10)
    assert not np.isin(found, np.arange(5, 605, 2)).any()


@pytest.mark.parametrize("n_allowed", [50, 2600])  # exact scoring of a few / a filtered IVF walk
def test_allowed_filter_returns_only_allowed_ids(n_allowed: int) -> None:
    vectors = clustered(4000, seed=10)
    index = new_index()
    index.add(np.arange(4000), vectors)
    allowed = np.random.default_rng(11).choice(4000, size=n_allowed, replace=False)
    queries = clustered(20, seed=12)
    _, found = index.search(queries, 10, allowed=allowed)
    assert np.isin(found, allowed).all()
    truth = exact(np.sort(allowed), vectors[np.sort(allowed)], queries, 10)
    _, all_found = index.search(queries, 10, allowed=allowed, **exhaustive(index))
    assert (all_found == truth).all() and recall(found, truth) >= 0.95
    assert (index.search(queries, 10, allowed=np.array([10**6]))[1] == -1).all()


def test_save_load_round_trip_and_mmap_read_only(tmp_path: Path) -> None:
    vectors = clustered(3000, seed=13)
    index = new_index(nprobe=8, shortlist=64)
    index.add(np.arange(3000), vectors)
    manifest = index.save(tmp_path / "idx", checksum="abc")
    assert (manifest.kind, manifest.backend, manifest.count) == ("ivfpq", "faiss-compressed", 3000)
    assert manifest.params["nprobe"] == 8 and manifest.params["pq_m"] == DIM // 8
    queries = clustered(40, seed=14)
    expected = index.search(queries, 10)
    for mmap in (False, True):
        loaded = load_index(tmp_path / "idx", expected_encoder_id="enc", expected_dim=DIM, mmap=mmap)
        assert isinstance(loaded, CompressedFaissIndex) and loaded.read_only is mmap
        assert (loaded.nprobe, loaded.shortlist, loaded.trained) == (8, 64, True)
        scores, found = loaded.search(queries, 10)
        assert (found == expected[1]).all()
        np.testing.assert_allclose(scores, expected[0], rtol=1e-6)
        np.testing.assert_array_equal(loaded.reconstruct(np.arange(3000)), vectors)
    assert isinstance(loaded, CompressedFaissIndex)
    with pytest.raises(ReadOnlyIndexError):
        loaded.add(np.array([5000]), vectors[:1])
    with pytest.raises(ReadOnlyIndexError):
        loaded.remove(np.array([1]))
    # an index read without mmap has its float vectors mapped too, yet takes writes
    writable = load_index(tmp_path / "idx")
    assert isinstance(writable, CompressedFaissIndex)
    writable.add(np.array([5000, 1]), clustered(2, seed=15))
    writable.remove(np.array([2]))
    writable.save(tmp_path / "idx")
    again = load_index(tmp_path / "idx", mmap=True)
    assert len(again) == 3000 and 5000 in again and 2 not in again
    np.testing.assert_array_equal(again.reconstruct(np.array([5000, 1])), clustered(2, seed=15))
    with pytest.raises(IndexMismatchError, match="built by encoder enc"):
        load_index(tmp_path / "idx", expected_encoder_id="other")


def test_empty_and_untrained_indexes_round_trip(tmp_path: Path) -> None:
    empty = new_index()
    assert (empty.search(np.ones(DIM), 3)[1] == -1).all() and len(empty) == 0
    empty.save(tmp_path / "empty")
    assert len(load_index(tmp_path / "empty", mmap=True)) == 0
    small = new_index()
    small.add(np.array([3, 1]), clustered(2, seed=16))
    small.save(tmp_path / "small")
    loaded = load_index(tmp_path / "small", mmap=True)
    assert isinstance(loaded, CompressedFaissIndex) and not loaded.trained
    assert loaded.ids().tolist() == [1, 3]


def test_reconstruct_and_bad_input_errors(tmp_path: Path) -> None:
    index = new_index()
    vectors = clustered(10, seed=17)
    index.add(np.arange(10), vectors)
    np.testing.assert_array_equal(index.reconstruct(np.array([4, 2])), vectors[[4, 2]])
    with pytest.raises(KeyError, match=r"ids not in the index: \[11\]"):
        index.reconstruct(np.array([2, 11]))
    with pytest.raises(ValueError, match=r"vectors must have shape \(2, 32\)"):
        index.add(np.arange(2), np.ones((2, 8)))
    bad = vectors[:2].copy()
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        index.add(np.array([20, 21]), bad)
    with pytest.raises(ValueError, match="ids must be >= 0"):
        index.add(np.array([-3]), vectors[:1])
    with pytest.raises(ValueError, match="duplicates"):
        index.add(np.array([30, 30]), vectors[:2])
    with pytest.raises(ValueError, match="must be integers"):
        index.add(np.array([1.5]), vectors[:1])
    with pytest.raises(ValueError, match="k must be >= 1"):
        index.search(vectors[0], 0)
    with pytest.raises(ValueError, match=r"queries must have shape \(n, 32\)"):
        index.search(np.ones(7), 3)
    with pytest.raises(ValueError, match="pq_m must divide it"):
        create_index("ivfpq", dim=DIM, encoder_id="enc", pq_m=5)
    with pytest.raises(ValueError, match="min_train must be >= 2\\*\\*nbits = 256"):
        create_index("ivfpq", dim=DIM, encoder_id="enc", min_train=100)
    with pytest.raises(ValueError, match="unknown index kind 'ivf'"):
        CompressedFaissIndex(DIM, "enc", "ivf")
    assert len(index) == 10  # failed adds changed nothing
    index.save(tmp_path / "idx")
    manifest = current_version(tmp_path / "idx") / MANIFEST_FILE
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "count": 11}))
    with pytest.raises(ValueError, match="is inconsistent: 10 stored vectors"):
        load_index(tmp_path / "idx")
    np.save(current_version(tmp_path / "idx") / "vectors.npy", np.ones((10, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"vectors.npy holds float32 \(10, 4\), expected float32"):
        load_index(tmp_path / "idx")


def test_search_threads_reach_the_compressed_backend() -> None:
    code = (
        "from embeddings.index.factory import create_index, set_search_threads\n"
        "set_search_threads(3)\n"
        "create_index('ivfpq', dim=8, encoder_id='enc')\n"
        "import faiss, sys\n"
        "assert 'embeddings.index.faiss_compressed' in sys.modules\n"
        "assert faiss.omp_get_max_threads() == 3, faiss.omp_get_max_threads()\n"
        "set_search_threads(2)\n"
        "assert faiss.omp_get_max_threads() == 2\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


def test_matcher_serves_experts_from_an_ivfpq_collection(
    demo_data_dir: Path, use_encoder: Encoder, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data_dir, data_dir)
    flat = Matcher(Settings(data_dir=data_dir, embed_workers=1), encoder=use_encoder)
    need = "需要锂电池固态电解质方面的海外专家"
    expected = [r.id for r in flat.recommend(need, k=5, explain=False)]
    compressed = Matcher(
        Settings(data_dir=data_dir, embed_workers=1, index_kind="ivfpq"), encoder=use_encoder
    )
    assert compressed.reindex_vectors("ivfpq")
    collection = compressed.collection("experts")
    assert collection.dense.kind == "ivfpq" and type(collection.dense).__name__ == "CompressedFaissIndex"
    reloaded = Matcher(Settings(data_dir=data_dir, embed_workers=1, index_kind="ivfpq"), encoder=use_encoder)
    assert reloaded.collection("experts").dense.kind == "ivfpq"
    # the demo is below the training size: the compressed kind scores exactly, as flat does
    assert [r.id for r in reloaded.recommend(need, k=5, explain=False)] == expected
