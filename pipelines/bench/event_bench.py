"""``haizhi bench-event``: time the docking-event planner on a 200-expert × 300-demand × 24-slot event.

Scenarios, each solved exactly by `MilpPlanner` (HiGHS through scipy):

1. ``open``: every participant free in every slot;
2. ``windows``: half of the experts and a third of the enterprises available in 60–90 % of the slots;
3. ``cancel``: from the ``windows`` plan, ten experts cancel; the re-plan keeps every other meeting;
4. ``demo`` (with ``--data-dir``): the real matcher's scores, participants taken from the demo data.

Scores of 1–3 are generated (seeded): each demand gets ``top_n`` distinct experts with a score drawn
from a shifted log-normal, as ranking scores are skewed. Writes ``event-bench.md`` and ``.json``.
"""

from __future__ import annotations

import json
import os
import platform
import random
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from matcher.docking import Candidate, MilpPlanner, Person, Plan, Problem, Slot

DAY0 = datetime(2026, 6, 1, 9, 0)


def event_slots(days: int, per_day: int, tables: int, rooms: int) -> list[Slot]:
    """``per_day`` 30-minute slots from 09:00 on each of ``days`` days."""
    return [
        Slot(
            f"D{d}S{s:02d}",
            DAY0 + timedelta(days=d, minutes=30 * s),
            DAY0 + timedelta(days=d, minutes=30 * s + 25),
            tables,
            rooms,
        )
        for d in range(days)
        for s in range(per_day)
    ]


