"""The generic row mapper converts columns by the field types of the record it fills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from matcher.domain.records import Match, MatchStatus
from matcher.store import MatchEvent, object_from_row, row_from_object

AT = datetime(2026, 1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Sample:
    name: str
    flag: bool
    counts: dict[str, Any]
    tags: list[str]
    status: MatchStatus | None
    note: str | None = None


def test_columns_become_field_types() -> None:
    row = {"name": None, "flag": 1, "counts": '{"a": 1}', "tags": "", "status": "signed", "note": None}
    assert object_from_row(Sample, row) == Sample("", True, {"a": 1}, [], MatchStatus.SIGNED, None)
    assert object_from_row(Sample, row | {"status": None}).status is None
    assert object_from_row(Sample, row, tags=["given"]).tags == ["given"]


def test_events_and_pydantic_models_round_trip() -> None:
    event = MatchEvent("D1", "E1", None, MatchStatus.CONTACTED, "", "ann", AT)
    row = row_from_object(event)
    assert row["to_status"] == "contacted" and row["from_status"] is None
    assert object_from_row(MatchEvent, row) == event
    match = Match(demand_id="D1", expert_id="E1", status=MatchStatus.SIGNED, score=0.5, updated_at=AT)
    assert object_from_row(Match, row_from_object(match) | {"note": None}) == match


def test_dicts_and_lists_are_written_as_json() -> None:
    sample = Sample("x", False, {"k": "值"}, ["a"], MatchStatus.RECOMMENDED)
    assert row_from_object(sample, extra=1) == {
        "name": "x",
        "flag": False,
        "counts": '{"k": "值"}',
        "tags": '["a"]',
        "status": "recommended",
        "note": None,
        "extra": 1,
    }
