"""Docking events on the demo data: real matcher scores, planning, cancellation, ics/xlsx, mail, CLI."""

from __future__ import annotations

import email
import shutil
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from openpyxl import load_workbook
from typer.testing import CliRunner

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.docking import PlanningError, Slot
from matcher.docking.exports import agenda_sheets, participant_ics
from matcher.docking.mail import mail_schedules
from matcher.docking.records import EventError, EventInfo, PairRule, Participant
from matcher.docking.scoring import ranked_participants
from matcher.docking.service import EventService
from matcher.domain.records import Demand
from matcher.retrieval.corpus import Filters
from matcher.service import Matcher
from pipelines.cli.main import app
from pipelines.nightly.notify import SmtpMailer
from pipelines.reports.xlsx import write_workbook

EXPERTS = [f"EX{i:04d}" for i in range(1, 31)]
T0 = datetime(2026, 6, 1, 9, 0)


@pytest.fixture(scope="module")
def data_dir(demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("events") / "data"
    shutil.copytree(demo_data_dir, target)
    return target


@pytest.fixture(scope="module")
def matcher(data_dir: Path, use_encoder: Encoder) -> Matcher:
    return Matcher(Settings(data_dir=data_dir), encoder=use_encoder)


def open_demands(matcher: Matcher, n: int) -> list[Demand]:
    found = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand) and d.status == "open"]
    return found[:n]


def make_event(
    matcher: Matcher, event_id: str, *, slots: int = 6, tables: int = 3, rooms: int = 1
) -> EventService:
    service = EventService(matcher.store, matcher)
    event_slots = [
        Slot(f"S{i}", T0 + timedelta(minutes=30 * i), T0 + timedelta(minutes=30 * i + 25), tables, rooms)
        for i in range(slots)
    ]
    service.create(
        EventInfo(event_id, f"测试洽谈会 {event_id}", expert_limit=3, enterprise_limit=4, top_n=5),
        event_slots,
    )
    demands = open_demands(matcher, 12)
    people = [
        Participant("expert", e, remote=i % 6 == 0, email=f"{e.lower()}@example.org")
        for i, e in enumerate(EXPERTS)
    ]
    people += [
        Participant(
            "enterprise",
            f"ENT{i}",
            email=f"ent{i}@example.cn",
            demands=(demands[2 * i].id, demands[2 * i + 1].id),
        )
        for i in range(6)
    ]
    service.add_participants(event_id, people)
    return service


def check_plan_rules(service: EventService, event_id: str) -> None:
    agenda = service.agenda(event_id)
    meetings = agenda.meetings
    assert max(Counter((m.expert_id, m.slot_id) for m in meetings).values()) == 1
    assert max(Counter((m.enterprise_id, m.slot_id) for m in meetings).values()) == 1
    assert max(Counter(m.expert_id for m in meetings).values()) <= 3
    assert max(Counter(m.enterprise_id for m in meetings).values()) <= 4
    for (slot_id, venue), n in Counter((m.slot_id, m.venue) for m in meetings).items():
        assert n <= agenda.slot(slot_id).capacity(venue)
    active = {pid for (kind, pid), p in agenda.participants.items() if not p.cancelled}
    assert all(m.expert_id in active and m.enterprise_id in active for m in meetings)


def test_scores_are_the_matchers_ranking_among_participants(matcher: Matcher) -> None:
    demand = open_demands(matcher, 1)[0]
    ranked = ranked_participants(matcher, [demand], set(EXPERTS), 5)[demand.id]
    assert len(ranked) == 5 and all(e in EXPERTS for e, _ in ranked)
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)
    # the same as the matcher's own filtered ranking: every non-participant excluded
    others = [e.id for e in matcher.store.records.list("experts") if e.id not in EXPERTS]
    same = matcher.recommend(demand_id=demand.id, k=5, explain=False, filters=Filters(exclude_ids=others))
    assert ranked == [(r.id, r.score) for r in same]


def test_plan_honours_rules_and_cancellation_keeps_unaffected_meetings(matcher: Matcher) -> None:
    service = make_event(matcher, "EV-PLAN")
    problem = service.problem("EV-PLAN")
    forbidden = problem.candidates[0]
    required = max(problem.candidates[1:], key=lambda c: -c.score)  # the weakest candidate
    service.set_pair_rules(
        "EV-PLAN",
        [
            PairRule(forbidden.expert_id, forbidden.demand_id, "forbid"),
            PairRule(required.expert_id, required.demand_id, "require"),
        ],
    )
    plan = service.plan("EV-PLAN")
    assert plan.status == "optimal" and plan.gap < 1e-6 and plan.meetings
    pairs = {m.pair for m in service.meetings("EV-PLAN")}
    assert (forbidden.expert_id, forbidden.demand_id) not in pairs
    assert (required.expert_id, required.demand_id) in pairs
    check_plan_rules(service, "EV-PLAN")

    before = service.meetings("EV-PLAN")
    gone = Counter(m.expert_id for m in before).most_common(1)[0][0]
    replanned = service.cancel_participant("EV-PLAN", "expert", gone)
    after = service.meetings("EV-PLAN")
    places = {(m.pair, m.slot_id, m.venue, m.number) for m in after}
    assert {(m.pair, m.slot_id, m.venue, m.number) for m in before if m.expert_id != gone} <= places
    assert all(m.expert_id != gone for m in after)
    check_plan_rules(service, "EV-PLAN")
    # freed capacity is filled optimally: the same problem with those meetings fixed, solved afresh
    kept = [m for m in before if m.expert_id != gone]
    assert replanned.objective == pytest.approx(
        service.planner.plan(service.problem("EV-PLAN", kept)).objective
    )
    assert replanned.objective >= sum(m.weight for m in kept) - 1e-9

    one = after[0]
    service.cancel_meeting("EV-PLAN", one.expert_id, one.demand_id)
    final = service.meetings("EV-PLAN")
    assert one.pair not in {m.pair for m in final}
    assert {(m.pair, m.slot_id, m.number) for m in after if m.pair != one.pair} <= {
        (m.pair, m.slot_id, m.number) for m in final
    }


