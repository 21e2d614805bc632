"""Docking events (洽谈活动, 海交会-style): slots, tables, participants, and the meeting planner.

`Problem` describes an event; `MilpPlanner` (HiGHS through scipy) plans optimal 1:1 meetings;
`matcher.docking.service.EventService` ties it to the store and the matcher's scores.
"""

from matcher.docking.base import (
    VENUES,
    Candidate,
    Meeting,
    Person,
    Plan,
    Planner,
    PlanningError,
    Problem,
    Slot,
)
from matcher.docking.milp import MilpPlanner

__all__ = [
    "VENUES",
    "Candidate",
    "Meeting",
    "MilpPlanner",
    "Person",
    "Plan",
    "Planner",
    "PlanningError",
    "Problem",
    "Slot",
]
