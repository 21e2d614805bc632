"""Expert profile freshness and engagement history: stale profiles are the usual failure of expert DBs.

A profile is **stale** when its ``updated_at`` is more than ``months`` months before ``as_of``
(``Settings.stale_after_months``, default 18), or when it has no ``updated_at`` at all (unknown age).
Months are calendar months: 2024-01-31 is 18 months old on 2025-07-31 and stale from 2025-08-01.
Engagement comes from the match history (last event, matches per stage) and cooperation records, so
staff can see whether a stale expert is still worth re-contacting (recently engaged) or should be
reviewed first.
"""

from __future__ import annotations

from calendar import monthrange
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from matcher.domain.records import Expert, MatchStatus
from matcher.store import OPEN_STATUSES, Store


def months_between(earlier: date, later: date) -> int:
    """Whole calendar months from ``earlier`` to ``later`` (negative if ``later`` is earlier)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    if later.day < earlier.day:
        months -= 1
    return months


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the month's last day (2024-01-31 + 1 → 2024-02-29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


@dataclass
class ExpertFreshness:
    """Freshness and engagement of one expert profile."""

    expert_id: str
    name: str
    country: str
    active: bool
    updated_at: date | None
    months_since_update: int | None
    stale: bool
    matches: int = 0
    open_engagements: int = 0
    signed: int = 0
    cooperations: int = 0
    last_engagement_at: datetime | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON and spreadsheets."""
        return {
            "expert_id": self.expert_id,
            "name": self.name,
            "country": self.country,
            "active": self.active,
            "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            "months_since_update": self.months_since_update,
            "stale": self.stale,
            "matches": self.matches,
            "open_engagements": self.open_engagements,
            "signed": self.signed,
            "cooperations": self.cooperations,
            "last_engagement_at": self.last_engagement_at.isoformat() if self.last_engagement_at else None,
        }


def expert_freshness(
    store: Store, *, months: int = 18, as_of: date | None = None, include_inactive: bool = False
) -> list[ExpertFreshness]:
    """Freshness rows of every (active) expert, stalest first (unknown dates first, then oldest).

    Raises:
        ValueError: if ``months`` < 1.
    """
    if months < 1:
        raise ValueError(f"stale age must be at least 1 month, not {months}")
    today = as_of or date.today()
    per_status: dict[str, Counter[MatchStatus]] = defaultdict(Counter)
    for match in store.matches.list():
        per_status[match.expert_id][match.status] += 1
    last_event: dict[str, datetime] = {}
    for event in store.flow.match_events_for():
        if event.expert_id not in last_event or event.at > last_event[event.expert_id]:
            last_event[event.expert_id] = event.at
    cooperations = Counter(c.expert_id for c in store.flow.cooperations())
    rows = []
    for expert in store.records.list("experts"):
        if not isinstance(expert, Expert) or not (expert.active or include_inactive):
            continue
        age = None if expert.updated_at is None else months_between(expert.updated_at, today)
        statuses = per_status.get(expert.id, Counter())
        rows.append(
            ExpertFreshness(
                expert_id=expert.id,
                name=expert.name,
                country=expert.country,
                active=expert.active,
                updated_at=expert.updated_at,
                months_since_update=age,
                stale=expert.updated_at is None or today > add_months(expert.updated_at, months),
                matches=sum(statuses.values()),
                open_engagements=sum(n for s, n in statuses.items() if s in OPEN_STATUSES),
                signed=statuses.get(MatchStatus.SIGNED, 0),
                cooperations=cooperations.get(expert.id, 0),
                last_engagement_at=last_event.get(expert.id),
            )
        )
    rows.sort(key=lambda r: (r.months_since_update is not None, -(r.months_since_update or 0), r.expert_id))
    return rows


def stale_experts(store: Store, *, months: int = 18, as_of: date | None = None) -> list[ExpertFreshness]:
    """Only the stale active experts (see the module docstring), stalest first."""
    return [row for row in expert_freshness(store, months=months, as_of=as_of) if row.stale]
