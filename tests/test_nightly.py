"""Nightly batch against a real SMTP server (aiosmtpd on 127.0.0.1): content, ledger, re-runs, crashes."""

from __future__ import annotations

import email
import io
import os
import shutil
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook

from embeddings.encoders.base import Encoder
from matcher.domain.records import MatchStatus, Site
from matcher.service import Matcher
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.run import FAIL_ENV, FAIL_EXIT_CODE, run_nightly
from pipelines.nightly.settings import NightlySettings

RUN_DATE = date(2026, 3, 2)
# small lists keep the suite fast; the limits still bind on the demo data
NIGHTLY = {"nightly_k": 4, "nightly_depth": 10, "nightly_cap": 3, "nightly_org_limit": 2}


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.data, _class=EmailMessage, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def base(self) -> str:
        return str(self.message["X-Haizhi-Base"])


@dataclass
class RecordingHandler:
    """Stores every accepted message; refuses recipients of ``refuse_domains`` with a 550."""

    messages: list[Received] = field(default_factory=list)
    refuse_domains: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.rpartition("@")[2] in self.refuse_domains:
            return "550 5.7.1 recipient rejected by test policy"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def per_base(self) -> Counter[str]:
        return Counter(m.base for m in self.messages)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[RecordingHandler, int]]:
    handler = RecordingHandler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(demo_data_dir, target)
    return target


def make_matcher(data_dir: Path, port: int, encoder: Encoder) -> Matcher:
    settings = NightlySettings(data_dir=data_dir, smtp_host="127.0.0.1", smtp_port=port, **NIGHTLY)  # type: ignore[arg-type]
    return Matcher(settings, encoder=encoder)


def bases_with_contacts(matcher: Matcher) -> dict[str, Site]:
    sites = [s for s in matcher.store.records.list("sites") if isinstance(s, Site)]
    return {s.id: s for s in sites if s.kind.value in ("base", "offshore_base") and s.active}


def xlsx_rows(message: EmailMessage) -> list[tuple[Any, ...]]:
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    payload = attachments[0].get_content()
    sheet = load_workbook(io.BytesIO(payload), read_only=True).active
    assert sheet is not None
    return list(sheet.iter_rows(values_only=True))


def test_each_base_gets_one_decodable_mail_and_reruns_send_nothing(
    smtp: tuple[RecordingHandler, int], data_dir: Path, use_encoder: Encoder
) -> None:
    handler, port = smtp
    matcher = make_matcher(data_dir, port, use_encoder)
    report = run_nightly(matcher, run_date=RUN_DATE)
    assert report.status == "finished"
    sent = {b.base_id for b in report.bases if b.status == "sent"}
    assert len(sent) >= 5 and handler.per_base() == Counter({b: 1 for b in sent})
    bases = bases_with_contacts(matcher)
    per_expert: Counter[str] = Counter()
    for received in handler.messages:
        message, base = received.message, bases[received.base]
        assert received.rcpt_tos == base.contact_emails
        assert [a.addr_spec for a in message["To"].addresses] == base.contact_emails
        raw_subject = (b"\r\n" + received.data).split(b"\r\nSubject: ", 1)[1].split(b"\r\n")[0]
        assert raw_subject.startswith(b"=?utf-8?"), "non-ASCII subject is RFC 2047 encoded"
        assert str(message["Subject"]).startswith(f"【海智匹配】{base.name} {RUN_DATE}")
        assert ("Haizhi Match new matches" in str(message["Subject"])) is (base.contact_language == "en")
        assert message.get_content_type() == "multipart/mixed"
        text = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert text is not None and html is not None
        text_content, html_content = text.get_content(), html.get_content()
        assert base.name in text_content and "<table" in html_content
        delivery = NightlyLedger(matcher.store).delivery(RUN_DATE, base.id)
        assert delivery is not None and delivery.status == "sent"
        assert delivery.message_id == message["Message-ID"]
        pairs = {(p.demand_id, p.expert_id) for p in delivery.pairs}
        rows = xlsx_rows(message)
        assert rows[0][1] == "需求编号 Demand ID" and len(rows) - 1 == len(pairs)
        assert {(r[1], r[5]) for r in rows[1:]} == pairs
        assert html_content.count("<table") == len({d for d, _ in pairs}) == delivery.demands
        assert ("Why matched" in html_content) is (base.contact_language == "en")
        per_expert.update(e for _, e in pairs)
        for demand_id, expert_id in pairs:
            match = matcher.store.matches.get(demand_id, expert_id)
            assert match is not None and match.status is MatchStatus.RECOMMENDED
    assert max(per_expert.values()) <= NIGHTLY["nightly_cap"]
    assert report.counts["cap_cost"] >= 0 and report.counts["assign_method"] in ("lp", "milp")
    assert report.counts["new_pairs"] == sum(per_expert.values())

    again = run_nightly(matcher, run_date=RUN_DATE)  # same day: every base already sent
    assert sorted(again.counts["skipped_bases"]) == sorted(sent) and len(handler.messages) == len(sent)
    tomorrow = run_nightly(matcher, run_date=RUN_DATE + timedelta(days=1))  # nothing changed
    assert {b.status for b in tomorrow.bases} == {"nothing_new"}
    assert len(handler.messages) == len(sent)
    runs = NightlyLedger(matcher.store).runs()
    assert [r.status for r in runs] == ["finished"] * 3


