"""``haizhi flow …``: move demands through the project flow (项目流转 → 甄选 → 匹配 → 合作)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from matcher.operations.flow import FlowError, ProjectFlow
from matcher.service import Matcher
from matcher.store import InvalidTransition, RecordNotFound
from pipelines.cli.ops import DataDir, fail, settings_for

flow_app = typer.Typer(
    help="Project flow 项目流转: demand status, matches, cooperations.", no_args_is_help=True
)
Actor = Annotated[str, typer.Option(help="Who makes the change.")]
Note = Annotated[str, typer.Option(help="Free-text note kept in the history.")]


def _flow(data_dir: Path | None) -> ProjectFlow:
    return ProjectFlow.for_matcher(Matcher(settings_for(data_dir)))


@flow_app.command("show")
def show(demand_id: str, data_dir: DataDir = None) -> None:
    """A demand's status, its matches, cooperations and status history."""
    flow = _flow(data_dir)
    try:
        demand = flow.demand(demand_id)
    except RecordNotFound as error:
        raise fail(str(error)) from None
    typer.echo(f"{demand.id} {demand.title}: {demand.status.value}")
    for m in flow.store.matches.list(demand_id=demand_id):
        typer.echo(f"  match {m.expert_id}: {m.status.value}")
    for c in flow.store.flow.cooperations(demand_id=demand_id):
        typer.echo(
            f"  cooperation {c.expert_id}: {c.mode.value} from {c.start_date}, "
            f"{c.contract_amount_wan or 0:g} 万元, {c.result.value}"
        )
    for e in flow.history(demand_id):
        before = e.from_status.value if e.from_status else "-"
        typer.echo(f"  {e.at:%Y-%m-%d %H:%M} {before} → {e.to_status.value} ({e.reason}, {e.actor}) {e.note}")


@flow_app.command("match")
def match_status(
    demand_id: str,
    expert_id: str,
    status: Annotated[
        str, typer.Argument(help="recommended, contacted, negotiating, signed, declined, no_response")
    ],
    note: Note = "",
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Move a match through its lifecycle; the demand's status follows."""
    flow = _flow(data_dir)
    try:
        match, event = flow.set_match_status(demand_id, expert_id, status, note=note, actor=actor)
    except (FlowError, InvalidTransition, RecordNotFound, ValueError) as error:
        raise fail(str(error)) from None
    typer.echo(f"match {demand_id}/{expert_id}: {match.status.value}")
    if event is not None:
        typer.echo(f"demand {demand_id}: {event.from_status} → {event.to_status.value}")


@flow_app.command("cooperate")
def cooperate(
    demand_id: str,
    expert_id: str,
    mode: Annotated[str, typer.Option(help="Cooperation mode (full_time, flexible, project …).")],
    start: Annotated[str, typer.Option(help="Start date YYYY-MM-DD.")],
    amount: Annotated[float | None, typer.Option(min=0, help="Contract amount in 万元.")] = None,
    result: Annotated[str, typer.Option(help="ongoing, completed or terminated.")] = "ongoing",
    note: Note = "",
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Record a signed cooperation (signs the match if it is still negotiating)."""
    from pydantic import ValidationError

    from matcher.domain.records import parse_cooperation_mode

    flow = _flow(data_dir)
    try:
        flow.record_cooperation(
            demand_id,
            expert_id,
            mode=parse_cooperation_mode(mode),
            start_date=date.fromisoformat(start),
            contract_amount_wan=amount,
            result=result,
            note=note,
            actor=actor,
        )
    except (FlowError, InvalidTransition, RecordNotFound, ValidationError, ValueError) as error:
        raise fail(str(error)) from None
    typer.echo(
        f"cooperation {demand_id}/{expert_id} recorded; demand is {flow.demand(demand_id).status.value}"
    )


@flow_app.command("close")
def close(
    demand_id: str,
    outcome: Annotated[str, typer.Option(help="solved or unsolved.")] = "solved",
    note: Note = "",
    actor: Actor = "cli",
    data_dir: DataDir = None,
) -> None:
    """Close a demand (solved / unsolved): it stops being matched."""
    flow = _flow(data_dir)
    try:
        flow.close(demand_id, outcome, note=note, actor=actor)  # type: ignore[arg-type]
    except (FlowError, RecordNotFound) as error:
        raise fail(str(error)) from None
    typer.echo(f"demand {demand_id} closed ({outcome})")


@flow_app.command("withdraw")
def withdraw(demand_id: str, note: Note = "", actor: Actor = "cli", data_dir: DataDir = None) -> None:
    """Withdraw a demand: it stops being matched."""
    flow = _flow(data_dir)
    try:
        flow.withdraw(demand_id, note=note, actor=actor)
    except (FlowError, RecordNotFound) as error:
        raise fail(str(error)) from None
    typer.echo(f"demand {demand_id} withdrawn")


@flow_app.command("reopen")
def reopen(demand_id: str, note: Note = "", actor: Actor = "cli", data_dir: DataDir = None) -> None:
    """Reopen a closed or withdrawn demand (its status is derived from its matches again)."""
    flow = _flow(data_dir)
    try:
        event = flow.reopen(demand_id, note=note, actor=actor)
    except (FlowError, RecordNotFound) as error:
        raise fail(str(error)) from None
    typer.echo(f"demand {demand_id} reopened: {event.to_status.value}")


@flow_app.command("sync")
def sync(actor: Actor = "cli", data_dir: DataDir = None) -> None:
    """Re-derive every demand's status from its matches (after imports of match history)."""
    flow = _flow(data_dir)
    events = flow.sync_many([d.id for d in flow.store.records.list("demands")], actor=actor)
    for e in events:
        typer.echo(f"{e.demand_id}: {e.from_status} → {e.to_status.value}")
    typer.echo(f"{len(events)} demands changed status")
