"""LayeredIndex: a mapped base + delta + tombstones answers like one plain index of the same vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.index import create_index, read_index
from embeddings.index.base import ReadOnlyIndexError, VectorIndex
from embeddings.index.layered import LayeredIndex

DIM = 16


def unit(rows: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def plain(vectors: dict[int, np.ndarray]) -> VectorIndex:
    """A fresh flat index holding exactly ``vectors`` (the reference)."""
    index = create_index("flat", dim=DIM, encoder_id="test")
    ids = np.array(sorted(vectors), dtype=np.int64)
    if ids.size:
        index.add(ids, np.stack([vectors[int(i)] for i in ids]))
    return index


def mapped_layer(tmp_path: Path, vectors: dict[int, np.ndarray], kind: str = "flat") -> LayeredIndex:
    base = create_index(kind, dim=DIM, encoder_id="test")
    ids = np.array(sorted(vectors), dtype=np.int64)
    base.add(ids, np.stack([vectors[int(i)] for i in ids]))
    base.write_files(tmp_path / "base")
    layer = LayeredIndex.read_files(tmp_path / "base", "test")
    assert layer.base.read_only  # the base is the memory-mapped file
    return layer


def assert_same(
    layer: VectorIndex, reference: VectorIndex, queries: np.ndarray, k: int, **kw: object
) -> None:
    got_scores, got_ids = layer.search(queries, k, **kw)  # type: ignore[arg-type]
    want_scores, want_ids = reference.search(queries, k, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got_ids, want_ids)
    np.testing.assert_allclose(got_scores, want_scores, rtol=1e-5, atol=1e-6)


@pytest.fixture
def start() -> dict[int, np.ndarray]:
    return {i: v for i, v in zip(range(0, 200, 2), unit(100, 1), strict=True)}


def test_layered_equals_plain_after_adds_replaces_and_removes(
    tmp_path: Path, start: dict[int, np.ndarray]
) -> None:
    layer = mapped_layer(tmp_path, start)
    truth = dict(start)
    queries = unit(5, 9)
    assert_same(layer, plain(truth), queries, 10)
    new = {1001 + i: v for i, v in enumerate(unit(7, 2))}  # new ids
    replaced = {4: unit(1, 3)[0], 10: unit(1, 4)[0]}  # base ids get new vectors
    for changes in (new, replaced):
        layer.add(np.array(list(changes), dtype=np.int64), np.stack(list(changes.values())))
        truth.update(changes)
    assert layer.remove(np.array([6, 8, 1001, 99999], dtype=np.int64)) == 3  # 99999 was never there
    for gone in (6, 8, 1001):
        truth.pop(gone)
    reference = plain(truth)
    for k in (1, 5, 10, len(truth), len(truth) + 30):
        assert_same(layer, reference, queries, k)
    allowed = np.array([4, 6, 10, 12, 1002, 1003, 14, 8], dtype=np.int64)  # includes removed ones
    assert_same(layer, reference, queries, 6, allowed=allowed)
    assert len(layer) == len(truth)
    np.testing.assert_array_equal(layer.ids(), reference.ids())
    np.testing.assert_allclose(
        layer.reconstruct(np.array([4, 1002, 12])), reference.reconstruct(np.array([4, 1002, 12]))
    )
    assert 6 not in layer and 4 in layer and 1002 in layer
    with pytest.raises(KeyError):
        layer.reconstruct(np.array([6]))


def test_tombstones_hide_base_hits_and_the_base_stays_unchanged(
    tmp_path: Path, start: dict[int, np.ndarray]
) -> None:
    layer = mapped_layer(tmp_path, start)
    query = start[20]  # its own vector is the best hit
    assert layer.search(query, 1)[1][0, 0] == 20
    assert layer.remove(np.array([20], dtype=np.int64)) == 1
    assert layer.remove(np.array([20], dtype=np.int64)) == 0  # already gone
    assert 20 not in layer.search(query, len(start))[1]
    np.testing.assert_array_equal(layer.tombstones, [20])
    assert 20 in layer.base and len(layer.base) == len(start)  # the mapped base itself is untouched
    with pytest.raises(ReadOnlyIndexError):
        layer.base.add(np.array([5], dtype=np.int64), unit(1, 5))


def test_a_replaced_vector_is_found_by_its_new_value_only(
    tmp_path: Path, start: dict[int, np.ndarray]
) -> None:
    layer = mapped_layer(tmp_path, start)
    old, new = start[30], unit(1, 77)[0]
    layer.add(np.array([30], dtype=np.int64), new[None, :])
    _, ids = layer.search(np.stack([old, new]), len(start))
    assert list(ids[1]).count(30) == 1 and ids[1, 0] == 30  # once, as the best hit of its new vector
    assert list(ids[0]).count(30) == 1 and ids[0, 0] != 30  # the old vector no longer answers
    assert len(layer) == len(start)
    np.testing.assert_allclose(layer.reconstruct(np.array([30]))[0], new)


def test_save_compacts_into_a_plain_index(tmp_path: Path, start: dict[int, np.ndarray]) -> None:
    layer = mapped_layer(tmp_path, start)
    layer.add(np.array([500, 2], dtype=np.int64), unit(2, 8))
    layer.remove(np.array([40, 42], dtype=np.int64))
    layer.write_files(tmp_path / "saved")
    reloaded = read_index(tmp_path / "saved", "test", mmap=True)
    assert not isinstance(reloaded, LayeredIndex) and len(reloaded) == len(layer)
    assert_same(reloaded, layer, unit(4, 11), 12)
    again = LayeredIndex.read_files(tmp_path / "saved", "test")  # the next load maps the merged files
    assert not again.changed and len(again.tombstones) == 0


def test_save_rebuilds_when_the_base_files_are_gone(tmp_path: Path, start: dict[int, np.ndarray]) -> None:
    base = create_index("flat", dim=DIM, encoder_id="test")
    base.add(np.array(sorted(start), dtype=np.int64), np.stack([start[i] for i in sorted(start)]))
    layer = LayeredIndex(base)  # no files known: the merge is rebuilt from the stored vectors
    layer.add(np.array([7], dtype=np.int64), unit(1, 12))
    layer.remove(np.array([0], dtype=np.int64))
    layer.write_files(tmp_path / "rebuilt")
    assert_same(read_index(tmp_path / "rebuilt", "test"), layer, unit(3, 13), 9)


def test_hnsw_base_keeps_its_kind_and_finds_changes(tmp_path: Path, start: dict[int, np.ndarray]) -> None:
    layer = mapped_layer(tmp_path, start, kind="hnsw")
    layer.add(np.array([901], dtype=np.int64), unit(1, 21))
    layer.remove(np.array([50], dtype=np.int64))
    assert layer.kind == "hnsw"
    assert layer.search(unit(1, 21)[0], 1)[1][0, 0] == 901
    assert 50 not in layer.search(start[50], 20)[1]
    layer.write_files(tmp_path / "saved")
    saved = read_index(tmp_path / "saved", "test")
    assert saved.kind == "hnsw" and 901 in saved and 50 not in saved and len(saved) == len(start)
