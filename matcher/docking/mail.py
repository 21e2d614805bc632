"""Mail each participant their schedule (text + .ics); re-runs mail only schedules that changed.

The sending itself is the caller's (``haizhi event mail`` passes `pipelines.nightly.notify.SmtpMailer`'s
``send``); what was sent is recorded in ``store.events`` mailings with the schedule's fingerprint.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from matcher.docking.exports import fingerprint, participant_ics, schedule_lines
from matcher.docking.records import Agenda
from matcher.store import Store, utc_now

Send = Callable[[bytes, str, list[str]], dict[str, str]]
"""(message bytes, envelope sender, recipients) → refused recipients; raises when nothing was sent."""


@dataclass
class MailReport:
    """What a mailing run did.

    Attributes:
        sent: participants mailed (``kind:id``).
        unchanged: participants whose schedule was already mailed as it is.
        no_address: participants without an e-mail address.
        failed: participant → error.
    """

    sent: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    no_address: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def compose_schedule(agenda: Agenda, kind: str, participant_id: str, mail_from: str) -> EmailMessage:
    """The schedule mail of one participant: Chinese and English text, the .ics attached.

    Raises:
        ValueError: if the participant has no e-mail address or ``mail_from`` is malformed.
    """
    person = agenda.participants[(kind, participant_id)]
    if not person.email:
        raise ValueError(f"{kind} {participant_id} has no e-mail address")
    display, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError(f"mail_from {mail_from!r} is not an address like 'Name <user@host>'")
    user, _, domain = address.rpartition("@")
    lines = schedule_lines(agenda, kind, participant_id)
    name = agenda.name_of(kind, participant_id)
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = f"【海智匹配】{agenda.event.name} 洽谈日程 / Your meeting schedule ({len(lines)})"
    message["From"] = Address(display_name=display, username=user, domain=domain)
    message["To"] = person.email
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(
        idstring=f"event.{agenda.event.id}.{kind}.{participant_id}", domain=domain
    )
    message["Auto-Submitted"] = "auto-generated"
    message["X-Haizhi-Event"] = agenda.event.id
    message["X-Haizhi-Participant"] = f"{kind}:{participant_id}"
    body = [f"{name}，您好：", "", f"以下是您在「{agenda.event.name}」的洽谈日程（共 {len(lines)} 场）：", ""]
    body += lines or ["（暂无安排 / no meetings)"]
    body += [
        "",
        f"Dear {name}, above is your schedule at {agenda.event.name} ({len(lines)} meetings).",
        "The attached .ics file adds them to your calendar.",
        "",
        "海智匹配 Haizhi Match",
    ]
    message.set_content("\n".join(body), subtype="plain", charset="utf-8", cte="base64")
    ics = participant_ics(agenda, kind, participant_id, stamp=utc_now())
    filename = f"{agenda.event.id}-{participant_id}.ics"
    message.add_attachment(ics, subtype="calendar", charset="utf-8", cte="base64", filename=filename)
    return message


def mail_schedules(
    store: Store, agenda: Agenda, send: Send, mail_from: str, *, force: bool = False
) -> MailReport:
    """Mail every active participant whose schedule changed since it was last mailed (all with ``force``).

    A participant is recorded as mailed only after ``send`` returned, so a failure is retried next run.
    """
    report = MailReport()
    last = {
        (r["kind"], r["participant_id"]): r["fingerprint"] for r in store.events.mailing_rows(agenda.event.id)
    }
    for (kind, pid), person in sorted(agenda.participants.items()):
        who = f"{kind}:{pid}"
        if person.cancelled:
            continue
        if not person.email:
            report.no_address.append(who)
            continue
        current = fingerprint(agenda, kind, pid)
        if not force and last.get((kind, pid)) == current:
            report.unchanged.append(who)
            continue
        message = compose_schedule(agenda, kind, pid, mail_from)
        try:
            send(message.as_bytes(), parseaddr(mail_from)[1], [person.email])
        except Exception as error:
            report.failed[who] = f"{type(error).__name__}: {error}"
            continue
        store.events.upsert_mailing(
            agenda.event.id,
            {
                "kind": kind,
                "participant_id": pid,
                "fingerprint": current,
                "message_id": str(message["Message-ID"]),
                "recipients": json.dumps([person.email]),
                "sent_at": utc_now(),
            },
        )
        report.sent.append(who)
    return report
