"""The nightly batch: refresh indexes, match all open demands, assign under caps, mail each base once.

Delivery is exactly-once per base and day as far as our side can tell, and at-least-once with a stable
Message-ID in the one window we cannot observe:

1. ``begin_delivery`` journals the base's Message-ID, recipients, pairs and exact message bytes
   (status ``sending``) and commits, *before* the SMTP conversation.
2. The message goes out over SMTP (one connection per base; a refusal or error marks only that base
   ``failed``, the run goes on, and the next run retries it with freshly computed pairs).
3. Right after the server accepted it, one transaction marks the delivery ``sent``, records its pairs as
   sent and creates their ``recommended`` matches, so a re-run never sends those pairs or that base again.

The crash window is between 2 and 3: the server may have accepted the message but the database does not
know. Such a delivery stays ``sending``; the next run reconciles it *before* planning: with the default
``resend`` policy it re-sends the journaled bytes verbatim — same Message-ID, so mail systems and
clients that de-duplicate by Message-ID show it once — and then records it as sent; with ``mark-sent``
it records it as sent without sending (at-most-once: prefer when a duplicate is worse than a loss).
Either way its pairs are recorded exactly once and the base is not mailed fresh pairs for that day.

Failure points for crash tests: ``HAIZHI_NIGHTLY_FAIL_AT=<point>:<n>`` makes the process exit hard
(``os._exit``) at ``before_smtp``, ``after_smtp`` or ``after_commit`` of the n-th base being sent.
"""

from __future__ import annotations

import email
import fcntl
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal, Protocol

from matcher.flow import ProjectFlow
from matcher.service import Matcher
from matcher.store.ledger_api import SentPair
from pipelines.nightly_plan import BaseDigest, build_plan, route_demands
from pipelines.notify import DeliveryError, SmtpMailer, compose, recipients_of, sender_of, write_eml

FAIL_ENV = "HAIZHI_NIGHTLY_FAIL_AT"
FAIL_EXIT_CODE = 75
ReconcilePolicy = Literal["resend", "mark-sent"]


class Mailer(Protocol):
    """Anything that sends raw message bytes and returns the refused recipients."""

    def send(self, data: bytes, sender: str, recipients: list[str]) -> dict[str, str]:
        """Send; raise `DeliveryError` when nothing was accepted."""
        ...


@dataclass
class BaseOutcome:
    """What happened to one base in a run."""

    base_id: str
    status: str  # sent | failed | nothing_new | no_contacts | dry_run | reconciled
    recipients: list[str] = field(default_factory=list)
    demands: int = 0
    experts: int = 0
    pairs: int = 0
    message_id: str | None = None
    refused: dict[str, str] = field(default_factory=dict)
    error: str = ""
    path: str | None = None


@dataclass
class NightlyReport:
    """Outcome of one nightly run."""

    run_id: str
    run_date: date
    dry_run: bool
    counts: dict[str, Any] = field(default_factory=dict)
    bases: list[BaseOutcome] = field(default_factory=list)

    @property
    def status(self) -> str:
        """``partial`` when a base failed, else ``finished``."""
        return "partial" if any(b.status == "failed" for b in self.bases) else "finished"

    def summary(self) -> str:
        """Human-readable lines for the CLI."""
        c = self.counts
        lines = [
            f"nightly {self.run_date} run {self.run_id}{' (dry run)' if self.dry_run else ''}: {self.status}",
            f"  demands {c.get('open_demands', 0)}, candidates {c.get('candidates', 0)}, "
            f"assigned {c.get('assigned_pairs', 0)} pairs ({c.get('assign_method', '-')}); "
            f"caps cost {c.get('cap_cost', 0)} of {c.get('uncapped_score', 0)} score "
            f"({c.get('cap_cost_pct', 0)} %)",
        ]
        for b in self.bases:
            detail = b.path or b.error or ", ".join(b.recipients)
            lines.append(
                f"  {b.base_id:<10} {b.status:<12} {b.demands:>3} demands {b.pairs:>4} pairs  {detail}"
            )
        if c.get("skipped_bases"):
            lines.append(f"  already sent today, skipped: {', '.join(c['skipped_bases'])}")
        return "\n".join(lines)


