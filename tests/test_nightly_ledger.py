"""The nightly ledger in the store: journal → sent in one transaction, idempotency, SMTP checks; SQLite and
PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from conftest import POSTGRES_SKIP
from sqlalchemy import inspect

from matcher.domain.records import Demand, Expert, MatchStatus
from matcher.store import Store
from matcher.store.tables import nightly_smtp_checks
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.ledger_records import SentPair, SmtpCheck

DAY = date(2026, 3, 2)
POSTGRES_URL = os.environ.get("HAIZHI_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = Store(f"sqlite:///{tmp_path / 'ledger.db'}")
        opened.create_schema()
        yield opened
        opened.close()
        return
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    import psycopg

    schema = f"nightly_{uuid.uuid4().hex[:8]}"
    plain = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    opened = Store(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}")
    opened.create_schema()
    try:
        yield opened
    finally:
        opened.close()
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


def _seed(store: Store) -> None:
    store.records.upsert("experts", [Expert(id=f"E{i}", name=f"专家{i}", country="US") for i in range(3)])
    store.records.upsert("demands", [Demand(id="D1", title="固态电池需求")])


def test_journal_then_sent_records_pairs_and_matches_once(store: Store) -> None:
    _seed(store)
    store.matches.set_status("D1", "E2", MatchStatus.RECOMMENDED)
    store.matches.set_status("D1", "E2", MatchStatus.CONTACTED, actor="staff")
    pairs = [SentPair("D1", "E0", 0.9), SentPair("D1", "E1", 0.8), SentPair("D1", "E2", 0.7)]
    NightlyLedger(store).start_run("r1", DAY, dry_run=False, base_filter=None)
    NightlyLedger(store).begin_delivery(
        DAY,
        "B1",
        run_id="r1",
        message_id="<m1@x>",
        recipients=["a@x.cn"],
        pairs=pairs,
        demands=1,
        experts=3,
        message=b"raw",
    )
    [pending] = NightlyLedger(store).pending_deliveries()
    assert pending.message == b"raw" and pending.pairs == pairs and pending.attempts == 1
    assert NightlyLedger(store).sent_pairs() == set()
    assert NightlyLedger(store).record_delivery_sent(DAY, "B1") == 3
    assert NightlyLedger(store).sent_pairs() == {("D1", "E0"), ("D1", "E1"), ("D1", "E2")}
    statuses = {m.expert_id: m.status for m in store.matches.list(demand_id="D1")}
    # an existing lifecycle state is never moved back to recommended
    assert statuses == {
        "E0": MatchStatus.RECOMMENDED,
        "E1": MatchStatus.RECOMMENDED,
        "E2": MatchStatus.CONTACTED,
    }
    assert store.matches.history("D1", "E0")[-1].actor == "nightly"
    with pytest.raises(LookupError, match="waiting to be confirmed"):
        NightlyLedger(store).record_delivery_sent(DAY, "B1")
    with pytest.raises(ValueError, match="already sent"):
        NightlyLedger(store).begin_delivery(
            DAY,
            "B1",
            run_id="r2",
            message_id="<m2@x>",
            recipients=[],
            pairs=[],
            demands=0,
            experts=0,
            message=b"",
        )
    NightlyLedger(store).finish_run("r1", "finished", {"cap_cost": 1.5})
    [run] = NightlyLedger(store).runs()
    assert run.status == "finished" and run.counts == {"cap_cost": 1.5} and run.finished_at is not None


def test_failure_keeps_pairs_unsent_and_deleted_records_get_no_match(store: Store) -> None:
    _seed(store)
    pairs = [SentPair("D1", "E0", 0.9), SentPair("D1", "E1", 0.8)]
    journal = {"run_id": "r1", "recipients": ["a@x.cn"], "pairs": pairs, "demands": 1, "experts": 2}
    NightlyLedger(store).begin_delivery(DAY, "B1", message_id="<m1@x>", message=b"raw", **journal)  # type: ignore[arg-type]
    NightlyLedger(store).record_delivery_outcome(DAY, "B1", run_id="r1", status="failed", error="550 refused")
    failed = NightlyLedger(store).delivery(DAY, "B1")
    assert failed is not None and failed.status == "failed" and failed.error == "550 refused"
    assert NightlyLedger(store).sent_pairs() == set() and store.matches.list() == []
    NightlyLedger(store).begin_delivery(DAY, "B1", message_id="<m2@x>", message=b"raw2", **journal)  # type: ignore[arg-type]
    store.records.delete("experts", ["E1"])  # removed between the journal and the confirmation
    assert NightlyLedger(store).record_delivery_sent(DAY, "B1") == 2
    assert [m.expert_id for m in store.matches.list()] == ["E0"]
    sent = NightlyLedger(store).delivery(DAY, "B1")
    assert sent is not None and sent.status == "sent" and sent.attempts == 2 and sent.message_id == "<m2@x>"
    with pytest.raises(ValueError, match="outcome must be"):
        NightlyLedger(store).record_delivery_outcome(DAY, "B2", run_id="r1", status="sent")


def test_smtp_check_per_run_and_the_latest_real_run(store: Store) -> None:
    at = datetime(2026, 3, 2, 22, 30, 1, 123456)
    failed = SmtpCheck("failed", "smtp.example.org:587", "starttls", "connect", "connection refused", at)
    NightlyLedger(store).start_run("r1", DAY, dry_run=False, base_filter=None)
    NightlyLedger(store).record_smtp_check("r1", failed)
    NightlyLedger(store).finish_run("r1", "failed", {}, error=failed.line())
    NightlyLedger(store).start_run("r2", DAY, dry_run=True, base_filter=None)  # later, but a dry run
    assert NightlyLedger(store).smtp_check("r1") == failed and NightlyLedger(store).smtp_check("r2") is None
    assert failed.line() == "SMTP check failed: smtp.example.org:587: connection refused"
    last = NightlyLedger(store).last_run()
    assert last is not None and last.run_id == "r1" and last.error == failed.line()
    last_dry = NightlyLedger(store).last_run(dry_run=True)
    assert last_dry is not None and last_dry.run_id == "r2"
    with pytest.raises(ValueError, match="status must be one of"):
        NightlyLedger(store).record_smtp_check("r2", SmtpCheck("maybe", "h:25", "none", "", "", at))
    assert NightlyLedger(store).smtp_check("r2") is None


def test_database_from_before_smtp_checks_gets_the_table(store: Store) -> None:
    NightlyLedger(store).start_run("old", DAY, dry_run=False, base_filter=None)
    with store.transaction() as conn:  # as written before the check existed
        nightly_smtp_checks.drop(conn)
    assert not inspect(store.engine).has_table("nightly_smtp_checks")
    store.create_schema()  # what every Matcher does on opening the database
    ok = SmtpCheck("ok", "127.0.0.1:25", "none", "", "", datetime(2026, 3, 2, 22, 30), authenticated=True)
    NightlyLedger(store).record_smtp_check("new", ok)
    assert NightlyLedger(store).smtp_check("new") == ok and NightlyLedger(store).smtp_check("old") is None
    assert [r.run_id for r in NightlyLedger(store).runs()] == ["old"]
