"""Compose a base's nightly e-mail (HTML + plain text + XLSX), check the SMTP path, deliver the mail.

`SmtpMailer.check` walks the whole conversation a delivery needs except the message itself (connect,
EHLO, STARTTLS or implicit TLS, AUTH when credentials are configured, NOOP, QUIT), so a run learns that
the mail path is broken even when it has nothing to send.

Messages use `email.policy.SMTP`: Chinese subjects and display names become RFC 2047 encoded-words
and text parts are base64, so the message is 7-bit clean and needs no SMTPUTF8/8BITMIME support.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.access.links import ExpertLinks, LinkSettings
from matcher.store import Store, utc_now
from pipelines.nightly.ledger_records import SmtpCheck
from pipelines.nightly.plan import BaseDigest
from pipelines.nightly.report import XLSX_MIME, digest_xlsx
from pipelines.nightly.settings import NightlySettings, SmtpSecurity

TEMPLATES = Path(__file__).parent / "templates"


class DeliveryError(RuntimeError):
    """The SMTP server did not accept a message (no recipient accepted, or a protocol/network error)."""


def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def wants_english(digest: BaseDigest) -> bool:
    """True when the base's contacts read English (they get an English part after the Chinese)."""
    return digest.base.contact_language.lower().startswith("en")


def subject_for(digest: BaseDigest, run_date: date) -> str:
    """Chinese subject, with an English half for English-speaking contacts."""
    zh = (
        f"【海智匹配】{digest.base.name} {run_date.isoformat()} 新推荐："
        f"{digest.demand_count} 项需求、{digest.expert_count} 位专家"
    )
    if not wants_english(digest):
        return zh
    name_en = digest.base.name_en or digest.base.name
    counts = f"{digest.demand_count} demands, {digest.expert_count} experts"
    return f"{zh} / Haizhi Match new matches for {name_en}: {counts}"


def message_domain(mail_from: str) -> str:
    """Domain of the sender address (for Message-IDs)."""
    address = parseaddr(mail_from)[1]
    return address.rpartition("@")[2] or "haizhi.localdomain"


def expert_links_for(
    store: Store, digest: BaseDigest, *, run_id: str, settings: LinkSettings | None = None
) -> dict[str, str]:
    """expert id → a new personal link (``respond``) for every expert in the digest, when
    ``HAIZHI_PUBLIC_URL`` is set (else none: the mail then has no links).

    The base forwards each link to its expert, who answers on their own page
    (docs/experts-portal.md). The links are stored before the message is composed, so the message the
    ledger keeps (and a reconciling run may send again) carries links that work.
    """
    settings = settings or LinkSettings()
    if not settings.public_url:
        return {}
    links = ExpertLinks.from_settings(store, settings)
    experts = sorted({expert_id for _demand, expert_id, _score in digest.pairs})
    found: dict[str, str] = {}
    with store.transaction():
        for expert_id in experts:
            _link, token = links.create(
                expert_id,
                created_by=f"nightly {run_id} {digest.base.id}",
                days=settings.link_days,
                note=f"nightly mail to {digest.base.id}",
            )
            found[expert_id] = links.url(settings.public_url, token)
    return found


def compose(
    digest: BaseDigest,
    *,
    run_date: date,
    run_id: str,
    mail_from: str,
    message_id: str | None = None,
    links: Mapping[str, str] | None = None,
) -> EmailMessage:
    """The e-mail of one base: HTML table per station/demand, plain-text alternative, XLSX attachment.

    ``links`` (expert id → address, `expert_links_for`) adds each expert's personal link to their rows.

    Raises:
        ValueError: if the base has no contact address or the sender address is malformed.
    """
    if not digest.base.contact_emails:
        raise ValueError(f"base {digest.base.id} has no contact_emails; cannot address its nightly list")
    display, address = parseaddr(mail_from)
    if "@" not in address:
        raise ValueError(f"mail_from {mail_from!r} is not an address like 'Name <user@host>'")
    english = wants_english(digest)
    context = {
        "digest": digest,
        "run_date": run_date.isoformat(),
        "english": english,
        "links": dict(links or {}),
    }
    environment = _environment()
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = subject_for(digest, run_date)
    user, _, domain = address.rpartition("@")
    message["From"] = Address(display_name=display, username=user, domain=domain)
    message["To"] = ", ".join(digest.base.contact_emails)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id or make_msgid(
        idstring=f"nightly.{run_date.isoformat()}.{digest.base.id}", domain=message_domain(mail_from)
    )
    message["Auto-Submitted"] = "auto-generated"
    message["X-Haizhi-Run"] = run_id
    message["X-Haizhi-Base"] = digest.base.id
    message["Content-Language"] = "zh-CN, en" if english else "zh-CN"
    text = environment.get_template("nightly_email.txt").render(context)
    html = environment.get_template("nightly_email.html").render(context)
    message.set_content(text, subtype="plain", charset="utf-8", cte="base64")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")
    maintype, subtype = XLSX_MIME.split("/")
    message.add_attachment(
        digest_xlsx(digest, run_date),
        maintype=maintype,
        subtype=subtype,
        filename=f"haizhi-matches-{digest.base.id}-{run_date.isoformat()}.xlsx",
    )
    return message


def recipients_of(message: EmailMessage) -> list[str]:
    """Envelope recipients: the To and Cc addresses (Bcc is never written into the message)."""
    found: list[str] = []
    for header in ("To", "Cc"):
        for value in message.get_all(header, []):
            found += [a.addr_spec for a in value.addresses]
    return found