def generated_problem(
    experts: int, demands: int, slots: list[Slot], top_n: int, *, windows: bool, seed: int = 7
) -> Problem:
    """A seeded event: 2 demands per enterprise, 20 % remote experts, limits 8 per person."""
    rng = random.Random(seed)  # people and scores: the same with and without windows
    windows_rng = random.Random(seed + 1)
    ids = [s.id for s in slots]

    def window(share: float) -> frozenset[str] | None:
        if not windows or windows_rng.random() >= share:
            return None
        return frozenset(windows_rng.sample(ids, int(len(ids) * windows_rng.uniform(0.6, 0.9))))

    people = {
        f"E{i:04d}": Person(f"E{i:04d}", limit=8, slots=window(0.5), remote=rng.random() < 0.2)
        for i in range(experts)
    }
    enterprises = {
        f"O{i:04d}": Person(f"O{i:04d}", limit=8, slots=window(0.33)) for i in range((demands + 1) // 2)
    }
    candidates = []
    expert_ids = sorted(people)
    for d in range(demands):
        for expert_id in rng.sample(expert_ids, top_n):
            score = round(rng.lognormvariate(0.0, 0.5) - 0.5, 6)
            candidates.append(Candidate(expert_id, f"D{d:04d}", f"O{d // 2:04d}", score))
    return Problem(slots, people, enterprises, candidates)


def _row(name: str, problem: Problem, plan: Plan, note: str = "") -> dict[str, Any]:
    return {
        "scenario": name,
        "candidates": len(problem.candidates),
        "variables": plan.variables,
        "meetings": len(plan.meetings),
        "fixed": len(problem.fixed),
        "objective": round(plan.objective, 4),
        "bound": round(plan.bound, 4),
        "mip_gap": plan.gap,
        "status": plan.status,
        "solve_s": round(plan.seconds, 2),
        "note": note,
    }


def demo_problem(data_dir: Path, experts: int, demands: int, slots: list[Slot], top_n: int) -> Problem:
    """Participants from a data directory's records (first experts, open demands), real matcher scores."""
    from matcher.config import Settings
    from matcher.docking.scoring import ranked_participants
    from matcher.domain.records import Demand
    from matcher.service import Matcher

    matcher = Matcher(Settings(data_dir=data_dir))
    expert_ids = [e.id for e in matcher.store.records.list("experts")][:experts]
    found = [d for d in matcher.store.records.list("demands") if isinstance(d, Demand)][:demands]
    ranked = ranked_participants(matcher, found, set(expert_ids), top_n)
    people = {e: Person(e, limit=8) for e in expert_ids}
    enterprises = {f"O{i // 2:04d}": Person(f"O{i // 2:04d}", limit=8) for i in range(len(found))}
    candidates = [
        Candidate(e, d.id, f"O{i // 2:04d}", s) for i, d in enumerate(found) for e, s in ranked[d.id]
    ]
    return Problem(slots, people, enterprises, candidates)


def run_event_benchmark(
    *,
    experts: int,
    demands: int,
    days: int,
    per_day: int,
    tables: int,
    rooms: int,
    top_n: int,
    data_dir: Path | None,
    out: Path,
    time_limit: float,
) -> str:
    """Run the scenarios, write the report files and return the Markdown."""
    slots = event_slots(days, per_day, tables, rooms)
    planner = MilpPlanner(time_limit=time_limit)
    rows = []
    for name, windows in (("open", False), ("windows", True)):
        problem = generated_problem(experts, demands, slots, top_n, windows=windows)
        plan = planner.plan(problem)
        rows.append(_row(name, problem, plan, "generated scores"))
    gone = sorted({m.expert_id for m in plan.meetings})[:10]
    problem.experts = {k: v for k, v in problem.experts.items() if k not in gone}
    problem.candidates = [c for c in problem.candidates if c.expert_id not in gone]
    problem.fixed = [m for m in plan.meetings if m.expert_id not in gone]
    replan = planner.plan(problem)
    kept = {(m.pair, m.slot_id, m.number) for m in problem.fixed}
    assert kept <= {(m.pair, m.slot_id, m.number) for m in replan.meetings}
    rows.append(_row("cancel", problem, replan, f"10 experts cancel; {len(problem.fixed)} meetings kept"))
    if data_dir is not None:
        problem = demo_problem(data_dir, experts, demands, slots, top_n)
        plan = planner.plan(problem)
        found = len({c.demand_id for c in problem.candidates})
        note = f"real matcher scores, {len(problem.experts)} demo experts × {found} demo demands"
        rows.append(_row("demo", problem, plan, note))
    meta = {
        "experts": experts,
        "demands": demands,
        "slots": len(slots),
        "tables": tables,
        "rooms": rooms,
        "top_n": top_n,
        "naive_variables": experts * demands * len(slots),
        "cpu": platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "load": round(os.getloadavg()[0], 2),
        "at": time.strftime("%Y-%m-%d %H:%M"),
    }
    header = list(rows[0])
    lines = [
        f"# Docking-event planner: {experts} experts × {demands} demands × {len(slots)} slots",
        "",
        f"{tables} tables + {rooms} online rooms per slot, top-{top_n} experts per demand, "
        "limits 8 per person; "
        f"naive time-indexed model: {meta['naive_variables']:,} variables. "
        f"{meta['cores']} cores, load {meta['load']}.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(str(r[h]) for h in header) + " |" for r in rows),
    ]
    markdown = "\n".join(lines) + "\n"
    out.mkdir(parents=True, exist_ok=True)
    (out / "event-bench.md").write_text(markdown, encoding="utf-8")
    (out / "event-bench.json").write_text(
        json.dumps({"meta": meta, "rows": rows}, indent=2), encoding="utf-8"
    )
    return markdown


def bench_event_command(
    experts: Annotated[int, typer.Option(min=1)] = 200,
    demands: Annotated[int, typer.Option(min=1)] = 300,
    days: Annotated[int, typer.Option(min=1)] = 2,
    slots_per_day: Annotated[int, typer.Option(min=1)] = 12,
    tables: Annotated[int, typer.Option(min=0)] = 12,
    rooms: Annotated[int, typer.Option(min=0)] = 4,
    top_n: Annotated[int, typer.Option(min=1, help="Candidate experts per demand.")] = 10,
    data_dir: Annotated[
        Path | None, typer.Option(help="Also plan with real matcher scores over this data directory.")
    ] = None,
    time_limit: Annotated[float, typer.Option(min=1)] = 600,
    out: Annotated[Path, typer.Option(help="Report directory.")] = Path("reports"),
) -> None:
    """Time the exact planner on a large generated event (and on the demo data with --data-dir)."""
    typer.echo(
        run_event_benchmark(
            experts=experts,
            demands=demands,
            days=days,
            per_day=slots_per_day,
            tables=tables,
            rooms=rooms,
            top_n=top_n,
            data_dir=data_dir,
            out=out,
            time_limit=time_limit,
        )
    )
