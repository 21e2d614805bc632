"""Tables of the experts' personal links (`api.access.links`): the links and the experts' answers.

A link row holds no secret: a link's token is its id, expert and expiry signed with the link secret
(``HAIZHI_LINK_SECRET`` or one generated into the ``meta`` table), so a stolen database copy without
the secret cannot open links (with the generated secret, the ``meta`` row is that secret).
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text

from matcher.store.tables.records import metadata

# No foreign keys, like the audit log: links and answers outlive deleted experts and demands.
expert_links = Table(
    "expert_links",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("link_id", String(32), nullable=False, unique=True),
    Column("expert_id", String(64), nullable=False),
    Column("purpose", String(16), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(160), nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("revoked_at", DateTime, nullable=True),
    Column("used_at", DateTime, nullable=True),
    Column("last_seen_at", DateTime, nullable=True),
    Column("visits", Integer, nullable=False, default=0),
    Column("note", Text, nullable=False, default=""),
    Index("ix_expert_links_expert", "expert_id"),
    sqlite_autoincrement=True,
)

expert_answers = Table(
    "expert_answers",
    metadata,
    Column("pk", Integer, primary_key=True, autoincrement=True),
    Column("link_id", String(32), nullable=False),
    Column("expert_id", String(64), nullable=False),
    Column("demand_id", String(64), nullable=False),
    Column("answer", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("at", DateTime, nullable=False),
    Index("ix_expert_answers_pair", "expert_id", "demand_id"),
    sqlite_autoincrement=True,
)
