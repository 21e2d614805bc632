"""The nightly batch: check SMTP, refresh indexes, match all open demands, assign under caps, mail each base.

Every run starts with an SMTP check (`SmtpMailer.check`: connect, EHLO, STARTTLS/TLS, AUTH, NOOP, QUIT)
recorded in the ledger. When it fails the run stops there, as ``failed`` with the reason: nothing is sent,
reconciled or recorded as sent, so a broken mail path is never silent, even on a day with nothing to send.
A dry run writes the outbox and opens no connection; its check is recorded as ``skipped``.

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
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import date
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Literal, Protocol

from matcher.operations.flow import ProjectFlow
from matcher.service import Matcher
from matcher.store import utc_now
from pipelines.distributed import Engine
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.ledger_records import SentPair, SmtpCheck
from pipelines.nightly.notify import (
    DeliveryError,
    SmtpMailer,
    compose,
    expert_links_for,
    recipients_of,
    sender_of,
    write_eml,
)
from pipelines.nightly.plan import BaseDigest, build_plan, route_demands
from pipelines.nightly.report import BaseOutcome, NightlyReport
from pipelines.nightly.settings import nightly_settings

FAIL_ENV = "HAIZHI_NIGHTLY_FAIL_AT"
FAIL_EXIT_CODE = 75
ReconcilePolicy = Literal["resend", "mark-sent"]
LOCK_NAME = "nightly.lock"
LOCK_WAIT_S = 1.0
"""How long a run waits for the lock: covers a monitoring probe's instant look, not a second run."""


class Mailer(Protocol):
    """Anything that checks its path and sends raw message bytes, returning the refused recipients."""

    def check(self) -> SmtpCheck:
        """Check the path to the server without sending; never raises."""
        ...

    def send(self, data: bytes, sender: str, recipients: list[str]) -> dict[str, str]:
        """Send; raise `DeliveryError` when nothing was accepted."""
        ...


def _maybe_crash(point: str, count: int) -> None:
    """Exit hard at an injected failure point (crash tests only; see the module docstring)."""
    if os.environ.get(FAIL_ENV, "") == f"{point}:{count}":
        os._exit(FAIL_EXIT_CODE)


@contextmanager
def _run_lock(directory: Path) -> Iterator[None]:
    """One nightly run at a time per data directory (a second one fails within `LOCK_WAIT_S`, never races)."""
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / LOCK_NAME, "w") as handle:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"another nightly run holds {directory / LOCK_NAME}") from None
                time.sleep(0.05)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def nightly_running(directory: Path) -> bool:
    """True while a nightly run holds the data directory's lock (a ``running`` run without it died)."""
    path = directory / LOCK_NAME
    if not path.exists():
        return False
    with open(path, "a") as handle:  # "a": looking must not truncate or create anything
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


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
    show_progress: bool = True,
    engine: Engine | None = None,
) -> NightlyReport:
    """Run the nightly batch once (see the module docstring for the delivery guarantees).

    Args:
        matcher: the matcher over the data directory (its store holds the ledger).
        run_date: the day the lists are for (default: today); a base is mailed at most once per day.
        dry_run: write the messages as .eml files into the outbox instead of sending or recording them.
        base_id: only this base.
        mailer: how to check the mail path and send (default: SMTP from the settings; unused in a dry
            run). A failed check makes the run ``failed`` (`NightlyReport.mail_path_broken`).
        reconcile: what to do with a delivery a crashed run left ``sending``: ``resend`` or ``mark-sent``.
        refresh: update the indexes first (re-embeds only changed records).
        show_progress: progress bars (ETA) for the index refresh and the planning, drawn only on a
            terminal (`embeddings.progress`).
        engine: where the refresh embeds and the batch matches (default: this process); the ledger
            and the mail stay here, so the delivery guarantees are the same on every engine.

    Raises:
        ValueError: if ``base_id`` names no active base.
        RuntimeError: if another nightly run is active on this data directory.
    """
    day = run_date or date.today()
    report = NightlyReport(run_id=f"{day:%Y%m%d}-{uuid.uuid4().hex[:10]}", run_date=day, dry_run=dry_run)
    ledger = NightlyLedger(matcher.store)
    with _run_lock(matcher.settings.data_dir):
        for stale in ledger.runs(limit=50):
            if stale.status == "running":  # we hold the lock, so that run died without finishing
                ledger.finish_run(
                    stale.run_id, "failed", stale.counts, error=f"interrupted; found by {report.run_id}"
                )
        ledger.start_run(report.run_id, day, dry_run=dry_run, base_filter=base_id)
        try:
            if not dry_run and mailer is None:
                mailer = SmtpMailer.from_settings(nightly_settings(matcher.settings))
            elif dry_run:
                mailer = None
            report.smtp_check = _check_mail_path(matcher, mailer)
            ledger.record_smtp_check(report.run_id, report.smtp_check)
            if not report.mail_path_broken:
                _run(matcher, report, base_id, mailer, reconcile, refresh, show_progress, engine)
        except BaseException as error:
            ledger.finish_run(
                report.run_id, "failed", report.counts, error=f"{type(error).__name__}: {error}"
            )
            raise
        report.counts["bases"] = {b.base_id: b.status for b in report.bases}
        ledger.finish_run(report.run_id, report.status, report.counts, error=report.failure)
    return report


