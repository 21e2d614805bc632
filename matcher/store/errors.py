"""Errors the store raises, shared by every repository.

`DatabaseError` and `DatabaseDriverError` name SQLAlchemy's errors, so that callers outside
``matcher.store`` can catch a failing database without importing SQLAlchemy themselves.
"""

from sqlalchemy.exc import DBAPIError as DatabaseDriverError
from sqlalchemy.exc import SQLAlchemyError as DatabaseError

__all__ = [
    "DatabaseDriverError",
    "DatabaseError",
    "InvalidTransition",
    "RecordNotFound",
    "SchemaVersionError",
]


class SchemaVersionError(RuntimeError):
    """The database was written by a newer Haizhi Match (or is not a Haizhi Match database)."""


class RecordNotFound(LookupError):
    """A demand, expert, site or key id that is not in the store."""


class InvalidTransition(ValueError):
    """A match status change that the lifecycle does not allow."""
