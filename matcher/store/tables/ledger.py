"""Tables of the nightly run ledger: runs, per-base deliveries, every pair already sent, SMTP checks.

Part of the shared ``metadata``, so `Database.create_schema` creates them with the rest of the schema.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from matcher.store.tables.records import metadata

nightly_runs = Table(
    "nightly_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("run_date", Date, nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    # running | finished (every base done) | partial (some base failed) | failed (the run crashed)
    Column("status", String(16), nullable=False),
    Column("dry_run", Boolean, nullable=False),
    Column("base_filter", String(64), nullable=True),
    Column("counts", Text, nullable=False, default="{}"),  # JSON: demands, candidates, scores …
    Column("error", Text, nullable=False, default=""),
    Index("ix_nightly_runs_date", "run_date"),
)

# One row per (run date, base): attempts of later runs of the same day update it in place.
# ``sending`` rows are the idempotency journal: written with the Message-ID and the exact message
# before the SMTP conversation starts, moved to ``sent`` in the transaction that records the pairs.
nightly_deliveries = Table(
    "nightly_deliveries",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("run_date", Date, nullable=False),
    Column("base_id", String(64), nullable=False),
    Column("run_id", String(64), nullable=False),  # the run of the latest attempt
    # sending | sent | failed | nothing_new | no_contacts
    Column("status", String(16), nullable=False),
    Column("message_id", String(255), nullable=True),
    Column("recipients", Text, nullable=False, default="[]"),  # JSON list
    Column("refused", Text, nullable=False, default="{}"),  # JSON: recipient → SMTP reply
    Column("pairs", Text, nullable=False, default="[]"),  # JSON: the pairs in the message
    Column("demands", Integer, nullable=False, default=0),
    Column("experts", Integer, nullable=False, default=0),
    Column("message", LargeBinary, nullable=True),  # the exact bytes, re-sent verbatim on reconcile
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=False, default=""),
    Column("reconciled", Boolean, nullable=False, default=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("run_date", "base_id", name="uq_nightly_delivery_day_base"),
    Index("ix_nightly_deliveries_status", "status"),
    sqlite_autoincrement=True,
)

# No foreign keys: the record of what was sent outlives deleted demands and experts.
nightly_sent_pairs = Table(
    "nightly_sent_pairs",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("demand_id", String(64), nullable=False),
    Column("expert_id", String(64), nullable=False),
    Column("base_id", String(64), nullable=False),
    Column("run_date", Date, nullable=False),
    Column("message_id", String(255), nullable=False),
    Column("score", Float, nullable=True),
    Column("sent_at", DateTime, nullable=False),
    UniqueConstraint("demand_id", "expert_id", name="uq_nightly_sent_pair"),
    sqlite_autoincrement=True,
)

# One row per run: the SMTP check it made before anything else. A table of its own (not columns of
# nightly_runs) so that databases created before it get it from `create_schema` without a migration.
nightly_smtp_checks = Table(
    "nightly_smtp_checks",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("checked_at", DateTime, nullable=False),
    Column("status", String(16), nullable=False),  # ok | failed | skipped
    Column("server", String(255), nullable=False),  # host:port
    Column("security", String(16), nullable=False),  # none | starttls | ssl
    Column("authenticated", Boolean, nullable=False, default=False),
    Column("stage", String(16), nullable=False, default=""),  # where a failed check stopped
    Column("reason", Text, nullable=False, default=""),
    Index("ix_nightly_smtp_checks_at", "checked_at"),
)
