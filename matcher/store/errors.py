"""Errors the store raises, shared by every repository."""


class SchemaVersionError(RuntimeError):
    """The database was written by a newer Haizhi Match (or is not a Haizhi Match database)."""


class RecordNotFound(LookupError):
    """A demand, expert, site or key id that is not in the store."""


class InvalidTransition(ValueError):
    """A match status change that the lifecycle does not allow."""
