"""Storage: SQLAlchemy 2 Core over SQLite (default) or PostgreSQL. The only package that speaks SQL."""

# Re-exported so callers catch database errors without importing SQLAlchemy themselves.
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from matcher.store.base import SchemaVersionError, make_engine
from matcher.store.matches_api import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    InvalidTransition,
    MatchEvent,
    RecordNotFound,
    check_transition,
)
from matcher.store.records_api import UpsertResult
from matcher.store.store import Store
from matcher.store.tables import CURRENT_SCHEMA_VERSION

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CURRENT_SCHEMA_VERSION",
    "OPEN_STATUSES",
    "DBAPIError",
    "InvalidTransition",
    "MatchEvent",
    "RecordNotFound",
    "SQLAlchemyError",
    "SchemaVersionError",
    "Store",
    "UpsertResult",
    "check_transition",
    "make_engine",
]
