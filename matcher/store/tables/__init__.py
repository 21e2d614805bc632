"""Database schema (SQLAlchemy Core), one module per concern, all on one shared ``metadata``.

Importing this package registers every table, so `Database.create_schema` creates them all.
"""

from matcher.store.tables.access import add_missing_columns, api_keys, audit_log
from matcher.store.tables.events import EVENT_TABLES
from matcher.store.tables.flow import cooperations, demand_events
from matcher.store.tables.ledger import (
    nightly_deliveries,
    nightly_runs,
    nightly_sent_pairs,
    nightly_smtp_checks,
)
from matcher.store.tables.links import expert_answers, expert_links
from matcher.store.tables.records import (
    CURRENT_SCHEMA_VERSION,
    RECORD_TABLES,
    SCHEMA_VERSION_KEY,
    is_list_field,
    match_events,
    matches,
    meta,
    metadata,
)

MIGRATED_TABLES = (api_keys,)
"""Tables that gained nullable columns after release; `add_missing_columns` upgrades them."""

__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "EVENT_TABLES",
    "MIGRATED_TABLES",
    "RECORD_TABLES",
    "SCHEMA_VERSION_KEY",
    "add_missing_columns",
    "api_keys",
    "audit_log",
    "cooperations",
    "demand_events",
    "expert_answers",
    "expert_links",
    "is_list_field",
    "match_events",
    "matches",
    "meta",
    "metadata",
    "nightly_deliveries",
    "nightly_runs",
    "nightly_sent_pairs",
    "nightly_smtp_checks",
]