def test_required_pair_that_cannot_meet_is_refused(matcher: Matcher) -> None:
    service = make_event(matcher, "EV-REQ", slots=1)
    demands = open_demands(matcher, 2)
    service.add_participants("EV-REQ", [Participant("expert", EXPERTS[0], slots=())])
    service.set_pair_rules("EV-REQ", [PairRule(EXPERTS[0], demands[0].id, "require")])
    with pytest.raises(PlanningError, match=EXPERTS[0]):
        service.plan("EV-REQ")


def test_bad_participants_are_refused_with_reasons(matcher: Matcher) -> None:
    service = make_event(matcher, "EV-BAD", slots=2)
    with pytest.raises(EventError, match="no such expert"):
        service.add_participants("EV-BAD", [Participant("expert", "EX9999")])
    with pytest.raises(EventError, match="unknown slot 'S7'"):
        service.add_participants("EV-BAD", [Participant("expert", EXPERTS[0], slots=("S7",))])
    with pytest.raises(EventError, match="already brought by ENT0"):
        demand = service.participants("EV-BAD")[-6].demands[0]
        service.add_participants("EV-BAD", [Participant("enterprise", "OTHER", demands=(demand,))])
    with pytest.raises(EventError, match="already exists"):
        service.create(EventInfo("EV-BAD", "again"), [])


def parse_ics(text: str) -> list[dict[str, str]]:
    """A strict little RFC 5545 reader: CRLF only, ≤ 75 octets per line, balanced components."""
    assert "\n" not in text.replace("\r\n", "")
    raw = text.split("\r\n")
    assert raw[-1] == ""
    assert all(len(line.encode()) <= 75 for line in raw)
    lines: list[str] = []
    for line in raw[:-1]:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    events: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for line in lines[1:-1]:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            assert current is not None
            events.append(current)
            current = None
        elif current is not None:
            current[name] = (
                value.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
            )
    return events