@dataclass
class SmtpMailer:
    """Sends messages over SMTP, one connection per message (a failure only affects that base).

    Args:
        host: SMTP server.
        port: its port (25/587 for none/starttls, 465 for ssl).
        security: ``none``, ``starttls`` or ``ssl`` (implicit TLS).
        user: login name; empty means no authentication.
        password: login password.
        timeout: socket timeout in seconds.
    """

    host: str
    port: int
    security: SmtpSecurity = "none"
    user: str = ""
    password: str = ""
    timeout: float = 60.0

    @classmethod
    def from_settings(cls, settings: NightlySettings) -> SmtpMailer:
        """A mailer configured from ``HAIZHI_SMTP_*`` settings."""
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            security=settings.smtp_security,
            user=settings.smtp_user,
            password=settings.smtp_password.get_secret_value(),
            timeout=settings.smtp_timeout,
        )

    def send(self, data: bytes, sender: str, recipients: list[str]) -> dict[str, str]:
        """Send raw message bytes; returns the recipients the server refused (others accepted).

        Raises:
            DeliveryError: when the server accepted no recipient or the conversation failed.
        """
        try:
            with self._connect() as smtp:
                refused = smtp.sendmail(sender, recipients, data)
        except smtplib.SMTPRecipientsRefused as error:
            detail = "; ".join(
                f"{r}: {c} {m.decode(errors='replace')}" for r, (c, m) in error.recipients.items()
            )
            raise DeliveryError(f"{self.host}:{self.port} refused every recipient ({detail})") from error
        except (smtplib.SMTPException, OSError) as error:
            raise DeliveryError(f"{self.host}:{self.port}: {type(error).__name__}: {error}") from error
        return {r: f"{code} {reply.decode(errors='replace')}" for r, (code, reply) in refused.items()}

    @property
    def server(self) -> str:
        """``host:port`` for messages."""
        return f"{self.host}:{self.port}"

    def check(self) -> SmtpCheck:
        """Connect, EHLO, STARTTLS/TLS as configured, AUTH if a user is set, NOOP, QUIT; never raises.

        Returns:
            ``ok``, or ``failed`` with the stage it stopped at and a short reason.
        """
        started, stage = utc_now(), "connect"
        smtp: smtplib.SMTP | None = None
        try:
            smtp = self._open()
            stage = "ehlo"
            _expect(250, *smtp.ehlo())
            if self.security == "starttls":
                stage = "tls"
                smtp.starttls(context=ssl.create_default_context())
                stage = "ehlo"  # the TLS session starts a fresh conversation
                _expect(250, *smtp.ehlo())
            if self.user:
                stage = "auth"
                smtp.login(self.user, self.password)
            stage = "noop"
            _expect(250, *smtp.noop())
            stage = "quit"
            smtp.quit()
        except OSError as error:  # smtplib.SMTPException and ssl.SSLError are OSErrors too
            if isinstance(error, ssl.SSLError) and stage == "connect":
                stage = "tls"  # implicit TLS: the handshake is part of connecting
            return self._result(started, "failed", stage, _stage_reason(stage, error, self.timeout))
        finally:
            if smtp is not None:
                smtp.close()
        return self._result(started, "ok", "", "")

    def _result(self, started: datetime, status: str, stage: str, reason: str) -> SmtpCheck:
        return SmtpCheck(status, self.server, self.security, stage, reason, started, bool(self.user))

    def _open(self) -> smtplib.SMTP:
        """A connection that has read the server's greeting (and finished the TLS handshake for ssl)."""
        if self.security == "ssl":
            context = ssl.create_default_context()
            return smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def _connect(self) -> smtplib.SMTP:
        smtp = self._open()
        try:
            if self.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
        except BaseException:
            smtp.close()  # do not leave the socket to the garbage collector
            raise
        return smtp


STAGE_PREFIX = {
    "connect": "",
    "tls": "TLS failed: ",
    "ehlo": "EHLO failed: ",
    "auth": "authentication failed: ",
    "noop": "NOOP failed: ",
    "quit": "QUIT failed: ",
}


def _expect(code: int, reply_code: int, reply: bytes) -> None:
    """Raise the reply as an `smtplib.SMTPResponseException` unless it has the expected code."""
    if reply_code != code:
        raise smtplib.SMTPResponseException(reply_code, reply)


def _stage_reason(stage: str, error: OSError, timeout: float) -> str:
    return STAGE_PREFIX[stage] + describe_smtp_error(error, timeout)


def describe_smtp_error(error: OSError, timeout: float) -> str:
    """A short reason for people: ``connection refused``, ``535 5.7.8 Authentication credentials invalid``."""
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error
        text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
        return f"{error.smtp_code} {text}".strip()
    if isinstance(error, smtplib.SMTPException):
        return str(error) or type(error).__name__
    if isinstance(error, TimeoutError):
        return f"no answer within {timeout:g} s"
    if isinstance(error, socket.gaierror):
        return f"cannot resolve the host name ({error.strerror})"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"certificate not trusted ({error.verify_message})"
    if isinstance(error, ssl.SSLError):
        return f"{error.reason or error}"
    if error.strerror:
        return error.strerror[:1].lower() + error.strerror[1:]
    return f"{type(error).__name__}: {error}"


def sender_of(message: EmailMessage) -> str:
    """Envelope sender (the From address)."""
    return str(message["From"].addresses[0].addr_spec)


def write_eml(directory: Path, name: str, data: bytes) -> Path:
    """Write a message file atomically (temp file + os.replace); returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.eml"
    handle, temp = tempfile.mkstemp(dir=directory, prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target
