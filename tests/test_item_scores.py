"""Experts as sets of texts: aggregation of per-item scores and the item indexes' lifecycle."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from conftest import corpus_entry

from embeddings.encoders.base import Encoder
from embeddings.lexical.bm25 import BM25Index
from matcher.config import Settings
from matcher.domain.records import Expert
from matcher.retrieval.corpus import Corpus, item_ids, item_owner
from matcher.retrieval.item_scores import MAX_AGGREGATED, CandidateItems, aggregate_items, lexical_item_scores
from matcher.service import Matcher


def test_item_ids_round_trip_to_their_owner() -> None:
    ids = item_ids(np.array([3, 7]), np.array([2, 3]))
    assert ids.tolist() == [3 << 10, (3 << 10) + 1, 7 << 10, (7 << 10) + 1, (7 << 10) + 2]
    assert item_owner(ids).tolist() == [3, 3, 7, 7, 7]


def test_aggregate_max_decayed_and_best_position() -> None:
    scores = np.array([0.2, 0.9, 0.5, 0.4, 0.7], dtype=np.float32)  # expert A: 3 items, B: 0, C: 2
    result = aggregate_items(scores, np.array([3, 0, 2]), decay=0.5)
    np.testing.assert_allclose(result.max[[0, 2]], [0.9, 0.7])
    assert result.best.tolist() == [1, -1, 1]
    np.testing.assert_allclose(
        result.decayed[[0, 2]], [0.9 + 0.5 * 0.5 + 0.25 * 0.2, 0.7 + 0.5 * 0.4], rtol=1e-6
    )
    assert np.isnan(result.max[1]) and np.isnan(result.decayed[1])
    floored = aggregate_items(scores, np.array([3, 0, 2]), decay=0.5, floor=0.3)
    np.testing.assert_allclose(floored.decayed[[0, 2]], [0.9 + 0.5 * 0.2, 0.7 + 0.5 * 0.1], rtol=1e-6)


def test_one_text_keeps_its_score_and_only_close_further_texts_add() -> None:
    one = np.array([0.8], dtype=np.float32)
    one_close = np.array([0.8, 0.1, 0.1], dtype=np.float32)
    three_close = np.array([0.8, 0.7, 0.7], dtype=np.float32)
    both = np.concatenate([one, one_close, three_close])
    counts = np.array([1, 3, 3])
    assert aggregate_items(both, counts, decay=0.0).decayed.tolist() == pytest.approx([0.8, 0.8, 0.8])
    decayed = aggregate_items(both, counts, decay=0.5, floor=0.3).decayed
    assert decayed[0] == pytest.approx(0.8) and decayed[1] == pytest.approx(0.8)  # off-topic adds nothing
    assert decayed[2] == pytest.approx(0.8 + 0.5 * 0.4 + 0.25 * 0.4)


def test_only_the_best_items_enter_the_sum() -> None:
    many = np.full(MAX_AGGREGATED + 5, 0.5, dtype=np.float32)
    result = aggregate_items(many, np.array([len(many)]), decay=1.0)
    assert result.decayed[0] == pytest.approx(0.5 * MAX_AGGREGATED)


def test_lexical_item_scores_read_each_publication_alone() -> None:
    corpus = Corpus([corpus_entry(1, id="A", item_count=2), corpus_entry(2, id="B", item_count=1)])
    index = BM25Index()
    ids = item_ids(np.array([1, 2]), np.array([2, 1]))
    index.add(ids, [["battery", "anode"], ["polymer", "membrane"], ["battery", "cathode"]])
    scored = lexical_item_scores(
        {"membrane": 1.0}, CandidateItems.of(np.array([1, 2]), corpus), index, decay=0.5
    )
    assert scored.best[0] == 1 and scored.max[0] > 0 and scored.max[1] == 0


PAPERS = [
    "Sulfide solid electrolytes for all-solid-state lithium batteries",
    "Dendrite suppression at lithium metal anodes",
    "Deep learning for lung nodule detection in CT",
]


def _expert(publications: list[str]) -> Expert:
    return Expert(
        id="E-ITEMS",
        name="Ada Wong",
        country="GB",
        languages=["en"],
        bio="Materials scientist.",
        publications=publications,
        updated_at=date(2026, 1, 1),
    )


def test_item_indexes_follow_updates_and_removal(tmp_path: Path, use_encoder: Encoder) -> None:
    matcher = Matcher(Settings(data_dir=tmp_path), encoder=use_encoder)
    matcher.store.records.upsert("experts", [_expert(PAPERS)])
    matcher.build_index()
    experts = matcher.collection("experts")
    assert experts.items is not None and experts.item_lexical is not None
    assert len(experts.items) == len(experts.item_lexical) == 1 + len(PAPERS)  # bio block + papers

    top = matcher.recommend("deep learning CT lung nodule detection", k=1)[0]
    assert top.explanation is not None and top.explanation.best_work == PAPERS[2]
    assert "lung nodule" in top.explanation.text_en

    matcher.store.records.upsert("experts", [_expert(PAPERS[:1])])  # two papers withdrawn
    matcher.build_index()
    experts = matcher.collection("experts")
    assert len(experts.items) == len(experts.item_lexical) == 2
    top = matcher.recommend("deep learning CT lung nodule detection", k=1)[0]
    assert top.explanation is not None and top.explanation.best_work != PAPERS[2]

    reloaded = Matcher(Settings(data_dir=tmp_path), encoder=use_encoder).collection("experts")
    assert reloaded.items is not None and len(reloaded.items) == 2
    assert reloaded.item_lexical is not None and len(reloaded.item_lexical) == 2

    matcher.store.records.delete("experts", ["E-ITEMS"])
    matcher.build_index()
    experts = matcher.collection("experts")
    assert len(experts.items) == len(experts.item_lexical) == 0
