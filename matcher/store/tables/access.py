"""Tables of the API's access control: hashed API keys and the audit log of every write.

The key policy and the audit records live in `api.access`; only the tables (SQL) stay here.
"""

from __future__ import annotations

from sqlalchemy import Column, Connection, DateTime, Index, Integer, String, Table, Text, inspect

from matcher.store.tables.records import metadata

# Only the SHA-256 of a key's secret is stored; the secret itself is shown once, at creation.
api_keys = Table(
    "api_keys",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("key_id", String(32), nullable=False, unique=True),
    Column("name", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("site_id", String(64), nullable=True),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    Column("last_used_at", DateTime, nullable=True),
    # Added after the first release (see `add_missing_columns`): expiry and rotation with a grace period.
    Column("expires_at", DateTime, nullable=True),
    Column("rotated_at", DateTime, nullable=True),
    Column("previous_secret_hash", String(64), nullable=True),
    Column("previous_secret_valid_until", DateTime, nullable=True),
    sqlite_autoincrement=True,
)

# No foreign keys: the log outlives revoked keys and deleted records.
audit_log = Table(
    "audit_log",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("key_id", String(32), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("role", String(16), nullable=False),
    Column("site_id", String(64), nullable=True),
    Column("action", String(64), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target_id", String(160), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_target", "target_kind", "target_id"),
    sqlite_autoincrement=True,
)


def add_missing_columns(conn: Connection, table: Table) -> list[str]:
    """Add the nullable columns of ``table`` that an older database lacks (SQLite and PostgreSQL).

    ``create_all`` creates missing tables but never alters existing ones, so columns added to a table
    after release are added here. Run it inside the schema's write transaction: on SQLite that holds
    the write lock, and PostgreSQL's ``IF NOT EXISTS`` makes two servers upgrading at once harmless.

    Returns:
        The names of the columns added.

    Raises:
        ValueError: if a missing column is NOT NULL (that needs a real migration, not this).
    """
    present = {column["name"] for column in inspect(conn).get_columns(table.name)}
    missing = [column for column in table.columns if column.name not in present]
    postgres = conn.dialect.name == "postgresql"
    for column in missing:
        if not column.nullable:
            raise ValueError(f"cannot add NOT NULL column {table.name}.{column.name} to an existing table")
        preparer = conn.dialect.identifier_preparer
        sql_type = column.type.compile(dialect=conn.dialect)
        exists_clause = "IF NOT EXISTS " if postgres else ""
        conn.exec_driver_sql(
            f"ALTER TABLE {preparer.format_table(table)} ADD COLUMN {exists_clause}"
            f"{preparer.format_column(column)} {sql_type}"
        )
    return [column.name for column in missing]