def test_ics_and_xlsx_exports(matcher: Matcher, tmp_path: Path) -> None:
    service = make_event(matcher, "EV-EXP")
    service.store.events.update_event("EV-EXP", {"location": "福州, 海峡会展中心; 2 号馆"})
    service.plan("EV-EXP")
    agenda = service.agenda("EV-EXP")
    enterprise = agenda.meetings[0].enterprise_id
    events = parse_ics(participant_ics(agenda, "enterprise", enterprise, stamp=datetime(2026, 5, 1, 8, 0)))
    mine = agenda.meetings_of("enterprise", enterprise)
    assert len(events) == len(mine)
    for parsed, meeting in zip(events, mine, strict=True):
        slot = agenda.slot(meeting.slot_id)
        assert parsed["DTSTART"] == (slot.starts_at - timedelta(hours=8)).strftime("%Y%m%dT%H%M%SZ")
        assert parsed["DTSTAMP"] == "20260501T080000Z"
        assert parsed["UID"] == f"EV-EXP.{meeting.expert_id}.{meeting.demand_id}@haizhi-match"
        assert parsed["LOCATION"].startswith("福州, 海峡会展中心; 2 号馆 ")
        assert meeting.demand_id in parsed["DESCRIPTION"] and "\n" in parsed["DESCRIPTION"]
    path = write_workbook(tmp_path / "agenda.xlsx", agenda_sheets(agenda))
    workbook = load_workbook(path, read_only=True)
    rows = list(workbook["日程 Agenda"].iter_rows(values_only=True))
    assert len(rows) == len(agenda.meetings) + 1
    assert rows[1][5] == agenda.meetings[0].expert_id and rows[1][8] == agenda.meetings[0].demand_id
    grid = list(workbook["网格 Grid"].iter_rows(values_only=True))
    assert len(grid) == len(agenda.slots) + 1


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, _class=EmailMessage, policy=policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_mail_each_schedule_once_and_again_only_when_it_changes(
    matcher: Matcher, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    service = make_event(matcher, "EV-MAIL")
    service.plan("EV-MAIL")
    send = SmtpMailer("127.0.0.1", port).send
    sender = "海智匹配 <noreply@haizhi.example.cn>"
    report = mail_schedules(service.store, service.agenda("EV-MAIL"), send, sender)
    assert len(report.sent) == 36 and not report.failed and len(inbox.messages) == 36
    message = next(m for m in inbox.messages if m["X-Haizhi-Participant"] == "enterprise:ENT0")
    attachments = list(message.iter_attachments())
    assert attachments[0].get_content_type() == "text/calendar"
    events = parse_ics(attachments[0].get_content())
    assert len(events) == len(service.agenda("EV-MAIL").meetings_of("enterprise", "ENT0"))
    body = message.get_body(preferencelist=("plain",))
    assert body is not None and "洽谈日程" in body.get_content()

    again = mail_schedules(service.store, service.agenda("EV-MAIL"), send, sender)
    assert again.sent == [] and len(again.unchanged) == 36 and len(inbox.messages) == 36

    gone = service.meetings("EV-MAIL")[0]
    service.cancel_meeting("EV-MAIL", gone.expert_id, gone.demand_id)
    third = mail_schedules(service.store, service.agenda("EV-MAIL"), send, sender)
    assert f"expert:{gone.expert_id}" in third.sent and f"enterprise:{gone.enterprise_id}" in third.sent
    assert 2 <= len(third.sent) < 36


def test_cli_event_commands(data_dir: Path, tmp_path: Path, matcher: Matcher) -> None:
    runner = CliRunner()
    demands = open_demands(matcher, 4)
    people = tmp_path / "people.csv"
    people.write_text(
        "type,id,mode,limit,demands\n"
        + "".join(f"expert,{e},{'remote' if i == 0 else 'onsite'},2,\n" for i, e in enumerate(EXPERTS[:8]))
        + f"企业,ENTA,,,{demands[0].id};{demands[1].id}\nenterprise,ENTB,,,{demands[2].id}\n",
        encoding="utf-8-sig",
    )
    d = ["--data-dir", str(data_dir)]
    result = runner.invoke(
        app,
        [
            "event",
            "create",
            "EV-CLI",
            "--name",
            "CLI 洽谈",
            "--days",
            "2026-06-01",
            "--times",
            "09:00-10:30",
            "--tables",
            "2",
            "--rooms",
            "1",
            *d,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "3 slots" in result.output
    assert runner.invoke(app, ["event", "add-participants", "EV-CLI", str(people), *d]).exit_code == 0
    planned = runner.invoke(app, ["event", "plan", "EV-CLI", *d])
    assert planned.exit_code == 0 and "optimal" in planned.output, planned.output
    shown = runner.invoke(app, ["event", "show", "EV-CLI", "--participant", "enterprise:ENTA", *d])
    assert shown.exit_code == 0 and "ENTA" in shown.output
    out = tmp_path / "export"
    assert runner.invoke(app, ["event", "export", "EV-CLI", "--out", str(out), *d]).exit_code == 0
    assert (out / "EV-CLI-agenda.xlsx").exists() and (out / "ics" / "enterprise-ENTA.ics").exists()
    cancelled = runner.invoke(app, ["event", "cancel", "EV-CLI", "--enterprise", "ENTB", *d])
    assert cancelled.exit_code == 0, cancelled.output

    bad = tmp_path / "bad.csv"
    bad.write_text("type,id,limit\nexpert,EX0001,many\n", encoding="utf-8")
    refused = runner.invoke(app, ["event", "add-participants", "EV-CLI", str(bad), *d])
    assert refused.exit_code == 1 and f"{bad}:2:limit: 'many' is not a whole number" in refused.output
    bad.write_text("type,id,demands\nenterprise,ENTC,D9999\n", encoding="utf-8")
    refused = runner.invoke(app, ["event", "add-participants", "EV-CLI", str(bad), *d])
    assert (
        refused.exit_code == 1
        and f"{bad}:2: enterprise ENTC: demands: no such demand 'D9999'" in refused.output
    )
    bad.write_text("kind,id\nexpert,EX0001\n", encoding="utf-8")
    refused = runner.invoke(app, ["event", "add-participants", "EV-CLI", str(bad), *d])
    assert refused.exit_code == 1 and "missing column 'type'" in refused.output
    assert runner.invoke(app, ["event", "plan", "NOPE", *d]).exit_code == 1


def test_create_schema_adds_event_tables_to_an_existing_database(tmp_path: Path) -> None:
    from matcher.store import Store

    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    store.create_schema()
    with store.engine.begin() as conn:
        for table in (
            "event_mailings",
            "event_meetings",
            "event_pair_rules",
            "event_participants",
            "event_slots",
            "events",
        ):
            conn.exec_driver_sql(f"DROP TABLE {table}")
    store.create_schema()
    EventService(store).create(EventInfo("EV1", "x"), [Slot("S1", T0, T0 + timedelta(minutes=30), 1)])
    assert [e.id for e in EventService(store).events()] == ["EV1"]
    assert date(2026, 6, 1) == EventService(store).slots("EV1")[0].starts_at.date()
