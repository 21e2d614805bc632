"""A bulk build goes block by block (bounded memory) and gives the index a one-shot build would give."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.encoders.base import Encoder
from embeddings.index.base import default_nlist
from embeddings.index.factory import create_index
from embeddings.lexical.factory import DEFAULT_LEXICAL_BACKEND, create_lexical_index
from matcher.domain.records import Expert
from matcher.retrieval import collection as collection_module
from matcher.retrieval.collection import Collection
from matcher.retrieval.corpus import Corpus
from matcher.retrieval.profiles import Analyzer
from pipelines.demo.generator import generate_experts


@pytest.fixture(scope="module")
def experts() -> list[Expert]:
    return generate_experts(40)


def _rows(experts: list[Expert]) -> list[tuple[int, Expert]]:
    return list(enumerate(experts, start=1))


def _same_vectors(a: Collection, b: Collection, name: str) -> None:
    left, right = getattr(a, name), getattr(b, name)
    ids = np.sort(left.ids())
    np.testing.assert_array_equal(ids, np.sort(right.ids()))
    np.testing.assert_allclose(left.reconstruct(ids), right.reconstruct(ids), atol=1e-6)


def test_blocked_bulk_upsert_equals_one_block(
    monkeypatch: pytest.MonkeyPatch, use_encoder: Encoder, experts: list[Expert]
) -> None:
    analyzer = Analyzer()
    whole = Collection.empty("experts", use_encoder)
    whole.upsert(_rows(experts), analyzer, use_encoder)

    monkeypatch.setattr(collection_module, "UPSERT_BLOCK", 15)  # three blocks: 15, 15, 10
    blocked = Collection.empty("experts", use_encoder)
    blocked.upsert(_rows(experts), analyzer, use_encoder)

    assert len(blocked) == len(whole) == 40
    assert blocked.corpus.checksum() == whole.corpus.checksum()
    _same_vectors(blocked, whole, "dense")
    _same_vectors(blocked, whole, "items")
    assert len(blocked.item_lexical) == len(whole.item_lexical) > 40  # type: ignore[arg-type]
    query = list(analyzer.analyze_expert(experts[7]).terms)
    every = np.arange(1, 41, dtype=np.int64)
    np.testing.assert_allclose(blocked.lexical.score(query, every), whole.lexical.score(query, every))


def test_blocked_bulk_upsert_sizes_trained_lists_for_the_whole_build(
    monkeypatch: pytest.MonkeyPatch, use_encoder: Encoder
) -> None:
    experts = generate_experts(400)
    monkeypatch.setattr(collection_module, "UPSERT_BLOCK", 300)  # the first block trains (>= 256)
    dim, encoder_id = use_encoder.dim, use_encoder.id
    collection = Collection(
        "experts",
        create_index("ivfpq", dim=dim, encoder_id=encoder_id, min_train=256),
        create_lexical_index(DEFAULT_LEXICAL_BACKEND),
        Corpus(),
        items=create_index("ivfpq", dim=dim, encoder_id=encoder_id, min_train=256),
        item_lexical=create_lexical_index(DEFAULT_LEXICAL_BACKEND),
    )
    collection.upsert(_rows(experts), Analyzer(), use_encoder)

    assert collection.dense.trained  # type: ignore[attr-defined]
    assert collection.dense.ivf_nlist == default_nlist(400) != default_nlist(300)  # type: ignore[attr-defined]
    assert collection.items is not None and collection.items.trained  # type: ignore[attr-defined]
    items = len(collection.items)
    first_block_items = sum(e.item_count for e in collection.corpus.entries() if e.pk <= 300)
    estimate = round(first_block_items * 400 / 300)
    assert abs(estimate - items) < 0.1 * items
    assert collection.items.ivf_nlist == default_nlist(estimate)  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", ["ivf", "ivfpq"])
def test_expect_size_sizes_lists_only_before_training(kind: str) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(2000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    params = {"min_train": 256, "pq_m": 4} if kind == "ivfpq" else {}
    hinted = create_index(kind, dim=32, encoder_id="t", **params)
    hinted.expect_size(50_000)
    hinted.add(np.arange(2000), vectors)
    plain = create_index(kind, dim=32, encoder_id="t", **params)
    plain.add(np.arange(2000), vectors)
    assert hinted.ivf_nlist == default_nlist(50_000)  # type: ignore[attr-defined]
    assert plain.ivf_nlist == default_nlist(2000)  # type: ignore[attr-defined]

    hinted.expect_size(10)  # trained: the lists stay
    assert hinted.ivf_nlist == default_nlist(50_000)  # type: ignore[attr-defined]
    _scores, ids = hinted.search(vectors[:3], 1)
    np.testing.assert_array_equal(ids[:, 0], [0, 1, 2])
