"""``haizhi nightly --dry-run`` (outbox .eml files, nothing recorded, no SMTP), argument errors, schedule."""

from __future__ import annotations

import email
import io
import shutil
import socket
from datetime import datetime
from email import policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from openpyxl import load_workbook
from typer.testing import CliRunner

from matcher.config import Settings
from matcher.store import Store
from pipelines.cli.main import app
from pipelines.cli.nightly import build_scheduler
from pipelines.nightly.ledger import NightlyLedger

runner = CliRunner()


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(demo_data_dir, target)
    return target


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_dry_run_writes_the_message_to_the_outbox_and_records_nothing(data_dir: Path, tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    args = ["nightly", "--dry-run", "--base", "B-SZ", "--date", "2026-03-02", "--outbox", str(outbox)]
    no_smtp = {"HAIZHI_SMTP_HOST": "127.0.0.1", "HAIZHI_SMTP_PORT": str(_closed_port())}
    result = runner.invoke(app, [*args, "--data-dir", str(data_dir), "--no-refresh"], env=no_smtp)
    assert result.exit_code == 0, result.output  # the outbox needs no SMTP server: the check is skipped
    assert f"SMTP check skipped: dry run writes the outbox {outbox}" in result.output
    assert "B-SZ" in result.output and "dry_run" in result.output and "caps cost" in result.output
    files = sorted(outbox.rglob("*.eml"))
    assert [f.relative_to(outbox).as_posix() for f in files] == ["2026-03-02/B-SZ.eml"]
    message = email.message_from_bytes(files[0].read_bytes(), _class=EmailMessage, policy=policy.default)
    assert isinstance(message, EmailMessage)
    assert [a.addr_spec for a in message["To"].addresses] == [
        "haizhi@sz-kx.example.cn",
        "office@sz-kx.example.cn",
    ]
    assert "深圳离岸创新创业基地" in str(message["Subject"]) and "Haizhi Match" in str(message["Subject"])
    [attachment] = list(message.iter_attachments())
    sheet = load_workbook(io.BytesIO(attachment.get_content()), read_only=True).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) > 1 and all(str(r[1]).startswith("D") and str(r[5]).startswith("EX") for r in rows[1:])
    store = Store(Settings(data_dir=data_dir).resolved_database_url)
    assert (
        NightlyLedger(store).deliveries() == []
        and store.matches.list() == []
        and NightlyLedger(store).sent_pairs() == set()
    )
    [run] = NightlyLedger(store).runs()
    assert run.dry_run and run.status == "finished" and run.base_filter == "B-SZ"
    check = NightlyLedger(store).smtp_check(run.run_id)
    assert check is not None and check.status == "skipped" and check.ok


def test_argument_errors_are_clear(data_dir: Path) -> None:
    result = runner.invoke(app, ["nightly", "--base", "B-NOPE", "--dry-run", "--data-dir", str(data_dir)])
    assert result.exit_code == 1 and "no active base" in result.output
    result = runner.invoke(app, ["nightly", "--date", "02/03/2026", "--data-dir", str(data_dir)])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output


def test_schedule_builds_a_daily_cron_job(tmp_path: Path) -> None:
    scheduler = build_scheduler(
        Settings(data_dir=tmp_path), at="06:30", timezone="Asia/Shanghai", dry_run=True
    )
    [job] = scheduler.get_jobs()
    now = datetime(2026, 3, 2, 7, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    fire = job.trigger.get_next_fire_time(None, now)
    assert (fire.day, fire.hour, fire.minute) == (3, 6, 30) and job.max_instances == 1 and job.coalesce
    with pytest.raises(typer.BadParameter, match="HH:MM"):
        build_scheduler(Settings(data_dir=tmp_path), at="25:00", timezone="Asia/Shanghai", dry_run=False)
