"""`Store`: the one entry point to the database (records, matches, metadata)."""

from __future__ import annotations

from sqlalchemy import select

from matcher.domain.records import Expert
from matcher.store.audit_api import AuditMixin
from matcher.store.auth_api import AuthMixin
from matcher.store.base import utc_now
from matcher.store.flow_api import FlowMixin
from matcher.store.freshness_api import FreshnessMixin
from matcher.store.ledger_api import LedgerMixin
from matcher.store.matches_api import MatchesMixin, RecordNotFound
from matcher.store.records_api import RecordsMixin
from matcher.store.runs_api import RunsMixin
from matcher.store.search_api import SearchMixin
from matcher.store.tables import RECORD_TABLES, match_events, matches


# Each feature area adds its tables in its own module (sharing tables.metadata) and its methods as a
# mixin listed here, one per line.
class Store(
    RecordsMixin,
    MatchesMixin,
    FlowMixin,
    AuthMixin,
    AuditMixin,
    SearchMixin,
    LedgerMixin,
    RunsMixin,
    FreshnessMixin,
):
    """SQLite (default) or PostgreSQL storage behind one API.

    Example:
        >>> store = Store("sqlite:///var/haizhi.db")
        >>> store.create_schema()
        >>> store.upsert("experts", experts)

    Every public method runs in its own transaction, or joins the one opened by `transaction()`.
    """

    def merge_expert_rows(self, keep: Expert, drop_id: str, *, actor: str = "dedup") -> None:
        """Replace two expert rows by one: write ``keep``, move ``drop_id``'s matches to it, delete the other.

        When both experts have a match for the same demand, the more recently updated one wins.
        History events of the dropped expert are re-attributed to ``keep`` and a merge event is added.

        Raises:
            RecordNotFound: if ``drop_id`` is not stored.
            ValueError: if ``keep.id == drop_id``.
        """
        if keep.id == drop_id:
            raise ValueError(f"cannot merge expert {drop_id!r} into itself")
        experts = RECORD_TABLES["experts"]
        now = utc_now()
        with self.transaction() as conn:
            if conn.execute(select(experts.c.pk).where(experts.c.id == drop_id)).first() is None:
                raise RecordNotFound(f"no expert with id {drop_id!r} to merge into {keep.id!r}")
            self.upsert("experts", [keep])
            of_keep = select(matches).where(matches.c.expert_id == keep.id)
            kept = {row.demand_id: row for row in conn.execute(of_keep)}
            dropped = conn.execute(select(matches).where(matches.c.expert_id == drop_id)).all()
            merged_status: dict[str, str] = {}
            for row in dropped:
                other = kept.get(row.demand_id)
                if other is None:
                    conn.execute(matches.update().where(matches.c.pk == row.pk).values(expert_id=keep.id))
                    merged_status[row.demand_id] = row.status
                    continue
                merged_status[row.demand_id] = other.status
                if row.updated_at > other.updated_at:
                    merged_status[row.demand_id] = row.status
                    conn.execute(
                        matches.update()
                        .where(matches.c.pk == other.pk)
                        .values(status=row.status, score=row.score, note=row.note, updated_at=row.updated_at)
                    )
                conn.execute(matches.delete().where(matches.c.pk == row.pk))
            events_of_drop = match_events.c.expert_id == drop_id
            conn.execute(match_events.update().where(events_of_drop).values(expert_id=keep.id))
            for demand_id, status in merged_status.items():
                conn.execute(
                    match_events.insert().values(
                        demand_id=demand_id,
                        expert_id=keep.id,
                        from_status=status,
                        to_status=status,
                        note=f"merged duplicate expert {drop_id} into {keep.id}",
                        actor=actor,
                        at=now,
                    )
                )
            self.delete("experts", [drop_id])