def test_refused_base_fails_alone_and_is_retried(
    smtp: tuple[RecordingHandler, int], data_dir: Path, use_encoder: Encoder
) -> None:
    handler, port = smtp
    handler.refuse_domains = {"cq-kx.example.cn"}  # every contact of 重庆海智基地 B-CQ
    matcher = make_matcher(data_dir, port, use_encoder)
    report = run_nightly(matcher, run_date=RUN_DATE)
    outcome = {b.base_id: b for b in report.bases}
    assert outcome["B-CQ"].status == "failed" and "550" in outcome["B-CQ"].error
    assert report.status == "partial" and NightlyLedger(matcher.store).runs()[0].status == "partial"
    others = {b for b, o in outcome.items() if o.status == "sent"}
    assert others and "B-CQ" not in handler.per_base()
    failed = NightlyLedger(matcher.store).delivery(RUN_DATE, "B-CQ")
    assert failed is not None and failed.status == "failed" and "550" in failed.error
    cq_demands = [p.demand_id for p in failed.pairs]
    assert cq_demands and not any(matcher.store.matches.list(demand_id=d) for d in cq_demands)

    handler.refuse_domains = set()
    retry = run_nightly(matcher, run_date=RUN_DATE)
    assert [b.base_id for b in retry.bases if b.status == "sent"] == ["B-CQ"]
    assert handler.per_base() == Counter({b: 1 for b in others | {"B-CQ"}})
    retried = NightlyLedger(matcher.store).delivery(RUN_DATE, "B-CQ")
    assert retried is not None and retried.status == "sent" and retried.attempts == 2


def _nightly_subprocess(data_dir: Path, port: int, fail_at: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        FAIL_ENV: fail_at,
        "HAIZHI_SMTP_HOST": "127.0.0.1",
        "HAIZHI_SMTP_PORT": str(port),
        **{f"HAIZHI_{k.upper()}": str(v) for k, v in NIGHTLY.items()},
    }
    command = [sys.executable, "-m", "pipelines.cli.main", "nightly", "--date", RUN_DATE.isoformat()]
    return subprocess.run(
        [*command, "--data-dir", str(data_dir)], env=env, capture_output=True, text=True, timeout=300
    )


def test_run_killed_after_first_base_then_rerun_sends_each_base_once(
    smtp: tuple[RecordingHandler, int], data_dir: Path, use_encoder: Encoder
) -> None:
    handler, port = smtp
    crashed = _nightly_subprocess(data_dir, port, "after_commit:1")
    assert crashed.returncode == FAIL_EXIT_CODE, crashed.stderr
    assert len(handler.messages) == 1
    first = handler.messages[0].base
    matcher = make_matcher(data_dir, port, use_encoder)
    assert [
        d.base_id for d in NightlyLedger(matcher.store).deliveries(run_date=RUN_DATE, statuses=["sent"])
    ] == [first]
    assert NightlyLedger(matcher.store).runs()[0].status == "running"  # died without finishing

    report = run_nightly(matcher, run_date=RUN_DATE)
    assert report.counts["skipped_bases"] == [first]
    counts = handler.per_base()
    assert set(counts.values()) == {1} and len(counts) == 1 + sum(b.status == "sent" for b in report.bases)
    runs = NightlyLedger(matcher.store).runs()
    assert runs[0].status == "finished" and runs[1].status == "failed" and "interrupted" in runs[1].error


def test_crash_between_smtp_acceptance_and_commit_is_reconciled(
    smtp: tuple[RecordingHandler, int], data_dir: Path, use_encoder: Encoder
) -> None:
    handler, port = smtp
    crashed = _nightly_subprocess(data_dir, port, "after_smtp:1")
    assert crashed.returncode == FAIL_EXIT_CODE, crashed.stderr
    assert len(handler.messages) == 1
    first = handler.messages[0]
    matcher = make_matcher(data_dir, port, use_encoder)
    pending = NightlyLedger(matcher.store).pending_deliveries()
    assert [p.base_id for p in pending] == [first.base] and pending[0].message == first.data
    assert not any(matcher.store.matches.list(demand_id=p.demand_id) for p in pending[0].pairs)

    report = run_nightly(matcher, run_date=RUN_DATE)  # default policy: re-send the journaled bytes
    assert report.bases[0].status == "reconciled" and report.bases[0].base_id == first.base
    copies = [m for m in handler.messages if m.base == first.base]
    assert len(copies) == 2 and copies[0].data == copies[1].data, "same bytes, same Message-ID"
    message_ids = Counter(m.message["Message-ID"] for m in handler.messages)
    assert len(message_ids) == len(handler.per_base()), "one Message-ID per base"
    assert set(Counter(m.base for m in handler.messages[1:]).values()) == {1}
    delivery = NightlyLedger(matcher.store).delivery(RUN_DATE, first.base)
    assert delivery is not None and delivery.status == "sent" and delivery.reconciled
    recorded = [m for p in delivery.pairs for m in matcher.store.matches.list(demand_id=p.demand_id)]
    assert {(m.demand_id, m.expert_id) for m in recorded} >= {
        (p.demand_id, p.expert_id) for p in delivery.pairs
    }


def test_mark_sent_policy_records_without_resending(
    smtp: tuple[RecordingHandler, int], data_dir: Path, use_encoder: Encoder
) -> None:
    handler, port = smtp
    crashed = _nightly_subprocess(data_dir, port, "before_smtp:1")  # journaled, never sent
    assert crashed.returncode == FAIL_EXIT_CODE and not handler.messages
    matcher = make_matcher(data_dir, port, use_encoder)
    [pending] = NightlyLedger(matcher.store).pending_deliveries()
    report = run_nightly(matcher, run_date=RUN_DATE, reconcile="mark-sent")
    assert report.bases[0].status == "reconciled"
    assert pending.base_id not in handler.per_base() and set(handler.per_base().values()) == {1}
    delivery = NightlyLedger(matcher.store).delivery(RUN_DATE, pending.base_id)
    assert delivery is not None and delivery.status == "sent" and delivery.reconciled
