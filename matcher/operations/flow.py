"""Project flow (项目流转 → 甄选 → 匹配 → 合作): a demand's status follows its matches and explicit actions.

Rules (a pure function, `derive_status`, so they are easy to test and explain):

* ``closed`` and ``withdrawn`` are final until an explicit `ProjectFlow.reopen`.
* any ``signed`` match → ``cooperating``;
* else any ``negotiating`` match → ``negotiating``;
* else any match at all (recommended, contacted, no response, declined) → ``matching``;
* else → ``open``.

So a negotiation that ends in ``declined`` moves the demand back to ``matching``. A demand that is
closed (solved or unsolved), withdrawn or cooperating leaves the open set (`OPEN_DEMAND_STATUSES`):
its corpus entry becomes inactive once re-indexed, so `Matcher.demands_for_expert(only_open=True)`
and the nightly batch (`open_demands`) no longer return it. `ProjectFlow` re-indexes the demand on
every status change when it has a `Matcher`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Literal

from matcher.domain.records import CooperationMode, Demand, DemandStatus, Match, MatchStatus
from matcher.retrieval.corpus import OPEN_DEMAND_STATUSES
from matcher.store import Cooperation, CooperationResult, DemandEvent, RecordNotFound, Store

if TYPE_CHECKING:
    from matcher.service import Matcher

__all__ = [
    "FINAL_STATUSES",
    "Cooperation",
    "CooperationResult",
    "DemandEvent",
    "FlowError",
    "ProjectFlow",
    "derive_status",
    "open_demands",
]

FINAL_STATUSES: frozenset[DemandStatus] = frozenset({DemandStatus.CLOSED, DemandStatus.WITHDRAWN})
CloseOutcome = Literal["solved", "unsolved"]


class FlowError(ValueError):
    """An explicit flow action that the demand's current status does not allow."""


def derive_status(current: DemandStatus, match_statuses: Iterable[MatchStatus]) -> DemandStatus:
    """The status a demand should have given its matches (see the module docstring for the rules)."""
    if current in FINAL_STATUSES:
        return current
    statuses = set(match_statuses)
    if MatchStatus.SIGNED in statuses:
        return DemandStatus.COOPERATING
    if MatchStatus.NEGOTIATING in statuses:
        return DemandStatus.NEGOTIATING
    if statuses:
        return DemandStatus.MATCHING
    return DemandStatus.OPEN


def open_demands(store: Store, station_ids: Iterable[str] | None = None) -> list[Demand]:
    """Demands still open for matching (open, matching, negotiating), e.g. for the nightly batch."""
    wanted = None if station_ids is None else set(station_ids)
    return [
        d
        for d in store.records.list("demands")
        if isinstance(d, Demand)
        and d.status in OPEN_DEMAND_STATUSES
        and (wanted is None or d.station_id in wanted)
    ]


