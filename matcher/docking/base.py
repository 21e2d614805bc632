"""The docking-event planning problem (洽谈活动), its solution, and the small planner interface.

An event has time slots, each with a number of on-site tables and online rooms. Experts meet
enterprises 1:1 about one of the enterprise's demands; a meeting with a remote expert takes an online
room, any other a table. A planner picks meetings (expert, demand, slot) maximising the total weight.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

VENUES = ("table", "room")
"""``table``: on site; ``room``: online (the expert takes part remotely)."""


@dataclass(frozen=True)
class Slot:
    """One time slot and how many meetings it can hold per venue.

    Attributes:
        id: slot id, unique within the event.
        starts_at: start (naive, the event's local time).
        ends_at: end.
        tables: on-site tables (meetings at the same time).
        rooms: online rooms.
    """

    id: str
    starts_at: datetime
    ends_at: datetime
    tables: int = 0
    rooms: int = 0

    def capacity(self, venue: str) -> int:
        """Meetings this slot holds in ``venue``."""
        return self.tables if venue == "table" else self.rooms


@dataclass(frozen=True)
class Person:
    """An expert or an enterprise taking part.

    Attributes:
        id: expert id, or the enterprise's id.
        limit: most meetings over the event (None: one per slot at most).
        slots: slot ids the person is available in (None: all).
        priority: added to the weight of every meeting of this person.
        remote: an expert taking part online (meets in a room, not at a table).
    """

    id: str
    limit: int | None = None
    slots: frozenset[str] | None = None
    priority: float = 0.0
    remote: bool = False

    def available(self, slot_id: str) -> bool:
        """Whether the person can meet in ``slot_id``."""
        return self.slots is None or slot_id in self.slots


@dataclass(frozen=True)
class Candidate:
    """A pair that may meet: an expert and a demand (of one enterprise), with its match score.

    Attributes:
        expert_id: the expert.
        demand_id: the demand discussed.
        enterprise_id: the enterprise owning the demand.
        score: the matcher's final ranking score of the expert for the demand.
        bonus: extra weight of a requested pair.
        required: the pair must meet (the plan is infeasible otherwise).
    """

    expert_id: str
    demand_id: str
    enterprise_id: str
    score: float
    bonus: float = 0.0
    required: bool = False


@dataclass(frozen=True)
class Meeting:
    """One planned meeting.

    Attributes:
        expert_id: the expert.
        demand_id: the demand discussed.
        enterprise_id: the enterprise.
        slot_id: when.
        venue: ``table`` or ``room``.
        number: the table or room number within the slot (1, 2, …).
        weight: its weight in the objective (score + bonus + priorities).
    """

    expert_id: str
    demand_id: str
    enterprise_id: str
    slot_id: str
    venue: str
    number: int
    weight: float

    @property
    def pair(self) -> tuple[str, str]:
        """(expert id, demand id)."""
        return (self.expert_id, self.demand_id)


@dataclass
class Problem:
    """Everything a planner needs.

    Attributes:
        slots: the event's slots, in time order.
        experts: participating experts by id.
        enterprises: participating enterprises by id.
        candidates: the pairs that may meet (forbidden pairs already left out).
        fixed: meetings that must stay where they are (kept on re-planning).
    """

    slots: Sequence[Slot]
    experts: Mapping[str, Person]
    enterprises: Mapping[str, Person]
    candidates: Sequence[Candidate]
    fixed: Sequence[Meeting] = field(default_factory=list)

    def weight(self, candidate: Candidate) -> float:
        """Objective weight of a candidate: score + bonus + both people's priorities."""
        expert = self.experts[candidate.expert_id]
        enterprise = self.enterprises[candidate.enterprise_id]
        return candidate.score + candidate.bonus + expert.priority + enterprise.priority

    def venue(self, expert_id: str) -> str:
        """Where an expert's meetings take place."""
        return "room" if self.experts[expert_id].remote else "table"


@dataclass
class Plan:
    """A planner's answer.

    Attributes:
        meetings: the meetings, by slot then venue then number.
        objective: total weight.
        bound: the solver's upper bound on the objective.
        status: ``optimal``, ``time_limit`` (best found) or ``infeasible``.
        seconds: solve time.
        variables: decision variables of the model.
        message: the solver's message.
    """

    meetings: list[Meeting]
    objective: float
    bound: float
    status: str
    seconds: float
    variables: int = 0
    message: str = ""

    @property
    def gap(self) -> float:
        """Relative MIP gap ``(bound - objective) / |bound|`` (0 when proven optimal)."""
        if abs(self.bound - self.objective) <= 1e-9 * max(1.0, abs(self.bound)):
            return 0.0  # equal up to floating-point summation order
        return abs(self.bound - self.objective) / max(abs(self.bound), 1e-9)


class PlanningError(ValueError):
    """The problem has no feasible plan (e.g. a required pair cannot be placed), with the reason."""


class Planner(ABC):
    """Plans meetings for a `Problem`."""

    @abstractmethod
    def plan(self, problem: Problem) -> Plan:
        """An optimal (or best-found, see `Plan.status`) plan.

        Raises:
            PlanningError: if no feasible plan exists.
        """
