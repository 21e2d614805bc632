"""Storage: SQLAlchemy 2 Core over SQLite (default) or PostgreSQL. The only package that speaks SQL.

`Store` composes one repository per concern on one `Database`; see `matcher.store.store`.
"""

from matcher.store.database import Database, make_engine, utc_now
from matcher.store.errors import (
    DatabaseDriverError,
    DatabaseError,
    InvalidTransition,
    RecordNotFound,
    SchemaVersionError,
)
from matcher.store.repositories.flow import Cooperation, CooperationResult, DemandEvent
from matcher.store.repositories.freshness import ChangedRows, ChangeStamp
from matcher.store.repositories.matches import (
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    MatchEvent,
    check_transition,
)
from matcher.store.repositories.records import UpsertResult
from matcher.store.rows import Row, object_from_row, row_from_object
from matcher.store.store import Store
from matcher.store.tables import CURRENT_SCHEMA_VERSION

__all__ = [
    "ALLOWED_TRANSITIONS",
    "CURRENT_SCHEMA_VERSION",
    "OPEN_STATUSES",
    "ChangeStamp",
    "ChangedRows",
    "Cooperation",
    "CooperationResult",
    "Database",
    "DatabaseDriverError",
    "DatabaseError",
    "DemandEvent",
    "InvalidTransition",
    "MatchEvent",
    "RecordNotFound",
    "Row",
    "SchemaVersionError",
    "Store",
    "UpsertResult",
    "check_transition",
    "make_engine",
    "object_from_row",
    "row_from_object",
    "utc_now",
]
