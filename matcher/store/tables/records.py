"""Database schema (SQLAlchemy Core) for records, matches, match history and metadata.

Record tables are derived from the pydantic record models, so a field added to a record gets a
column without a second definition here. Every column type is portable between SQLite and
PostgreSQL: list fields are JSON text, enums are short strings, timestamps are naive UTC.
"""

from __future__ import annotations

import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeEngine

from matcher.domain.records import RECORD_TYPES, Record

CURRENT_SCHEMA_VERSION = 1
"""Bumped whenever the schema changes incompatibly; stored in ``meta`` under ``schema_version``."""

SCHEMA_VERSION_KEY = "schema_version"

metadata = MetaData()

# Columns every record table has besides the record's own fields.
_BOOKKEEPING = ("pk", "content_hash", "row_created_at", "row_updated_at")


def _unwrap_optional(annotation: Any) -> Any:
    """Return ``X`` for ``X | None`` (or ``Optional[X]``), else the annotation unchanged."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def is_list_field(annotation: Any) -> bool:
    """True when a record field holds a list (stored as JSON text)."""
    return typing.get_origin(_unwrap_optional(annotation)) is list


def column_type(annotation: Any) -> TypeEngine[Any]:
    """Portable SQL type for a record field annotation."""
    inner = _unwrap_optional(annotation)
    if typing.get_origin(inner) is list:
        return Text()
    if isinstance(inner, type):
        if issubclass(inner, bool):
            return Boolean()
        if issubclass(inner, Enum):
            return String(32)
        if issubclass(inner, int):
            return Integer()
        if issubclass(inner, float):
            return Float()
        if issubclass(inner, datetime):
            return DateTime()
        if issubclass(inner, date):
            return Date()
    return Text()


def _record_table(kind: str, model: type[Record]) -> Table:
    columns: list[Column[Any]] = [
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("id", String(64), nullable=False, unique=True),
    ]
    for name, info in model.model_fields.items():
        if name == "id":
            continue
        if name in _BOOKKEEPING:
            raise ValueError(f"record field {kind}.{name} collides with a bookkeeping column")
        nullable = not info.is_required() or _unwrap_optional(info.annotation) is not info.annotation
        columns.append(Column(name, column_type(info.annotation), nullable=nullable))
    columns += [
        Column("content_hash", String(64), nullable=False),
        # ``row_`` prefix: a record may have its own ``updated_at`` (the profile's date).
        Column("row_created_at", DateTime, nullable=False),
        # indexed: the index-freshness check reads the rows updated since a build
        Column("row_updated_at", DateTime, nullable=False, index=True),
    ]
    # sqlite_autoincrement: SQLite never reuses a deleted pk, like a PostgreSQL sequence.
    return Table(kind, metadata, *columns, sqlite_autoincrement=True)


RECORD_TABLES: dict[str, Table] = {kind: _record_table(kind, model) for kind, model in RECORD_TYPES.items()}


def pair_columns() -> tuple[Column[str], Column[str]]:
    """``demand_id`` and ``expert_id`` of a (demand, expert) pair table, following deletes and renames."""
    return (
        Column(
            "demand_id",
            String(64),
            ForeignKey("demands.id", ondelete="CASCADE", onupdate="CASCADE"),
            nullable=False,
        ),
        Column(
            "expert_id",
            String(64),
            ForeignKey("experts.id", ondelete="CASCADE", onupdate="CASCADE"),
            nullable=False,
        ),
    )


matches = Table(
    "matches",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    *pair_columns(),
    Column("status", String(32), nullable=False),
    Column("score", Float, nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("demand_id", "expert_id", name="uq_matches_pair"),
    Index("ix_matches_expert_status", "expert_id", "status"),
    sqlite_autoincrement=True,
)

# History has no foreign keys on purpose: it outlives deleted demands and experts.
match_events = Table(
    "match_events",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("demand_id", String(64), nullable=False),
    Column("expert_id", String(64), nullable=False),
    Column("from_status", String(32), nullable=True),
    Column("to_status", String(32), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("actor", String(128), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_match_events_pair", "demand_id", "expert_id"),
    sqlite_autoincrement=True,
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("value", Text, nullable=False),
)
