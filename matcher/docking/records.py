"""What an event stores: its settings, participants and pair rules (the planner's inputs before scoring)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from matcher.docking.base import Meeting, Slot

KINDS = ("expert", "enterprise")
RULES = ("require", "bonus", "forbid")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,63}$")


class EventError(ValueError):
    """A bad event request: unknown event, participant, slot or demand, or a malformed value."""


def check_id(value: str, what: str) -> str:
    """``value`` stripped, if it is a valid id (letters, digits, ``_ . : -``, at most 64 characters)."""
    value = value.strip()
    if not _ID.match(value):
        raise EventError(f"{what} {value!r} is not a valid id (letters, digits, _ . : -; at most 64)")
    return value


@dataclass(frozen=True)
class EventInfo:
    """An event's settings.

    Attributes:
        id: event id.
        name: display name (e.g. 2026 海交会 · 新能源专场).
        expert_limit: default meeting limit of an expert (None: no limit but one per slot).
        enterprise_limit: default meeting limit of an enterprise.
        top_n: candidate experts per demand (from its ranked list over the participants).
        location: venue address.
        planned_at: when the plan was last made (None: never).
        summary: the last plan's objective, bound, gap, status, seconds, variables.
    """

    id: str
    name: str
    expert_limit: int | None = None
    enterprise_limit: int | None = None
    top_n: int = 10
    location: str = ""
    planned_at: datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Participant:
    """An expert or an enterprise at an event.

    Attributes:
        kind: ``expert`` or ``enterprise``.
        id: the expert id, or the enterprise's id (chosen by the organisers).
        name: display name (experts: from the record when empty).
        email: where its schedule is mailed (experts: the record's email when empty).
        remote: an expert taking part online.
        limit: its own meeting limit (None: the event's default).
        priority: weight added to each of its meetings.
        slots: slot ids it is available in (None: all).
        demands: the enterprise's demand ids.
        station_id: the enterprise's station (station keys see its meetings).
        cancelled: it cancelled its participation.
    """

    kind: str
    id: str
    name: str = ""
    email: str = ""
    remote: bool = False
    limit: int | None = None
    priority: float = 0.0
    slots: tuple[str, ...] | None = None
    demands: tuple[str, ...] = ()
    station_id: str | None = None
    cancelled: bool = False


@dataclass(frozen=True)
class PairRule:
    """A requested or forbidden pair.

    Attributes:
        expert_id: the expert.
        demand_id: the demand.
        rule: ``require`` (must meet), ``bonus`` (meet preferably: ``bonus`` added) or ``forbid``.
        bonus: the weight added for ``bonus`` (and ``require``) pairs.
    """

    expert_id: str
    demand_id: str
    rule: str
    bonus: float = 0.0


@dataclass
class Agenda:
    """An event with its slots, participants and meetings (what the exports and the page show).

    Attributes:
        event: its settings.
        slots: in time order.
        participants: by (kind, id).
        meetings: by slot, venue, number.
        expert_names: expert id → display name.
        demand_titles: demand id → title.
    """

    event: EventInfo
    slots: list[Slot]
    participants: dict[tuple[str, str], Participant]
    meetings: list[Meeting]
    expert_names: dict[str, str] = field(default_factory=dict)
    demand_titles: dict[str, str] = field(default_factory=dict)

    def meetings_of(self, kind: str, participant_id: str) -> list[Meeting]:
        """The meetings of one participant, in time order."""
        if kind == "expert":
            return [m for m in self.meetings if m.expert_id == participant_id]
        return [m for m in self.meetings if m.enterprise_id == participant_id]

    def slot(self, slot_id: str) -> Slot:
        """The slot ``slot_id``."""
        return next(s for s in self.slots if s.id == slot_id)

    def name_of(self, kind: str, participant_id: str) -> str:
        """A participant's display name (its id when it has none)."""
        person = self.participants.get((kind, participant_id))
        if person is not None and person.name:
            return person.name
        return self.expert_names.get(participant_id, participant_id) if kind == "expert" else participant_id
