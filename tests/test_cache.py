"""Embedding cache: hits and misses, persistence, per-encoder isolation, pruning."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings.cache import EmbeddingCache, cache_key
from embeddings.encoders.use import USEEncoder

TEXTS = ["锂电池储能", "semiconductor packaging", "锂电池储能", "智能制造"]


@pytest.fixture(scope="module")
def use_model() -> USEEncoder:
    return USEEncoder(threads=2)


class CountingEncoder:
    """Wraps a real encoder under another id and counts the texts it embeds."""

    def __init__(self, inner: USEEncoder, id: str) -> None:
        self.inner = inner
        self._id = id
        self.embedded: list[str] = []

    @property
    def id(self) -> str:
        return self._id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        self.embedded.extend(texts)
        return self.inner.encode_queries(texts, batch_size=batch_size)

    def encode_documents(
        self, texts: Sequence[str], *, batch_size: int = 64, show_progress: bool = False
    ) -> np.ndarray:
        self.embedded.extend(texts)
        # a different (still unit) vector than queries, to tell the kinds apart
        return -self.inner.encode_documents(texts, batch_size=batch_size)


def test_second_encode_is_all_hits(tmp_path: Path, use_model: USEEncoder) -> None:
    cache = EmbeddingCache(tmp_path)
    first = cache.encode(use_model, TEXTS)
    assert (cache.hits, cache.misses) == (0, 3)  # the duplicate text is embedded once
    np.testing.assert_allclose(first, use_model.encode_documents(TEXTS), atol=1e-6)
    np.testing.assert_array_equal(first[0], first[2])
    second = cache.encode(use_model, TEXTS)
    assert (cache.hits, cache.misses) == (4, 3)
    np.testing.assert_array_equal(first, second)
    assert second.dtype == np.float32 and second.shape == (4, 512)
    assert cache.encode(use_model, []).shape == (0, 512)


def test_changed_text_is_the_only_one_reembedded(tmp_path: Path, use_model: USEEncoder) -> None:
    encoder = CountingEncoder(use_model, "counting-v1")
    cache = EmbeddingCache(tmp_path)
    cache.encode(encoder, TEXTS)
    encoder.embedded.clear()
    changed = [*TEXTS[:3], "智能制造与工业机器人"]
    cache.encode(encoder, changed)
    assert encoder.embedded == ["智能制造与工业机器人"]


def test_persistence_across_instances(tmp_path: Path, use_model: USEEncoder) -> None:
    encoder = CountingEncoder(use_model, "counting-v1")
    writer = EmbeddingCache(tmp_path)
    expected = writer.encode(encoder, TEXTS, kind="query")
    writer.save()
    writer.encode(encoder, ["added after the first save"], kind="query")
    writer.save()  # second save merges saved and new entries
    encoder.embedded.clear()
    reader = EmbeddingCache(tmp_path)
    np.testing.assert_array_equal(reader.encode(encoder, TEXTS, kind="query"), expected)
    reader.encode(encoder, ["added after the first save"], kind="query")
    assert encoder.embedded == [] and reader.misses == 0 and len(reader) == 4
    assert not [path for path in tmp_path.rglob(".tmp-*")]


def test_encoders_and_kinds_do_not_collide(tmp_path: Path, use_model: USEEncoder) -> None:
    first = CountingEncoder(use_model, "model/a:v1")
    second = CountingEncoder(use_model, "model/a:v2")
    cache = EmbeddingCache(tmp_path)
    queries = cache.encode(first, ["电池"], kind="query")
    documents = cache.encode(first, ["电池"], kind="document")
    np.testing.assert_allclose(documents, -queries)  # kinds are cached separately
    cache.encode(second, ["电池"], kind="query")
    assert second.embedded == ["电池"]  # another encoder id never reads the first one's vectors
    cache.save()
    assert len([path for path in tmp_path.iterdir() if path.is_dir()]) == 2


def test_prune_and_errors(tmp_path: Path, use_model: USEEncoder) -> None:
    cache = EmbeddingCache(tmp_path)
    cache.encode(use_model, ["a", "b", "c"])
    dropped = cache.prune(use_model.id, [cache_key("b", "document")])
    assert dropped == 2 and len(cache) == 1
    assert len(EmbeddingCache(tmp_path).encode(use_model, ["b"])) == 1
    with pytest.raises(ValueError, match="kind must be one of"):
        cache.encode(use_model, ["a"], kind="passage")
    with pytest.raises(TypeError, match="not a single str"):
        cache.encode(use_model, "abc")


def test_many_entries_round_trip(tmp_path: Path) -> None:
    """100k-entry scale without a model: a fixed random 'encoder' over integer texts."""

    class TableEncoder:
        id, dim = "table", 8
        table = np.random.default_rng(0).standard_normal((100_000, 8)).astype(np.float32)

        def encode_queries(self, texts: Sequence[str], **_: object) -> np.ndarray:
            return self.table[[int(text) for text in texts]]

        encode_documents = encode_queries

    texts = [str(i) for i in range(100_000)]
    cache = EmbeddingCache(tmp_path)
    vectors = cache.encode(TableEncoder(), texts)
    cache.save()
    again = EmbeddingCache(tmp_path).encode(TableEncoder(), texts[::-1])
    np.testing.assert_array_equal(again, vectors[::-1])
