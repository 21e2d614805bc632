"""``haizhi event …``: docking events (洽谈活动) — create, participants, plan, cancel, show, export, mail."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated

import typer

from matcher.docking import Plan, PlanningError, Slot
from matcher.docking.exports import agenda_sheets, participant_ics, place
from matcher.docking.files import read_pair_rules, read_participants
from matcher.docking.records import EventError, EventInfo
from matcher.docking.service import EventService
from matcher.service import Matcher
from matcher.store import Store, utc_now
from pipelines.cli.ops import DataDir, fail, settings_for

event_app = typer.Typer(
    help="Docking events 洽谈活动: slots, participants, the meeting plan.", no_args_is_help=True
)
EventId = Annotated[str, typer.Argument(help="Event id.")]


def _service(data_dir: Path | None, *, matcher: bool = False) -> EventService:
    settings = settings_for(data_dir)
    if matcher:
        found = Matcher(settings)
        return EventService(found.store, found)
    store = Store(settings.resolved_database_url)
    store.create_schema()
    return EventService(store)


def make_slots(
    days: list[date], times: list[tuple[time, time]], minutes: int, gap: int, tables: int, rooms: int
) -> list[Slot]:
    """Slots of ``minutes`` (with ``gap`` minutes between) in each time window of each day."""
    found = []
    for day in days:
        for start, end in times:
            moment, stop = datetime.combine(day, start), datetime.combine(day, end)
            while moment + timedelta(minutes=minutes) <= stop:
                slot_id = f"{moment:%m%d-%H%M}"
                found.append(Slot(slot_id, moment, moment + timedelta(minutes=minutes), tables, rooms))
                moment += timedelta(minutes=minutes + gap)
    return found


def _parse_windows(text: str) -> list[tuple[time, time]]:
    windows = []
    for part in text.split(","):
        start, _, end = part.strip().partition("-")
        try:
            windows.append((time.fromisoformat(start), time.fromisoformat(end)))
        except ValueError:
            raise typer.BadParameter(f"{part!r} is not HH:MM-HH:MM", param_hint="--times") from None
    return windows


def _parse_days(text: str) -> list[date]:
    try:
        return [date.fromisoformat(d.strip()) for d in text.split(",") if d.strip()]
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--days") from None


def _echo_plan(plan: Plan) -> None:
    typer.echo(
        f"{len(plan.meetings)} meetings, objective {plan.objective:.4f}, bound {plan.bound:.4f}, "
        f"gap {plan.gap:.2e}, {plan.status}, {plan.variables} variables, {plan.seconds:.2f} s"
    )


@event_app.command("create")
def create(
    event_id: EventId,
    name: Annotated[str, typer.Option(help="Event name.")],
    days: Annotated[str, typer.Option(help="Comma-separated dates YYYY-MM-DD.")],
    times: Annotated[
        str, typer.Option(help="Meeting windows per day, HH:MM-HH:MM,…")
    ] = "09:00-12:00,14:00-17:00",
    slot_minutes: Annotated[int, typer.Option(min=5)] = 30,
    gap_minutes: Annotated[int, typer.Option(min=0, help="Minutes between slots.")] = 0,
    tables: Annotated[int, typer.Option(min=0, help="On-site tables per slot.")] = 10,
    rooms: Annotated[int, typer.Option(min=0, help="Online rooms per slot.")] = 2,
    expert_limit: Annotated[int | None, typer.Option(min=0, help="Default meetings per expert.")] = None,
    enterprise_limit: Annotated[
        int | None, typer.Option(min=0, help="Default meetings per enterprise.")
    ] = None,
    top_n: Annotated[int, typer.Option(min=1, help="Candidate experts per demand.")] = 10,
    location: Annotated[str, typer.Option(help="Venue.")] = "",
    data_dir: DataDir = None,
) -> None:
    """Create an event with generated slots (local time, Asia/Shanghai)."""
    slots = make_slots(_parse_days(days), _parse_windows(times), slot_minutes, gap_minutes, tables, rooms)
    if not slots:
        raise fail("no slot fits: check --days, --times and --slot-minutes")
    info = EventInfo(event_id, name, expert_limit, enterprise_limit, top_n, location)
    try:
        _service(data_dir).create(info, slots)
    except EventError as error:
        raise fail(str(error)) from None
    typer.echo(f"event {event_id}: {len(slots)} slots, {tables} tables and {rooms} rooms each")


@event_app.command("add-participants")
def add_participants(
    event_id: EventId,
    file: Annotated[
        Path | None,
        typer.Argument(help="Participants CSV (type,id,name,email,mode,limit,priority,slots,demands)."),
    ] = None,
    pairs: Annotated[
        Path | None, typer.Option(help="Pair rules CSV (expert_id,demand_id,rule,bonus).")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Add or update participants and requested / forbidden pairs (all-or-nothing per file)."""
    service = _service(data_dir)
    try:
        with service.store.transaction():
            if file is not None:
                people = read_participants(file)
                for row, person in enumerate(people, start=2):  # row 1 is the header
                    try:
                        service.add_participants(event_id, [person])
                    except EventError as error:
                        raise EventError(f"{file}:{row}: {error}") from None
                typer.echo(f"{file}: {len(people)} participants")
            if pairs is not None:
                typer.echo(f"{pairs}: {service.set_pair_rules(event_id, read_pair_rules(pairs))} pair rules")
    except EventError as error:
        raise fail(str(error)) from None