class ProjectFlow:
    """Moves demands through the project flow and keeps the demand index in step.

    Args:
        store: the store holding demands, matches, demand events and cooperations.
        matcher: when given, every status change re-indexes the demand (`Matcher.index_records`),
            so closing a demand takes it out of expert → demand matching at once.
    """

    def __init__(self, store: Store, matcher: Matcher | None = None) -> None:
        self.store = store
        self.matcher = matcher

    @classmethod
    def for_matcher(cls, matcher: Matcher) -> ProjectFlow:
        """A flow over the matcher's store that re-indexes through it."""
        return cls(matcher.store, matcher)

    def demand(self, demand_id: str) -> Demand:
        """The stored demand.

        Raises:
            RecordNotFound: unknown id.
        """
        demand = self.store.records.get("demands", demand_id)
        if not isinstance(demand, Demand):
            raise RecordNotFound(f"no demand with id {demand_id!r}")
        return demand

    def sync(self, demand_id: str, *, actor: str = "system") -> DemandEvent | None:
        """Recompute the demand's status from its matches; store and re-index it if it changed."""
        demand = self.demand(demand_id)
        statuses = [m.status for m in self.store.matches.list(demand_id=demand_id)]
        return self._apply(demand_id, derive_status(demand.status, statuses), "auto", "", actor)

    def sync_many(self, demand_ids: Iterable[str], *, actor: str = "system") -> list[DemandEvent]:
        """`sync` for many demands (e.g. after a batch wrote recommendations); returns the changes."""
        events = [self.sync(i, actor=actor) for i in dict.fromkeys(demand_ids)]
        return [e for e in events if e is not None]

    def set_match_status(
        self,
        demand_id: str,
        expert_id: str,
        status: MatchStatus | str,
        *,
        note: str = "",
        actor: str = "system",
        score: float | None = None,
    ) -> tuple[Match, DemandEvent | None]:
        """Move a match (validated lifecycle) and let the demand's status follow.

        Raises:
            InvalidTransition: if the match lifecycle does not allow the change.
            FlowError: if the demand is closed or withdrawn (reopen it first).
        """
        demand = self.demand(demand_id)
        if demand.status in FINAL_STATUSES:
            raise FlowError(
                f"demand {demand_id!r} is {demand.status.value}: reopen it before changing its matches"
            )
        match = self.store.matches.set_status(
            demand_id, expert_id, status, note=note, actor=actor, score=score
        )
        return match, self.sync(demand_id, actor=actor)

    def record_cooperation(
        self,
        demand_id: str,
        expert_id: str,
        *,
        mode: CooperationMode | str,
        start_date: date,
        contract_amount_wan: float | None = None,
        result: CooperationResult | str = CooperationResult.ONGOING,
        note: str = "",
        actor: str = "system",
    ) -> Cooperation:
        """Store a cooperation record; a match still in negotiation is signed first.

        Raises:
            FlowError: if the pair's match is neither negotiating nor signed.
            pydantic.ValidationError: for an invalid mode, amount or result.
        """
        cooperation = Cooperation(
            demand_id=demand_id,
            expert_id=expert_id,
            mode=CooperationMode(mode),
            start_date=start_date,
            contract_amount_wan=contract_amount_wan,
            result=CooperationResult(result),
            note=note,
        )
        match = self.store.matches.get(demand_id, expert_id)
        current = None if match is None else match.status
        if current not in (MatchStatus.NEGOTIATING, MatchStatus.SIGNED):
            shown = "no match" if current is None else current.value
            raise FlowError(
                f"cooperation {demand_id}/{expert_id}: the match must be negotiating or signed, not {shown}"
            )
        with self.store.transaction():
            if current is MatchStatus.NEGOTIATING:
                self.store.matches.set_status(demand_id, expert_id, MatchStatus.SIGNED, actor=actor)
            self.store.flow.upsert_cooperation(cooperation)
        self.sync(demand_id, actor=actor)
        return cooperation

    def close(
        self, demand_id: str, outcome: CloseOutcome, *, note: str = "", actor: str = "system"
    ) -> DemandEvent:
        """Close a demand as ``solved`` or ``unsolved`` (it stops being matched).

        Raises:
            FlowError: if it is already closed or withdrawn, or the outcome is unknown.
        """
        if outcome not in ("solved", "unsolved"):
            raise FlowError(f"close outcome must be 'solved' or 'unsolved', not {outcome!r}")
        return self._explicit(demand_id, DemandStatus.CLOSED, outcome, note, actor)

    def withdraw(self, demand_id: str, *, note: str = "", actor: str = "system") -> DemandEvent:
        """Withdraw a demand (the enterprise no longer needs it).

        Raises:
            FlowError: if it is already closed or withdrawn.
        """
        return self._explicit(demand_id, DemandStatus.WITHDRAWN, "withdrawn", note, actor)

    def reopen(self, demand_id: str, *, note: str = "", actor: str = "system") -> DemandEvent:
        """Reopen a closed or withdrawn demand; its status is derived again from its matches.

        Raises:
            FlowError: if the demand is not closed or withdrawn.
        """
        demand = self.demand(demand_id)
        if demand.status not in FINAL_STATUSES:
            raise FlowError(f"demand {demand_id!r} is {demand.status.value}, not closed or withdrawn")
        statuses = [m.status for m in self.store.matches.list(demand_id=demand_id)]
        target = derive_status(DemandStatus.OPEN, statuses)
        event = self._apply(demand_id, target, "reopened", note, actor)
        assert event is not None
        return event

    def history(self, demand_id: str) -> list[DemandEvent]:
        """The demand's status changes, oldest first."""
        return self.store.flow.demand_events(demand_id)

    def _explicit(
        self, demand_id: str, status: DemandStatus, reason: str, note: str, actor: str
    ) -> DemandEvent:
        demand = self.demand(demand_id)
        if demand.status in FINAL_STATUSES:
            raise FlowError(f"demand {demand_id!r} is already {demand.status.value}")
        event = self._apply(demand_id, status, reason, note, actor)
        assert event is not None
        return event

    def _apply(
        self, demand_id: str, status: DemandStatus, reason: str, note: str, actor: str
    ) -> DemandEvent | None:
        event = self.store.flow.apply_demand_status(demand_id, status, reason=reason, note=note, actor=actor)
        if event is not None and self.matcher is not None:
            self._reindex(demand_id)
        return event

    def _reindex(self, demand_id: str) -> None:
        assert self.matcher is not None
        # no demand index built yet: the next build-index reads the new status anyway
        with contextlib.suppress(FileNotFoundError):
            self.matcher.index_records("demands", [demand_id])
