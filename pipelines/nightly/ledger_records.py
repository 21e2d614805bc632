"""Records of the nightly run ledger (runs, deliveries, SMTP checks), read from ``store.ledger`` rows."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from matcher.store import object_from_row

DELIVERY_STATUSES = ("sending", "sent", "failed", "nothing_new", "no_contacts")
RUN_STATUSES = ("running", "finished", "partial", "failed")
SMTP_CHECK_STATUSES = ("ok", "failed", "skipped")
SMTP_CHECK_STAGES = ("", "connect", "tls", "ehlo", "auth", "noop", "quit")
"""Where a failed check stopped (empty when it passed or was skipped)."""


@dataclass(frozen=True)
class SentPair:
    """One (demand, expert) pair in a delivered message."""

    demand_id: str
    expert_id: str
    score: float


@dataclass
class Delivery:
    """The latest delivery attempt of one base for one run date."""

    run_date: date
    base_id: str
    run_id: str
    status: str
    message_id: str | None
    recipients: list[str]
    refused: dict[str, str]
    pairs: list[SentPair]
    demands: int
    experts: int
    attempts: int
    error: str
    reconciled: bool
    updated_at: datetime
    message: bytes | None = field(default=None, repr=False)


@dataclass
class NightlyRun:
    """One run of the nightly batch."""

    run_id: str
    run_date: date
    started_at: datetime
    finished_at: datetime | None
    status: str
    dry_run: bool
    base_filter: str | None
    counts: dict[str, Any]
    error: str


@dataclass(frozen=True)
class SmtpCheck:
    """The mail-path check at the start of a nightly run (or of ``haizhi nightly --check``).

    Attributes:
        status: ``ok``, ``failed`` or ``skipped`` (a dry run writes the outbox and opens no connection).
        server: ``host:port`` checked.
        security: ``none``, ``starttls`` or ``ssl``.
        stage: where a failed check stopped: connect, tls, ehlo, auth, noop or quit.
        reason: why it failed or was skipped, e.g. ``connection refused``.
        checked_at: when the check started (naive UTC).
        authenticated: whether AUTH was part of the check (credentials configured).
    """

    status: str
    server: str
    security: str
    stage: str
    reason: str
    checked_at: datetime
    authenticated: bool = False

    @property
    def ok(self) -> bool:
        """False only for a failed check (a skipped one did not find anything broken)."""
        return self.status != "failed"

    def line(self) -> str:
        """One line for people and monitoring, e.g. ``SMTP check failed: host:587: connection refused``."""
        if self.status == "failed":
            return f"SMTP check failed: {self.server}: {self.reason}"
        if self.status == "skipped":
            return f"SMTP check skipped: {self.reason}"
        auth = ", AUTH" if self.authenticated else ""
        return f"SMTP check ok: {self.server} ({self.security}{auth})"


def delivery_from_row(row: Mapping[str, Any], *, with_message: bool = False) -> Delivery:
    """A `Delivery` from a ``nightly_deliveries`` row (message bytes only when asked for)."""
    return object_from_row(
        Delivery,
        row,
        pairs=[SentPair(*p) for p in json.loads(row["pairs"])],
        message=bytes(row["message"]) if with_message and row["message"] is not None else None,
    )


def run_from_row(row: Mapping[str, Any]) -> NightlyRun:
    """A `NightlyRun` from a ``nightly_runs`` row."""
    return object_from_row(NightlyRun, row)


def smtp_check_from_row(row: Mapping[str, Any]) -> SmtpCheck:
    """An `SmtpCheck` from a ``nightly_smtp_checks`` row."""
    return object_from_row(SmtpCheck, row)
