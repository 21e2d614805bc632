"""Tables of the project flow: demand status history and cooperation records (合作).

They share `matcher.store.tables.records.metadata`, so `Database.create_schema` creates them with the rest.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from matcher.store.tables.records import metadata, pair_columns

# History has no foreign key on purpose (like match_events): it outlives deleted demands.
demand_events = Table(
    "demand_events",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("demand_id", String(64), nullable=False),
    Column("from_status", String(32), nullable=True),
    Column("to_status", String(32), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("actor", String(128), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_demand_events_demand", "demand_id"),
    sqlite_autoincrement=True,
)

cooperations = Table(
    "cooperations",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    *pair_columns(),
    Column("mode", String(32), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("contract_amount_wan", Float, nullable=True),
    Column("result", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("demand_id", "expert_id", name="uq_cooperations_pair"),
    Index("ix_cooperations_expert", "expert_id"),
    sqlite_autoincrement=True,
)