def _check_mail_path(matcher: Matcher, mailer: Mailer | None) -> SmtpCheck:
    """The mailer's check; a dry run (no mailer) writes the outbox, so it checks nothing and says so."""
    if mailer is not None:
        return mailer.check()
    settings = nightly_settings(matcher.settings)
    reason = f"dry run writes the outbox {outbox_dir(matcher)}; no SMTP connection"
    server = f"{settings.smtp_host}:{settings.smtp_port}"
    return SmtpCheck("skipped", server, settings.smtp_security, "", reason, utc_now())


def _run(
    matcher: Matcher,
    report: NightlyReport,
    base_id: str | None,
    mailer: Mailer | None,
    reconcile: ReconcilePolicy,
    refresh: bool,
    show_progress: bool = False,
    engine: Engine | None = None,
) -> None:
    ledger = NightlyLedger(matcher.store)
    if refresh:
        bulk = engine.bulk_encoder(matcher) if engine else None
        built = matcher.build_index(show_progress=show_progress, bulk_encoder=bulk)
        report.counts["refreshed"] = {
            "experts": asdict(built.experts),
            "demands": asdict(built.demands),
            "embedded": built.cache_misses,
        }
    if mailer is not None:  # None only for a dry run
        report.bases += _reconcile(matcher, mailer, reconcile)
    sent_today = {d.base_id for d in ledger.deliveries(run_date=report.run_date, statuses=["sent"])}
    in_scope = {base_id} if base_id is not None else set(route_demands(matcher, report.run_date).bases)
    if in_scope <= sent_today:  # nothing left to send today: skip the matching work entirely
        report.counts["skipped_bases"] = sorted(in_scope)
        return
    # bases already sent today stay in the plan (same caps as the first run of the day) but are not mailed
    plan = build_plan(
        matcher, report.run_date, base_filter=base_id, show_progress=show_progress, engine=engine
    )
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
    ledger, base = NightlyLedger(matcher.store), digest.base
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
            ledger.record_delivery_outcome(
                report.run_date, base.id, run_id=report.run_id, status=outcome.status
            )
        return outcome
    message = compose(
        digest,
        run_date=report.run_date,
        run_id=report.run_id,
        mail_from=nightly_settings(matcher.settings).mail_from,
        # experts' personal links when HAIZHI_PUBLIC_URL is set; a dry run stores none
        links=None if report.dry_run else expert_links_for(matcher.store, digest, run_id=report.run_id),
    )
    data = message.as_bytes()
    outcome.message_id = str(message["Message-ID"])
    if report.dry_run:
        directory = outbox_dir(matcher) / report.run_date.isoformat()
        outcome.status, outcome.path = "dry_run", str(write_eml(directory, base.id, data))
        return outcome
    assert mailer is not None
    recipients = recipients_of(message)
    ledger.begin_delivery(
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
        ledger.record_delivery_outcome(
            report.run_date, base.id, run_id=report.run_id, status="failed", error=str(error)
        )
        return outcome
    _maybe_crash("after_smtp", ordinal)
    ledger.record_delivery_sent(report.run_date, base.id, refused=outcome.refused)
    _maybe_crash("after_commit", ordinal)
    _follow_flow(matcher, [p.demand_id for p in pairs])
    outcome.status = "sent"
    return outcome


def _reconcile(matcher: Matcher, mailer: Mailer, policy_name: ReconcilePolicy) -> list[BaseOutcome]:
    """Settle deliveries a crashed run left ``sending`` (see the module docstring)."""
    outcomes, ledger = [], NightlyLedger(matcher.store)
    for pending in ledger.pending_deliveries():
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
                ledger.record_delivery_outcome(
                    pending.run_date,
                    pending.base_id,
                    run_id=pending.run_id,
                    status="failed",
                    error=outcome.error,
                )
                outcomes.append(outcome)
                continue
        ledger.record_delivery_sent(
            pending.run_date, pending.base_id, refused=outcome.refused, reconciled=True
        )
        _follow_flow(matcher, [p.demand_id for p in pending.pairs])
        outcomes.append(outcome)
    return outcomes


def _follow_flow(matcher: Matcher, demand_ids: list[str]) -> None:
    """Recommended matches move their demands from open to matching (project flow)."""
    ProjectFlow.for_matcher(matcher).sync_many(demand_ids, actor="nightly")