@event_app.command("plan")
def plan(
    event_id: EventId,
    time_limit: Annotated[float, typer.Option(min=1, help="Solver seconds.")] = 600,
    data_dir: DataDir = None,
) -> None:
    """Plan every meeting anew (optimal: HiGHS MILP over the candidate pairs)."""
    service = _service(data_dir, matcher=True)
    service.planner.time_limit = time_limit  # type: ignore[attr-defined]
    try:
        _echo_plan(service.plan(event_id))
    except (EventError, PlanningError) as error:
        raise fail(str(error)) from None


@event_app.command("cancel")
def cancel(
    event_id: EventId,
    expert: Annotated[str | None, typer.Option(help="Cancel this expert.")] = None,
    enterprise: Annotated[str | None, typer.Option(help="Cancel this enterprise.")] = None,
    meeting: Annotated[str | None, typer.Option(help="Cancel one meeting: EXPERT_ID:DEMAND_ID.")] = None,
    data_dir: DataDir = None,
) -> None:
    """Cancel a participant or a meeting; other meetings stay put and freed places are refilled."""
    if sum(v is not None for v in (expert, enterprise, meeting)) != 1:
        raise fail("give exactly one of --expert, --enterprise, --meeting")
    service = _service(data_dir, matcher=True)
    try:
        if meeting is not None:
            expert_id, _, demand_id = meeting.partition(":")
            result = service.cancel_meeting(event_id, expert_id, demand_id)
        elif expert is not None:
            result = service.cancel_participant(event_id, "expert", expert)
        else:
            result = service.cancel_participant(event_id, "enterprise", str(enterprise))
    except (EventError, PlanningError) as error:
        raise fail(str(error)) from None
    _echo_plan(result)


@event_app.command("show")
def show(
    event_id: EventId,
    participant: Annotated[
        str | None, typer.Option(help="Only one participant: expert:ID or enterprise:ID.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    data_dir: DataDir = None,
) -> None:
    """The agenda: every meeting by slot and place (or one participant's)."""
    try:
        agenda = _service(data_dir).agenda(event_id)
    except EventError as error:
        raise fail(str(error)) from None
    meetings = agenda.meetings
    if participant:
        kind, _, pid = participant.partition(":")
        if (kind, pid) not in agenda.participants:
            raise fail(
                f"event {event_id} has no participant {participant!r} (use expert:ID or enterprise:ID)"
            )
        meetings = agenda.meetings_of(kind, pid)
    if as_json:
        typer.echo(json.dumps([m.__dict__ for m in meetings], ensure_ascii=False, indent=2))
        return
    typer.echo(
        f"{agenda.event.name} ({agenda.event.id}): {len(agenda.slots)} slots, {len(meetings)} meetings"
    )
    for m in meetings:
        slot = agenda.slot(m.slot_id)
        zh, _ = place(m)
        expert = agenda.name_of("expert", m.expert_id)
        typer.echo(
            f"  {slot.starts_at:%m-%d %H:%M} {zh:<10} {expert} ({m.expert_id}) "
            f"× {m.enterprise_id} · {m.demand_id}"
        )


@event_app.command("export")
def export(
    event_id: EventId,
    out: Annotated[Path, typer.Option(help="Directory for agenda.xlsx and ics/<kind>-<id>.ics.")] = Path(
        "event-export"
    ),
    data_dir: DataDir = None,
) -> None:
    """Write the agenda workbook and one calendar file per participant."""
    from pipelines.reports.xlsx import write_workbook

    try:
        agenda = _service(data_dir).agenda(event_id)
    except EventError as error:
        raise fail(str(error)) from None
    (out / "ics").mkdir(parents=True, exist_ok=True)
    write_workbook(out / f"{event_id}-agenda.xlsx", agenda_sheets(agenda))
    stamp = utc_now()
    for kind, pid in agenda.participants:
        ics = participant_ics(agenda, kind, pid, stamp=stamp)
        (out / "ics" / f"{kind}-{pid}.ics").write_bytes(ics.encode())
    typer.echo(f"{out}: {event_id}-agenda.xlsx and {len(agenda.participants)} calendar files")


@event_app.command("mail")
def mail(
    event_id: EventId,
    force: Annotated[bool, typer.Option(help="Mail every schedule, changed or not.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Mail each participant their schedule (HAIZHI_SMTP_* settings); unchanged ones are not re-sent."""
    from matcher.docking.mail import mail_schedules
    from pipelines.nightly.notify import SmtpMailer
    from pipelines.nightly.settings import nightly_settings

    settings = nightly_settings(settings_for(data_dir))
    service = _service(data_dir)
    try:
        agenda = service.agenda(event_id)
    except EventError as error:
        raise fail(str(error)) from None
    report = mail_schedules(
        service.store, agenda, SmtpMailer.from_settings(settings).send, settings.mail_from, force=force
    )
    typer.echo(
        f"sent {len(report.sent)}, unchanged {len(report.unchanged)}, no address {len(report.no_address)}, "
        f"failed {len(report.failed)}"
    )
    for who, reason in report.failed.items():
        typer.secho(f"  {who}: {reason}", fg=typer.colors.RED, err=True)
    if report.failed:
        raise typer.Exit(code=1)
