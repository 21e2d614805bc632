"""Project flow: demand status follows matches and explicit actions; closed demands leave matching."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.domain.records import Demand, DemandStatus, Expert, MatchStatus
from matcher.operations.flow import FlowError, ProjectFlow, derive_status, open_demands
from matcher.service import Matcher
from matcher.store import InvalidTransition, Store
from pipelines.cli.main import app as cli_app

D, M = DemandStatus, MatchStatus
BATTERY = "固态电池电解质界面阻抗，锂金属负极，硫化物固态电解质"


@pytest.mark.parametrize(
    ("current", "matches", "expected"),
    [
        (D.OPEN, [], D.OPEN),
        (D.OPEN, [M.RECOMMENDED], D.MATCHING),
        (D.OPEN, [M.DECLINED, M.NO_RESPONSE], D.MATCHING),
        (D.MATCHING, [M.CONTACTED, M.NEGOTIATING], D.NEGOTIATING),
        (D.NEGOTIATING, [M.DECLINED, M.CONTACTED], D.MATCHING),  # the negotiation failed
        (D.NEGOTIATING, [M.SIGNED, M.DECLINED], D.COOPERATING),
        (D.CLOSED, [M.SIGNED], D.CLOSED),
        (D.WITHDRAWN, [M.NEGOTIATING], D.WITHDRAWN),
    ],
)
def test_derive_status(current: DemandStatus, matches: list[MatchStatus], expected: DemandStatus) -> None:
    assert derive_status(current, matches) is expected


def make_store(tmp_path: Path) -> Store:
    store = Store(Settings(data_dir=tmp_path).resolved_database_url)
    store.create_schema()
    store.records.upsert(
        "experts",
        [
            Expert(id="E1", name="王磊", country="US", bio=f"长期研究{BATTERY}。", industries=["new_energy"]),
            Expert(
                id="E2", name="Anna Berg", country="DE", bio="Solid-state battery electrolyte interfaces."
            ),
            Expert(id="E3", name="李娜", country="JP", bio="水处理膜材料与反渗透膜工艺。"),
        ],
    )
    store.records.upsert(
        "demands",
        [
            Demand(id="D1", title="固态电池界面阻抗攻关", description=f"需要{BATTERY}方面的专家"),
            Demand(id="D2", title="硫化物固态电解质量产", description=f"寻求{BATTERY}专家合作"),
            Demand(id="D3", title="反渗透膜污染控制", description="需要水处理膜专家"),
        ],
    )
    return store


def status(store: Store, demand_id: str) -> DemandStatus:
    demand = store.records.get("demands", demand_id)
    assert isinstance(demand, Demand)
    return demand.status


def test_demand_follows_its_matches_and_explicit_actions(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    flow = ProjectFlow(store)
    assert status(store, "D1") is D.OPEN
    _, event = flow.set_match_status("D1", "E1", M.RECOMMENDED)
    assert event is not None and (event.from_status, event.to_status, event.reason) == (
        D.OPEN,
        D.MATCHING,
        "auto",
    )
    flow.set_match_status("D1", "E1", M.CONTACTED)
    assert status(store, "D1") is D.MATCHING
    flow.set_match_status("D1", "E1", M.NEGOTIATING)
    assert status(store, "D1") is D.NEGOTIATING
    flow.set_match_status("D1", "E2", M.RECOMMENDED)  # a second candidate keeps it negotiating
    assert status(store, "D1") is D.NEGOTIATING
    flow.set_match_status("D1", "E1", M.DECLINED)
    assert status(store, "D1") is D.MATCHING  # the only negotiation failed
    flow.set_match_status("D1", "E2", M.CONTACTED)
    flow.set_match_status("D1", "E2", M.NEGOTIATING)
    cooperation = flow.record_cooperation(
        "D1", "E2", mode="flexible", start_date=date(2026, 3, 1), contract_amount_wan=120
    )
    assert store.matches.get("D1", "E2").status is M.SIGNED  # type: ignore[union-attr]
    assert status(store, "D1") is D.COOPERATING
    assert store.flow.cooperations(demand_id="D1") == [cooperation]
    flow.close("D1", "solved", note="问题已解决", actor="staff")
    assert status(store, "D1") is D.CLOSED
    history = [(e.to_status, e.reason) for e in flow.history("D1")]
    assert history == [
        (D.MATCHING, "auto"),
        (D.NEGOTIATING, "auto"),
        (D.MATCHING, "auto"),
        (D.NEGOTIATING, "auto"),
        (D.COOPERATING, "auto"),
        (D.CLOSED, "solved"),
    ]
    with pytest.raises(FlowError, match="reopen it"):
        flow.set_match_status("D1", "E3", M.RECOMMENDED)
    with pytest.raises(FlowError, match="already closed"):
        flow.withdraw("D1")
    assert flow.reopen("D1").to_status is D.COOPERATING  # derived again from its signed match


def test_invalid_actions_name_the_problem(tmp_path: Path) -> None:
    store = make_store(tmp_path)
    flow = ProjectFlow(store)
    flow.set_match_status("D2", "E1", M.RECOMMENDED)
    with pytest.raises(FlowError, match="must be negotiating or signed, not recommended"):
        flow.record_cooperation("D2", "E1", mode="project", start_date=date(2026, 1, 1))
    with pytest.raises(InvalidTransition):
        flow.set_match_status("D2", "E1", M.SIGNED)
    with pytest.raises(ValidationError):
        flow.record_cooperation(
            "D2", "E1", mode="project", start_date=date(2026, 1, 1), contract_amount_wan=-5
        )
    with pytest.raises(FlowError, match="solved' or 'unsolved"):
        flow.close("D2", "maybe")  # type: ignore[arg-type]
    with pytest.raises(FlowError, match="not closed or withdrawn"):
        flow.reopen("D2")
    assert status(store, "D2") is D.MATCHING


def test_closed_and_withdrawn_demands_leave_matching(tmp_path: Path, use_encoder: Encoder) -> None:
    store = make_store(tmp_path)
    matcher = Matcher(Settings(data_dir=tmp_path), store=store, encoder=use_encoder)
    matcher.build_index()
    flow = ProjectFlow.for_matcher(matcher)

    def for_expert() -> list[str]:
        return [r.id for r in matcher.demands_for_expert("E1", k=3, explain=False)]

    assert {"D1", "D2"} <= set(for_expert())
    assert {d.id for d in open_demands(store)} == {"D1", "D2", "D3"}
    flow.set_match_status("D1", "E1", M.RECOMMENDED)  # matching is still open
    assert "D1" in for_expert()
    flow.close("D1", "solved")
    assert "D1" not in for_expert() and "D2" in for_expert()
    assert {d.id for d in open_demands(store)} == {"D2", "D3"}
    flow.withdraw("D2")
    assert not {"D1", "D2"} & set(for_expert())
    # a fresh matcher reading the saved index agrees: the change reached the index files
    reloaded = Matcher(Settings(data_dir=tmp_path), encoder=use_encoder)
    assert not {"D1", "D2"} & {r.id for r in reloaded.demands_for_expert("E1", k=3, explain=False)}
    flow.reopen("D1")
    assert "D1" in for_expert()


def test_flow_cli(tmp_path: Path) -> None:
    make_store(tmp_path)
    runner = CliRunner()
    base = ["--data-dir", str(tmp_path)]
    steps = [
        ["flow", "match", "D3", "E3", "recommended"],
        ["flow", "match", "D3", "E3", "contacted"],
        ["flow", "match", "D3", "E3", "negotiating"],
        ["flow", "cooperate", "D3", "E3", "--mode", "项目合作", "--start", "2026-05-01", "--amount", "40"],
        ["flow", "close", "D3", "--outcome", "solved"],
    ]
    for step in steps:
        result = runner.invoke(cli_app, [*step, *base])
        assert result.exit_code == 0, result.output
    shown = runner.invoke(cli_app, ["flow", "show", "D3", *base]).output
    assert (
        "D3 反渗透膜污染控制: closed" in shown and "cooperation E3: project from 2026-05-01, 40 万元" in shown
    )
    bad = runner.invoke(cli_app, ["flow", "match", "D3", "E1", "recommended", *base])
    assert bad.exit_code == 1 and "reopen it" in bad.output
