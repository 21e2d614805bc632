"""Tables of docking events (洽谈活动): events, slots, participants, pair rules, meetings, mailings.

Part of the shared ``metadata``, so `Database.create_schema` creates them on databases of any age.
Every child row carries its ``event_id``; deleting an event deletes them (``ON DELETE CASCADE``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from matcher.store.tables.records import metadata


def _event_fk() -> Column[str]:
    return Column("event_id", String(64), ForeignKey("events.id", ondelete="CASCADE"), nullable=False)


events = Table(
    "events",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", Text, nullable=False),
    Column("expert_limit", Integer, nullable=True),  # default per-expert meeting limit
    Column("enterprise_limit", Integer, nullable=True),
    Column("top_n", Integer, nullable=False, default=10),  # candidate experts per demand
    Column("location", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("planned_at", DateTime, nullable=True),
    Column("plan_summary", Text, nullable=False, default="{}"),  # JSON: objective, bound, status …
)

event_slots = Table(
    "event_slots",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    _event_fk(),
    Column("slot_id", String(64), nullable=False),
    Column("starts_at", DateTime, nullable=False),
    Column("ends_at", DateTime, nullable=False),
    Column("tables", Integer, nullable=False, default=0),
    Column("rooms", Integer, nullable=False, default=0),
    UniqueConstraint("event_id", "slot_id", name="uq_event_slot"),
    sqlite_autoincrement=True,
)

# kind: expert | enterprise. Enterprises list their demands (JSON); experts are on site or remote.
event_participants = Table(
    "event_participants",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    _event_fk(),
    Column("kind", String(16), nullable=False),
    Column("participant_id", String(64), nullable=False),
    Column("name", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("remote", Boolean, nullable=False, default=False),
    Column("meeting_limit", Integer, nullable=True),
    Column("priority", Float, nullable=False, default=0.0),
    Column("slots", Text, nullable=True),  # JSON list of available slot ids; NULL: all
    Column("demands", Text, nullable=False, default="[]"),  # JSON list (enterprises)
    Column("station_id", String(64), nullable=True),  # the enterprise's station (scope of station keys)
    Column("cancelled_at", DateTime, nullable=True),
    UniqueConstraint("event_id", "kind", "participant_id", name="uq_event_participant"),
    sqlite_autoincrement=True,
)

# rule: require (must meet) | bonus (priority bonus) | forbid
event_pair_rules = Table(
    "event_pair_rules",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    _event_fk(),
    Column("expert_id", String(64), nullable=False),
    Column("demand_id", String(64), nullable=False),
    Column("rule", String(16), nullable=False),
    Column("bonus", Float, nullable=False, default=0.0),
    UniqueConstraint("event_id", "expert_id", "demand_id", name="uq_event_pair_rule"),
    sqlite_autoincrement=True,
)

event_meetings = Table(
    "event_meetings",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    _event_fk(),
    Column("slot_id", String(64), nullable=False),
    Column("venue", String(8), nullable=False),  # table | room
    Column("number", Integer, nullable=False),
    Column("expert_id", String(64), nullable=False),
    Column("demand_id", String(64), nullable=False),
    Column("enterprise_id", String(64), nullable=False),
    Column("weight", Float, nullable=False),
    Column("score", Float, nullable=False),
    Column("created_at", DateTime, nullable=False),
    UniqueConstraint("event_id", "slot_id", "venue", "number", name="uq_event_meeting_place"),
    Index("ix_event_meetings_event", "event_id"),
    sqlite_autoincrement=True,
)

# The last schedule mailed to each participant: its fingerprint decides whether a re-run mails again.
event_mailings = Table(
    "event_mailings",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    _event_fk(),
    Column("kind", String(16), nullable=False),
    Column("participant_id", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("message_id", Text, nullable=False),
    Column("recipients", Text, nullable=False, default="[]"),
    Column("sent_at", DateTime, nullable=False),
    UniqueConstraint("event_id", "kind", "participant_id", name="uq_event_mailing"),
    sqlite_autoincrement=True,
)

EVENT_TABLES = (events, event_slots, event_participants, event_pair_rules, event_meetings, event_mailings)