def _maybe_crash(point: str, count: int) -> None:
    """Exit hard at an injected failure point (crash tests only; see the module docstring)."""
    if os.environ.get(FAIL_ENV, "") == f"{point}:{count}":
        os._exit(FAIL_EXIT_CODE)


@contextmanager
def _run_lock(directory: Path) -> Iterator[None]:
    """One nightly run at a time per data directory (a second one fails at once instead of racing)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / "nightly.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another nightly run holds {directory / 'nightly.lock'}") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def outbox_dir(matcher: Matcher) -> Path:
    """Where ``--dry-run`` writes its .eml files (``outbox_dir`` or ``<data_dir>/outbox``)."""
    return matcher.settings.outbox_dir or matcher.settings.data_dir / "outbox"


def run_nightly(
    matcher: Matcher,
    *,
    run_date: date | None = None,
    dry_run: bool = False,
    base_id: str | None = None,
    mailer: Mailer | None = None,
    reconcile: ReconcilePolicy = "resend",
    refresh: bool = True,
) -> NightlyReport:
    """Run the nightly batch once (see the module docstring for the delivery guarantees).

    Args:
        matcher: the matcher over the data directory (its store holds the ledger).
        run_date: the day the lists are for (default: today); a base is mailed at most once per day.
        dry_run: write the messages as .eml files into the outbox instead of sending or recording them.
        base_id: only this base.
        mailer: how to send (default: SMTP from the settings).
        reconcile: what to do with a delivery a crashed run left ``sending``: ``resend`` or ``mark-sent``.
        refresh: update the indexes first (re-embeds only changed records).

    Raises:
        ValueError: if ``base_id`` names no active base.
        RuntimeError: if another nightly run is active on this data directory.
    """
    day = run_date or date.today()
    report = NightlyReport(run_id=f"{day:%Y%m%d}-{uuid.uuid4().hex[:10]}", run_date=day, dry_run=dry_run)
    store = matcher.store
    with _run_lock(matcher.settings.data_dir):
        for stale in store.list_nightly_runs(limit=50):
            if stale.status == "running":  # we hold the lock, so that run died without finishing
                store.finish_nightly_run(
                    stale.run_id, "failed", stale.counts, error=f"interrupted; found by {report.run_id}"
                )
        store.start_nightly_run(report.run_id, day, dry_run=dry_run, base_filter=base_id)
        try:
            _run(matcher, report, base_id, mailer, reconcile, refresh)
        except BaseException as error:
            store.finish_nightly_run(
                report.run_id, "failed", report.counts, error=f"{type(error).__name__}: {error}"
            )
            raise
        report.counts["bases"] = {b.base_id: b.status for b in report.bases}
        store.finish_nightly_run(report.run_id, report.status, report.counts)
    return report


def _run(
    matcher: Matcher,
    report: NightlyReport,
    base_id: str | None,
    mailer: Mailer | None,
    reconcile: ReconcilePolicy,
    refresh: bool,
) -> None:
    store = matcher.store
    if refresh:
        built = matcher.build_index()
        report.counts["refreshed"] = {
            "experts": asdict(built.experts),
            "demands": asdict(built.demands),
            "embedded": built.cache_misses,
        }
    if not report.dry_run:
        mailer = mailer or SmtpMailer.from_settings(matcher.settings)
        report.bases += _reconcile(matcher, mailer, reconcile)
    sent_today = {d.base_id for d in store.deliveries(run_date=report.run_date, statuses=["sent"])}
    in_scope = {base_id} if base_id is not None else set(route_demands(matcher, report.run_date).bases)
    if in_scope <= sent_today:  # nothing left to send today: skip the matching work entirely
        report.counts["skipped_bases"] = sorted(in_scope)
        return
    # bases already sent today stay in the plan (same caps as the first run of the day) but are not mailed
    plan = build_plan(matcher, report.run_date, base_filter=base_id)
    report.counts.update(plan.counts)
    report.counts["skipped_bases"] = sorted(d.base.id for d in plan.digests if d.base.id in sent_today)
    accepted = 0
    for digest in plan.digests:
        if digest.base.id in sent_today:
            continue
        outcome = _deliver(matcher, report, digest, mailer, accepted + 1)
        accepted += outcome.status == "sent"
        report.bases.append(outcome)


def _deliver(
    matcher: Matcher, report: NightlyReport, digest: BaseDigest, mailer: Mailer | None, ordinal: int
) -> BaseOutcome:
    store, base = matcher.store, digest.base
    pairs = [SentPair(d, e, s) for d, e, s in digest.pairs]
    outcome = BaseOutcome(
        base.id,
        "nothing_new",
        list(base.contact_emails),
        digest.demand_count,
        digest.expert_count,
        len(pairs),
    )
    if not pairs or not base.contact_emails:
        outcome.status = "nothing_new" if not pairs else "no_contacts"
        if not report.dry_run:
            store.record_delivery_outcome(
                report.run_date, base.id, run_id=report.run_id, status=outcome.status
            )
        return outcome
    message = compose(
        digest, run_date=report.run_date, run_id=report.run_id, mail_from=matcher.settings.mail_from
    )
    data = message.as_bytes()
    outcome.message_id = str(message["Message-ID"])
    if report.dry_run:
        directory = outbox_dir(matcher) / report.run_date.isoformat()
        outcome.status, outcome.path = "dry_run", str(write_eml(directory, base.id, data))
        return outcome
    assert mailer is not None
    recipients = recipients_of(message)
    store.begin_delivery(
        report.run_date,
        base.id,
        run_id=report.run_id,
        message_id=outcome.message_id,
        recipients=recipients,
        pairs=pairs,
        demands=digest.demand_count,
        experts=digest.expert_count,
        message=data,
    )
    _maybe_crash("before_smtp", ordinal)
    try:
        outcome.refused = mailer.send(data, sender_of(message), recipients)
    except DeliveryError as error:
        outcome.status, outcome.error = "failed", str(error)
        store.record_delivery_outcome(
            report.run_date, base.id, run_id=report.run_id, status="failed", error=str(error)
        )
        return outcome
    _maybe_crash("after_smtp", ordinal)
    store.record_delivery_sent(report.run_date, base.id, refused=outcome.refused)
    _maybe_crash("after_commit", ordinal)
    _follow_flow(matcher, [p.demand_id for p in pairs])
    outcome.status = "sent"
    return outcome


def _reconcile(matcher: Matcher, mailer: Mailer, policy_name: ReconcilePolicy) -> list[BaseOutcome]:
    """Settle deliveries a crashed run left ``sending`` (see the module docstring)."""
    outcomes = []
    for pending in matcher.store.pending_deliveries():
        outcome = BaseOutcome(
            pending.base_id,
            "reconciled",
            pending.recipients,
            pending.demands,
            pending.experts,
            len(pending.pairs),
            pending.message_id,
        )
        if policy_name == "resend":
            if pending.message is None:
                raise RuntimeError(
                    f"delivery of {pending.base_id} on {pending.run_date} has no journaled message"
                )
            parsed = email.message_from_bytes(pending.message, _class=EmailMessage, policy=policy.SMTP)
            try:
                outcome.refused = mailer.send(pending.message, sender_of(parsed), pending.recipients)
            except DeliveryError as error:
                outcome.status, outcome.error = "failed", f"reconcile re-send: {error}"
                matcher.store.record_delivery_outcome(
                    pending.run_date,
                    pending.base_id,
                    run_id=pending.run_id,
                    status="failed",
                    error=outcome.error,
                )
                outcomes.append(outcome)
                continue
        matcher.store.record_delivery_sent(
            pending.run_date, pending.base_id, refused=outcome.refused, reconciled=True
        )
        _follow_flow(matcher, [p.demand_id for p in pending.pairs])
        outcomes.append(outcome)
    return outcomes


def _follow_flow(matcher: Matcher, demand_ids: list[str]) -> None:
    """Recommended matches move their demands from open to matching (project flow)."""
    ProjectFlow.for_matcher(matcher).sync_many(demand_ids, actor="nightly")
