"""The SMTP check that starts every nightly run and ``haizhi nightly --check`` (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import fcntl
import logging
import shutil
import socket
import ssl
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from typer.testing import CliRunner

from embeddings.encoders.base import Encoder
from matcher.config import Settings
from matcher.service import Matcher
from matcher.store import Store
from pipelines.cli.main import app
from pipelines.cli.nightly import LAST_RUN_FAILED_EXIT_CODE, SMTP_CHECK_EXIT_CODE, scheduled_run
from pipelines.nightly.ledger import NightlyLedger
from pipelines.nightly.ledger_records import SentPair
from pipelines.nightly.notify import SmtpMailer
from pipelines.nightly.run import LOCK_NAME, NightlyReport, run_nightly
from pipelines.nightly.settings import NightlySettings

RUN_DATE = date(2026, 3, 2)
NIGHTLY = {"nightly_k": 4, "nightly_depth": 10, "nightly_cap": 3, "nightly_org_limit": 2}
runner = CliRunner()


@dataclass
class Conversation:
    """Records the SMTP commands the server saw, in order."""

    commands: list[str] = field(default_factory=list)

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.commands.append("EHLO")
        session.host_name = hostname  # a handler's EHLO hook must record the greeting itself
        return responses

    async def handle_NOOP(self, server: Any, session: Any, envelope: Any, arg: str) -> str:
        self.commands.append("NOOP")
        return "250 OK"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.commands.append("QUIT")
        return "221 Bye"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.commands.append("DATA")
        return "250 Message accepted for delivery"

    def authenticator(self, *, accept: bool) -> Callable[..., AuthResult]:
        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
            self.commands.append("AUTH")
            return AuthResult(success=accept and data.password == b"secret", handled=False)

        return authenticate


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(**server_options: Any) -> Iterator[tuple[Conversation, int]]:
    """An aiosmtpd server on a free port; ``server_options`` go to its SMTP class (auth, TLS)."""
    conversation = Conversation()
    options = dict(server_options)
    if "accept_auth" in options:
        options["authenticator"] = conversation.authenticator(accept=options.pop("accept_auth"))
    controller = Controller(conversation, hostname="127.0.0.1", port=_free_port(), **options)
    controller.start()
    try:
        yield conversation, controller.port
    finally:
        controller.stop()


def smtp_env(port: int, **extra: str) -> dict[str, str]:
    """Environment of a CLI run against 127.0.0.1:port (the settings come from HAIZHI_*)."""
    nightly = {f"HAIZHI_{k.upper()}": str(v) for k, v in NIGHTLY.items()}
    return {"HAIZHI_SMTP_HOST": "127.0.0.1", "HAIZHI_SMTP_PORT": str(port), **nightly, **extra}


def nightly_cli(data_dir: Path, port: int, *args: str, **env: str) -> Any:
    command = ["nightly", *args, "--data-dir", str(data_dir)]
    return runner.invoke(app, command, env=smtp_env(port, **env))


BASE = "B-SZ"  # one base keeps the matching small


@dataclass
class Delivered:
    """A demo data directory whose first nightly run for `BASE` went out through a healthy server."""

    data_dir: Path
    report: NightlyReport
    commands: list[str]
    port: int


@pytest.fixture(scope="module")
def delivered(
    demo_data_dir: Path, tmp_path_factory: pytest.TempPathFactory, use_encoder: Encoder
) -> Delivered:
    data_dir = tmp_path_factory.mktemp("delivered") / "data"
    shutil.copytree(demo_data_dir, data_dir)
    with smtp_server() as (conversation, port):
        settings = NightlySettings(data_dir=data_dir, smtp_host="127.0.0.1", smtp_port=port, **NIGHTLY)  # type: ignore[arg-type]
        matcher = Matcher(settings, encoder=use_encoder)
        report = run_nightly(matcher, run_date=RUN_DATE, base_id=BASE, refresh=False)
    return Delivered(data_dir, report, conversation.commands, port)


def copy_of(delivered: Delivered, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(delivered.data_dir, target)
    return target


def ledger(data_dir: Path) -> Store:
    return Store(Settings(data_dir=data_dir).resolved_database_url)


def test_healthy_server_is_checked_first_and_the_check_is_recorded(delivered: Delivered) -> None:
    report, commands = delivered.report, delivered.commands
    assert commands[:3] == ["EHLO", "NOOP", "QUIT"], "the check ran before any delivery"
    assert [(b.base_id, b.status) for b in report.bases] == [(BASE, "sent")] and commands.count("DATA") == 1
    assert report.status == "finished" and report.smtp_check is not None
    assert report.smtp_check.line() == f"SMTP check ok: 127.0.0.1:{delivered.port} (none)"
    store = ledger(delivered.data_dir)
    recorded = NightlyLedger(store).smtp_check(report.run_id)
    assert recorded == report.smtp_check and recorded.status == "ok" and recorded.stage == ""
    run = NightlyLedger(store).run(report.run_id)
    assert run is not None and run.started_at <= recorded.checked_at <= (run.finished_at or run.started_at)


def test_mail_path_down_with_nothing_due_fails_the_run(delivered: Delivered, tmp_path: Path) -> None:
    data_dir = copy_of(delivered, tmp_path)
    closed = _free_port()  # nothing listens there any more
    next_day = (RUN_DATE + timedelta(days=1)).isoformat()
    result = nightly_cli(data_dir, closed, "--date", next_day, "--base", BASE, "--no-refresh")
    reason = f"SMTP check failed: 127.0.0.1:{closed}: connection refused"
    assert result.exit_code == SMTP_CHECK_EXIT_CODE and result.stderr.strip() == reason, result.output
    assert "nothing was sent" in result.stdout
    store = ledger(data_dir)
    run = NightlyLedger(store).runs()[0]
    assert run.run_date.isoformat() == next_day and run.status == "failed" and run.error == reason
    check = NightlyLedger(store).smtp_check(run.run_id)
    assert check is not None and (check.status, check.stage) == ("failed", "connect")
    assert NightlyLedger(store).deliveries(run_date=RUN_DATE + timedelta(days=1)) == []
    sent_before = {d.base_id for d in NightlyLedger(ledger(delivered.data_dir)).deliveries(statuses=["sent"])}
    assert {d.base_id for d in NightlyLedger(store).deliveries(statuses=["sent"])} == sent_before


def test_server_down_with_lists_due_sends_and_marks_nothing(demo_data_dir: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(demo_data_dir, data_dir)
    store = ledger(data_dir)
    NightlyLedger(store).start_run("crashed", RUN_DATE, dry_run=False, base_filter=None)
    journal = {"recipients": ["haizhi@sz-kx.example.cn"], "demands": 1, "experts": 1, "message": b"raw"}
    pairs = [SentPair("D0001", "EX0001", 0.9)]
    NightlyLedger(store).begin_delivery(
        RUN_DATE, "B-SZ", run_id="crashed", message_id="<m@x>", pairs=pairs, **journal
    )  # type: ignore[arg-type]
    closed = _free_port()
    result = nightly_cli(data_dir, closed, "--date", RUN_DATE.isoformat(), "--reconcile", "mark-sent")
    assert result.exit_code == SMTP_CHECK_EXIT_CODE, result.output
    assert f"127.0.0.1:{closed}: connection refused" in result.stderr
    [pending] = NightlyLedger(store).deliveries()
    assert pending.status == "sending", "mark-sent must not confirm anything while the mail path is broken"
    assert NightlyLedger(store).sent_pairs() == set() and store.matches.list() == []
    assert [r.status for r in NightlyLedger(store).runs()] == [
        "failed",
        "failed",
    ]  # this one, the crashed one


def test_refused_auth_is_reported_as_an_auth_failure(tmp_path: Path) -> None:
    with smtp_server(accept_auth=False, auth_require_tls=False) as (conversation, port):
        check = SmtpMailer("127.0.0.1", port, user="haizhi", password="secret", timeout=10).check()
        result = nightly_cli(tmp_path, port, "--check", HAIZHI_SMTP_USER="haizhi", HAIZHI_SMTP_PASSWORD="x")
    assert (check.status, check.stage, check.authenticated) == ("failed", "auth", True)
    assert check.line() == (
        f"SMTP check failed: 127.0.0.1:{port}: "
        "authentication failed: 535 5.7.8 Authentication credentials invalid"
    )
    assert conversation.commands[:2] == ["EHLO", "AUTH"] and "NOOP" not in conversation.commands
    assert result.exit_code == SMTP_CHECK_EXIT_CODE, "an SMTP failure wins over the missing database"
    assert result.stdout.startswith(f"SMTP check failed: 127.0.0.1:{port}: authentication failed: 535")
    assert f"no database at {tmp_path / 'haizhi.db'}" in result.stdout
    assert not (tmp_path / "haizhi.db").exists(), "--check only reads"


def test_check_exit_codes_through_the_cli(delivered: Delivered, tmp_path: Path) -> None:
    data_dir = copy_of(delivered, tmp_path)
    with smtp_server() as (_, port):
        healthy = nightly_cli(data_dir, port, "--check")
        assert healthy.exit_code == 0, healthy.output
        assert healthy.stdout.startswith(f"SMTP check ok: 127.0.0.1:{port} (none); last run ")
        assert f"{delivered.report.run_id} ({RUN_DATE}) finished at" in healthy.stdout
        closed = _free_port()
        down = nightly_cli(data_dir, closed, "--check")
        assert down.exit_code == SMTP_CHECK_EXIT_CODE
        assert down.stdout.startswith(f"SMTP check failed: 127.0.0.1:{closed}: connection refused; ")
        failed_run = nightly_cli(data_dir, closed, "--date", "2026-03-03", "--no-refresh")
        assert failed_run.exit_code == SMTP_CHECK_EXIT_CODE
        after_failure = nightly_cli(data_dir, port, "--check")  # SMTP is back, the last run failed
        assert after_failure.exit_code == LAST_RUN_FAILED_EXIT_CODE, after_failure.output
        assert f"failed: SMTP check failed: 127.0.0.1:{closed}: connection refused" in after_failure.stdout
        assert len(after_failure.stdout.strip().splitlines()) == 1
        misuse = nightly_cli(data_dir, port, "--check", "--dry-run")
        assert misuse.exit_code == 2 and "--check takes no" in misuse.output


def test_check_tells_a_running_run_from_an_interrupted_one(tmp_path: Path) -> None:
    store = ledger(tmp_path)
    store.create_schema()
    NightlyLedger(store).start_run("20260302-x", RUN_DATE, dry_run=False, base_filter=None)
    with smtp_server() as (_, port):
        interrupted = nightly_cli(tmp_path, port, "--check")
        assert interrupted.exit_code == LAST_RUN_FAILED_EXIT_CODE
        assert "last run 20260302-x (2026-03-02) interrupted" in interrupted.stdout
        with open(tmp_path / LOCK_NAME, "w") as lock:  # what a live run holds
            fcntl.flock(lock, fcntl.LOCK_EX)
            running = nightly_cli(tmp_path, port, "--check")
        assert running.exit_code == 0 and "running since" in running.stdout, running.output


def test_scheduled_run_logs_a_broken_mail_path_as_an_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    closed = _free_port()
    settings = NightlySettings(data_dir=tmp_path, smtp_host="127.0.0.1", smtp_port=closed)
    with caplog.at_level(logging.INFO, logger="haizhi.nightly"):
        scheduled_run(settings, dry_run=False)
    [record] = [r for r in caplog.records if r.name == "haizhi.nightly"]
    assert record.levelno == logging.ERROR
    assert f"SMTP check failed: 127.0.0.1:{closed}: connection refused" in record.getMessage()


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-nodes", "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command for a certificate")
def test_starttls_and_implicit_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = _self_signed(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    with smtp_server(tls_context=server_tls, accept_auth=True) as (conversation, port):
        untrusted = SmtpMailer("127.0.0.1", port, security="starttls", timeout=10).check()
        assert (untrusted.status, untrusted.stage) == ("failed", "tls")
        assert untrusted.reason.startswith("TLS failed: certificate not trusted")
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # now the client trusts the server's certificate
        good = SmtpMailer("127.0.0.1", port, security="starttls", user="haizhi", password="secret").check()
        assert good.status == "ok" and good.line() == f"SMTP check ok: 127.0.0.1:{port} (starttls, AUTH)"
        assert conversation.commands[-5:] == ["EHLO", "EHLO", "AUTH", "NOOP", "QUIT"]
        ssl_on_plain_port = SmtpMailer("127.0.0.1", port, security="ssl", timeout=10).check()
        assert (ssl_on_plain_port.status, ssl_on_plain_port.stage) == ("failed", "tls"), "plain port"
    with smtp_server(ssl_context=server_tls) as (_, port):
        implicit = SmtpMailer("127.0.0.1", port, security="ssl", timeout=10).check()
        assert implicit.status == "ok", implicit.reason
