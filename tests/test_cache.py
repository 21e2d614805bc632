"""Embedding cache: hits and misses, persistence, per-encoder isolation, pruning, checkpoints and threads."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from embeddings.cache.store import EmbeddingCache, cache_key
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


class TableEncoder:
    """A fixed random 'encoder' over integer texts (no model): vector of text ``i`` is row ``i``."""

    dim = 8
    table = np.random.default_rng(0).standard_normal((100_000, 8)).astype(np.float32)

    def __init__(self, id: str = "table", fail_after: int | None = None) -> None:
        self.id = id
        self.fail_after = fail_after  # raise once this many texts were embedded: a build that dies
        self.embedded = 0

    def encode_queries(self, texts: Sequence[str], **_: object) -> np.ndarray:
        if self.fail_after is not None and self.embedded + len(texts) > self.fail_after:
            raise RuntimeError("killed mid-embedding")
        self.embedded += len(texts)
        return self.table[[int(text) for text in texts]]

    encode_documents = encode_queries


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
    assert not list(tmp_path.rglob("*.tmp"))  # no temporary file left behind


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
    texts = [str(i) for i in range(100_000)]
    cache = EmbeddingCache(tmp_path)
    vectors = cache.encode(TableEncoder(), texts)
    cache.save()
    again = EmbeddingCache(tmp_path).encode(TableEncoder(), texts[::-1])
    np.testing.assert_array_equal(again, vectors[::-1])


def _segments(directory: Path) -> list[Path]:
    return sorted(directory.rglob("segment-*.npy"))


def _encoder_directory(root: Path) -> Path:
    (directory,) = [path for path in root.iterdir() if path.is_dir()]
    return directory


def test_a_long_encode_checkpoints_and_a_rerun_embeds_only_the_rest(tmp_path: Path) -> None:
    texts = [str(i) for i in range(10_000)]
    cache = EmbeddingCache(tmp_path, checkpoint_every=1000, checkpoint_seconds=None)
    with pytest.raises(RuntimeError, match="killed"):
        cache.encode(TableEncoder(fail_after=5500), texts)
    # five blocks were embedded and checkpointed, each as its own segment of only its new rows
    segments = _segments(tmp_path)
    assert [len(np.load(path, mmap_mode="r")) for path in segments] == [1000] * 5
    assert not list(tmp_path.rglob("*.tmp"))
    resumed = EmbeddingCache(tmp_path, checkpoint_every=1000)
    assert resumed.count("table") == 5000
    encoder = TableEncoder()
    vectors = resumed.encode(encoder, texts)
    assert (resumed.hits, resumed.misses, encoder.embedded) == (5000, 5000, 5000)
    np.testing.assert_array_equal(vectors, TableEncoder.table[:10_000])


def test_segments_are_merged_and_leftovers_of_a_crashed_merge_are_harmless(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, checkpoint_every=100, checkpoint_seconds=None)
    cache.encode(TableEncoder(), [str(i) for i in range(1000)])
    kept = _segments(tmp_path)[0].read_bytes()  # as if a crash stopped a merge before its cleanup
    cache.encode(TableEncoder(), [str(i) for i in range(1000, 2000)])
    # 20 checkpoints: past 16 segments everything was merged into the base, later ones stay segments
    assert (_encoder_directory(tmp_path) / "entries.npy").is_file()
    assert 1 <= len(_segments(tmp_path)) <= 16
    (_encoder_directory(tmp_path) / "segment-00000000000000000001-1.npy").write_bytes(kept)
    reopened = EmbeddingCache(tmp_path)
    assert reopened.count("table") == 2000  # the stale segment only repeats keys
    texts = [str(i) for i in range(2000)]
    np.testing.assert_array_equal(reopened.encode(TableEncoder(), texts), TableEncoder.table[:2000])
    assert reopened.misses == 0
    dropped = reopened.prune("table", [cache_key(str(i), "document") for i in range(10)])
    assert dropped == 1990 and _segments(tmp_path) == []
    assert EmbeddingCache(tmp_path).count("table") == 10


def test_unreadable_segment_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = EmbeddingCache(tmp_path, checkpoint_every=10)
    cache.encode(TableEncoder(), [str(i) for i in range(20)])
    broken = _segments(tmp_path)[0]
    broken.write_bytes(b"not a numpy file")
    with caplog.at_level("WARNING", logger="haizhi.cache"):
        reopened = EmbeddingCache(tmp_path)
        assert reopened.count("table") == 10
    assert str(broken) in caplog.text and "delete it" in caplog.text


def test_time_based_checkpoint_persists_small_inserts(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path, checkpoint_every=1000, checkpoint_seconds=0.0)
    cache.encode(TableEncoder(), ["1"], kind="query")  # a single query, as a server embeds it
    assert EmbeddingCache(tmp_path).count("table") == 1


def test_threads_encode_while_another_checkpoints_and_merges(tmp_path: Path) -> None:
    """Request threads looking texts up while a bulk insert checkpoints and merges: every vector is right."""
    import threading

    cache = EmbeddingCache(tmp_path, checkpoint_every=50, checkpoint_seconds=None)
    errors: list[BaseException] = []
    batches = {
        offset: [[str(i) for i in range(s, s + 7)] + ["0"] for s in range(offset, 6000, 23)]
        for offset in range(4)
    }

    def work(offset: int) -> None:
        try:
            for n, texts in enumerate(batches[offset]):
                got = cache.encode(TableEncoder(), texts)
                np.testing.assert_array_equal(got, TableEncoder.table[[int(t) for t in texts]])
                if n % 15 == 0:
                    cache.save()
        except BaseException as error:  # reported below: a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in batches]
    for thread in threads:
        thread.start()
    bulk = [str(i) for i in range(6000, 9000)]
    np.testing.assert_array_equal(cache.encode(TableEncoder(), bulk), TableEncoder.table[6000:9000])
    for thread in threads:
        thread.join()
    assert errors == []
    cache.save()
    expected = sorted(
        {int(t) for texts in batches.values() for batch in texts for t in batch} | set(range(6000, 9000))
    )
    reopened = EmbeddingCache(tmp_path)
    assert reopened.count("table") == cache.count("table") == len(expected)
    np.testing.assert_array_equal(
        reopened.encode(TableEncoder(), [str(i) for i in expected]), TableEncoder.table[expected]
    )
    assert reopened.misses == 0
