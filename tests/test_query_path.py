"""The query path's database work: how many statements one recommendation costs, and which."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from matcher.retrieval.corpus import Corpus
from matcher.service import Matcher


@contextmanager
def selects(matcher: Matcher) -> Iterator[list[str]]:
    """Every SELECT the matcher's database runs inside the block, one-line SQL each."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(" ".join(statement.split()))

    engine = matcher.store.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture()
def warm(demo_matcher: Matcher) -> Matcher:
    """The demo matcher after one recommendation (indexes loaded, engagement loads read)."""
    demand = demo_matcher.store.records.list("demands", limit=1)[0]
    demo_matcher.recommend(demand_id=demand.id, k=6)
    return demo_matcher


def test_a_stored_demand_costs_two_selects_whatever_k(warm: Matcher) -> None:
    demand = warm.store.records.list("demands", limit=1)[0]
    for k in (6, 10, 30):
        with selects(warm) as seen:
            recs = warm.recommend(demand_id=demand.id, k=k)
        assert len(recs) == k
        # the demand itself, then the returned experts' records in one statement
        assert len(seen) == 2, seen
        assert seen[0].startswith("SELECT demands.")
        assert seen[1].startswith("SELECT experts.") and " IN " in seen[1]
        assert all(r.record is not None and r.record.id == r.id for r in recs)


def test_without_explanations_only_the_demand_is_read(warm: Matcher) -> None:
    demand = warm.store.records.list("demands", limit=1)[0]
    with selects(warm) as seen:
        recs = warm.recommend(demand_id=demand.id, k=10, explain=False)
    assert len(recs) == 10 and all(r.record is None for r in recs)
    assert len(seen) == 1 and seen[0].startswith("SELECT demands.")


def test_a_free_text_need_without_explanations_reads_no_rows(warm: Matcher) -> None:
    with selects(warm) as seen:
        recs = warm.recommend("固态电解质 界面阻抗 锂离子电池", k=10, explain=False)
    assert len(recs) == 10
    assert seen == []


def test_corpus_lookups_are_one_per_candidate_plus_one_per_result(
    warm: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    original = Corpus.get

    def counted(self: Corpus, pk: int) -> object:
        calls.append(pk)
        return original(self, pk)

    monkeypatch.setattr(Corpus, "get", counted)
    demand = warm.store.records.list("demands", limit=1)[0]
    recs = warm.recommend(demand_id=demand.id, k=6)
    candidates = min(warm.settings.rerank_depth, len(warm.collection("experts").corpus))
    assert len(recs) == 6
    assert len(calls) <= candidates + len(recs)
