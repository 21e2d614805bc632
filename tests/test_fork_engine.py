"""The fork engine: batch matching in forked workers gives the in-process lists, mails and ledger."""

from __future__ import annotations

import multiprocessing
import os
import shutil
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pytest
from conftest import assert_engine_gives_local_lists
from test_nightly import RUN_DATE, RecordingHandler, make_matcher, smtp

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.service import Matcher
from matcher.store import Store
from pipelines.distributed import ForkEngine, create_engine
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.plan import route_demands
from pipelines.nightly.run import run_nightly

__all__ = ["smtp"]  # fixture shared with tests/test_nightly.py


def _worker_pid(batch: list[int]) -> list[int]:
    return [os.getpid() for _ in batch]


def _die(batch: list[int]) -> list[int]:
    os._exit(3)  # as the OOM killer would end a worker


def test_map_batches_keeps_input_order_and_runs_in_other_processes() -> None:
    engine = ForkEngine(workers=2)
    items = [3, 1, 2, 9, 8, 7, 5]
    assert engine.map_batches(sorted, items, batch_size=3) == [1, 2, 3, 7, 8, 9, 5]
    assert os.getpid() not in engine.map_batches(_worker_pid, list(range(8)), batch_size=2)
    assert engine.map_batches(sorted, [], batch_size=3) == []
    with pytest.raises(BrokenProcessPool):  # a killed worker fails the call, it does not hang
        engine.map_batches(_die, [1, 2, 3], batch_size=1)
    assert create_engine("fork").name == "fork"
    with pytest.raises(ValueError, match="workers"):
        ForkEngine(workers=0)
    with pytest.raises(ValueError, match="ray-address"):
        create_engine("fork", address="127.0.0.1:6379")


def test_batch_matching_in_forked_workers_gives_the_local_lists(demo_matcher: Matcher) -> None:
    demands = route_demands(demo_matcher, RUN_DATE).demands
    assert len(demands) > 20  # several shards per worker
    before = [r.id for r in demo_matcher.recommend_many(demands[:1], k=5)[0]]
    assert_engine_gives_local_lists(ForkEngine(workers=2), demo_matcher, demands, atol=1e-6)
    # the parent still serves after its workers are gone
    assert [r.id for r in demo_matcher.recommend_many(demands[:1], k=5)[0]] == before


def _connection_id(store: Store) -> int:
    with store.engine.connect() as connection:
        return id(connection.connection.dbapi_connection)


Answers = multiprocessing.Queue  # (own connection?, demands read) from the child


def _read_in_child(store: Store, parent_connection: int, out: Answers[tuple[bool, int]]) -> None:
    inherited = store.engine.pool  # kept alive, so a new connection cannot reuse the old one's address
    store.after_fork()
    out.put((_connection_id(store) != parent_connection, store.records.count("demands")))
    del inherited


def test_a_forked_child_reads_through_its_own_connections(demo_data_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "data"
    shutil.copytree(demo_data_dir, target)
    store = Store(Settings(data_dir=target).resolved_database_url)
    expected = store.records.count("demands")
    parent_connection = _connection_id(store)  # pooled: the child inherits it
    context = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[tuple[bool, int]] = context.Queue()
    child = context.Process(target=_read_in_child, args=(store, parent_connection, out))
    child.start()
    assert out.get(timeout=60) == (True, expected)
    child.join(60)
    assert child.exitcode == 0
    assert _connection_id(store) == parent_connection  # the parent's pool was left alone
    assert store.records.count("demands") == expected
    store.close()


def test_nightly_on_fork_sends_the_local_mails_once(
    smtp: tuple[RecordingHandler, int], demo_data_dir: Path, tmp_path: Path, use_encoder: Encoder
) -> None:
    handler, port = smtp
    sent: dict[str, set[tuple[str, str, float]]] = {}
    mails: dict[str, list[str]] = {}
    for name, engine in (("local", None), ("fork", ForkEngine(workers=2))):
        first = len(handler.messages)
        data_dir = tmp_path / name
        shutil.copytree(demo_data_dir, data_dir)
        matcher = make_matcher(data_dir, port, use_encoder)
        report = run_nightly(matcher, run_date=RUN_DATE, engine=engine)
        assert report.status == "finished", report.failure
        assert report.counts["match_engine"] == name
        again = run_nightly(matcher, run_date=RUN_DATE, engine=engine)  # same day: nothing twice
        assert len(again.counts["skipped_bases"]) == sum(b.status == "sent" for b in report.bases)
        mails[name] = sorted(m.base for m in handler.messages[first:])
        ledger = NightlyLedger(matcher.store)
        sent[name] = {
            (p.demand_id, p.expert_id, round(p.score, 4))
            for d in ledger.deliveries(run_date=RUN_DATE, statuses=["sent"])
            for p in d.pairs
        }
    assert len(mails["fork"]) >= 5 and len(set(mails["fork"])) == len(mails["fork"])
    assert mails["fork"] == mails["local"]
    assert sent["fork"] == sent["local"]
