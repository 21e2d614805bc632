"""API keys expire and rotate, failed authentication is rate limited, the audit log exports.

Store tests run on SQLite and, when HAIZHI_TEST_POSTGRES_URL is set, PostgreSQL; API tests use real
uvicorn servers. Requests that are meant to fail come from their own loopback address (127.0.0.x), so
they never use up the shared server's failure budget of 127.0.0.1.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import openpyxl
import pytest
from conftest import database_url
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table
from typer.testing import CliRunner

from api.access import ApiKeys, AuditLog, KeyVerdict, hash_secret
from api.ratelimit import FailedAuthLimiter
from matcher.config import Settings
from matcher.store import RecordNotFound, Store
from matcher.store.tables import audit_log
from pipelines.cli.main import app as cli_app

PG_SCHEMA = "haizhi_test_keys_audit"  # not test_store's schema: the two may run at the same time
T0 = datetime(2026, 6, 1, 12, 0, 0)
PERIOD = {"start": "2025-03-01", "end": "2025-03-31"}
INSIDE = (datetime(2025, 3, 1, 0, 0, 0), datetime(2025, 3, 31, 23, 59, 59))
OUTSIDE = (datetime(2025, 2, 28, 23, 59, 59), datetime(2025, 4, 1, 0, 0, 0))


def _plain(output: str) -> str:
    """CLI output without the error box typer draws, on one line (the box wraps long messages)."""
    return " ".join(re.sub("[│╭╮╰╯─]", " ", output).split())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = database_url(request.param, tmp_path, "haizhi_test_keys_audit")
    cleaner = Store(url)
    cleaner.drop_schema()
    yield url
    cleaner.drop_schema()
    cleaner.close()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    opened = Store(db_url)
    opened.create_schema()
    yield opened
    opened.close()


def _first_release_api_keys(metadata: MetaData) -> Table:
    """``api_keys`` as the first release created it (no expiry, no rotation columns)."""
    return Table(
        "api_keys",
        metadata,
        Column("pk", Integer, primary_key=True, autoincrement=True),
        Column("key_id", String(32), nullable=False, unique=True),
        Column("name", String(128), nullable=False),
        Column("role", String(16), nullable=False),
        Column("site_id", String(64), nullable=True),
        Column("secret_hash", String(64), nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("revoked_at", DateTime, nullable=True),
        Column("last_used_at", DateTime, nullable=True),
    )


def test_a_database_of_the_first_release_gains_the_new_key_columns(db_url: str) -> None:
    old = MetaData()
    table = _first_release_api_keys(old)
    opened = Store(db_url)
    with opened.engine.begin() as conn:
        old.create_all(conn)
        conn.execute(
            table.insert().values(
                key_id="kold0000001",
                name="old admin",
                role="admin",
                secret_hash=hash_secret("s3cret"),
                created_at=T0,
            )
        )
    opened.create_schema()
    opened.create_schema()  # re-runs are safe
    key = ApiKeys(opened).authenticate("hzk_kold0000001_s3cret")
    assert key is not None and key.name == "old admin" and key.expires_at is None
    _rotated, token = ApiKeys(opened).rotate("kold0000001", grace=timedelta(0))
    assert [k.key_id for k in ApiKeys(opened).list()] == ["kold0000001"]
    assert ApiKeys(opened).check(token).accepted
    assert ApiKeys(opened).check("hzk_kold0000001_s3cret").verdict is KeyVerdict.ROTATED
    opened.close()


def test_expiry_is_checked_against_the_clock(store: Store) -> None:
    key, token = ApiKeys(store).create("temp", "analyst", expires_at=T0 + timedelta(hours=1))
    assert ApiKeys(store).check(token, now=T0).accepted
    late = ApiKeys(store).check(token, now=T0 + timedelta(hours=1))
    assert late.verdict is KeyVerdict.EXPIRED and late.at == T0 + timedelta(hours=1)
    assert ApiKeys(store).authenticate(token, now=T0 + timedelta(days=1)) is None
    assert ApiKeys(store).check(token[:-3] + "abc", now=T0).verdict is KeyVerdict.UNKNOWN
    ApiKeys(store).revoke(key.key_id)
    assert ApiKeys(store).check(token, now=T0).verdict is KeyVerdict.REVOKED


def test_rotation_keeps_the_old_secret_for_the_grace_period_only(store: Store) -> None:
    key, old = ApiKeys(store).create("ops", "admin")
    rotated, new = ApiKeys(store).rotate(key.key_id, grace=timedelta(hours=24), actor="tester", now=T0)
    assert (rotated.key_id, rotated.role, rotated.name) == (key.key_id, key.role, key.name)
    assert new != old and rotated.previous_secret_valid_until == T0 + timedelta(hours=24)
    within, after = T0 + timedelta(hours=23), T0 + timedelta(hours=24)
    assert ApiKeys(store).check(old, now=within).accepted and ApiKeys(store).check(new, now=within).accepted
    ended = ApiKeys(store).check(old, now=after)
    assert ended.verdict is KeyVerdict.ROTATED and ended.at == after
    assert ApiKeys(store).check(new, now=after + timedelta(days=365)).accepted
    entry = AuditLog(store).entries(target_id=key.key_id)[0]
    assert (entry.action, entry.actor, entry.key_id, entry.at) == ("keys.rotate", "tester", "cli", T0)
    assert entry.detail == {
        "grace_seconds": 86400,
        "old_secret_valid_until": "2026-06-02T12:00:00Z",
        "expires_at": None,
    }


def test_rotation_refuses_revoked_and_expired_keys_and_writes_nothing(store: Store) -> None:
    key, _token = ApiKeys(store).create("short", "analyst", expires_at=T0)
    with pytest.raises(ValueError, match="has passed"):
        ApiKeys(store).rotate(key.key_id, grace=timedelta(0), now=T0 + timedelta(seconds=1))
    renewed, _new = ApiKeys(store).rotate(
        key.key_id, grace=timedelta(0), expires_at=T0 + timedelta(days=90), now=T0
    )
    assert renewed.expires_at == T0 + timedelta(days=90)
    ApiKeys(store).revoke(key.key_id)
    with pytest.raises(ValueError, match="revoked"):
        ApiKeys(store).rotate(key.key_id, grace=timedelta(hours=1))
    with pytest.raises(ValueError, match="negative"):
        ApiKeys(store).rotate(key.key_id, grace=timedelta(hours=-1))
    with pytest.raises(RecordNotFound):
        ApiKeys(store).rotate("knope", grace=timedelta(0))
    assert [e.action for e in AuditLog(store).entries(target_id=key.key_id)] == ["keys.rotate"]


def test_key_ids_resolve_from_a_unique_prefix(store: Store) -> None:
    keys = [ApiKeys(store).create(f"k{i}", "analyst")[0].key_id for i in range(3)]
    assert ApiKeys(store).resolve_id(keys[0]) == keys[0]
    assert ApiKeys(store).resolve_id(f"hzk_{keys[1]}_whatever") == keys[1]
    with pytest.raises(ValueError, match="several"):
        ApiKeys(store).resolve_id("k")
    with pytest.raises(RecordNotFound):
        ApiKeys(store).resolve_id("kzz")


def _add_audit_rows(store: Store, moments: tuple[datetime, ...], action: str) -> None:
    with store.transaction() as conn:
        for number, at in enumerate(moments):
            conn.execute(
                audit_log.insert().values(
                    at=at,
                    key_id="ktest",
                    actor='=HYPERLINK("x")',  # a formula-looking value must stay text
                    role="admin",
                    action=action,
                    target_kind="demands",
                    target_id=f"D-{action}-{number}",
                    detail='{"note": "审计"}',
                )
            )


def test_audit_period_query_reads_in_batches_and_keeps_the_boundaries(store: Store) -> None:
    _add_audit_rows(store, OUTSIDE, "outside")
    _add_audit_rows(store, INSIDE * 3, "inside")
    entries = list(AuditLog(store).iter_entries(INSIDE[0], INSIDE[1], batch_size=2))
    assert [e.at for e in entries] == list(INSIDE * 3) and {e.action for e in entries} == {"inside"}


def test_limiter_ends_lockouts_after_the_window_and_caps_its_memory() -> None:
    now = [1000.0]
    limiter = FailedAuthLimiter(limit=3, window=60, max_addresses=100, clock=lambda: now[0])
    for _ in range(2):
        limiter.record_failure("10.0.0.1")
    now[0] += 61  # failures older than the window no longer count
    limiter.record_failure("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") is None
    limiter.record_failure("10.0.0.1")
    limiter.record_failure("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == 60
    now[0] += 59.5
    assert limiter.retry_after("10.0.0.1") == 1
    now[0] += 0.5
    assert limiter.retry_after("10.0.0.1") is None and limiter.tracked() == 0
    for number in range(1000):
        limiter.record_failure(f"10.1.{number // 256}.{number % 256}")
    assert limiter.tracked() == 100
    assert FailedAuthLimiter(limit=0, window=60, max_addresses=1).retry_after("x") is None


# --- through the real server -------------------------------------------------------------------


def _from(address: str, server: SimpleNamespace, token: str | None = None) -> httpx.Client:
    """A client whose connections leave from ``address`` (any 127.0.0.x reaches the server)."""
    headers = {"X-API-Key": token} if token else {}
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, headers=headers, transport=transport, timeout=60)


def _server_store(server: SimpleNamespace) -> Store:
    return Store(Settings(data_dir=server.data_dir).resolved_database_url)


def test_an_expired_key_gets_401_saying_when(api_server: SimpleNamespace) -> None:
    store = _server_store(api_server)
    expired_key, expired = ApiKeys(store).create(
        "expired", "analyst", expires_at=datetime(2025, 1, 2, 3, 4, 5)
    )
    revoked_key, revoked = ApiKeys(store).create("revoked", "analyst")
    ApiKeys(store).revoke(revoked_key.key_id)
    store.close()
    with _from("127.0.0.2", api_server) as http:
        answers = {
            name: http.get("/v1/me", headers={"X-API-Key": token}).json()
            for name, token in (
                ("expired", expired),
                ("revoked", revoked),
                ("unknown", expired[:-4] + "AAAA"),
            )
        }
    assert answers["expired"]["error"] == "unauthorized"
    assert answers["expired"]["message"].startswith(
        f"API key {expired_key.key_id} expired at 2025-01-02T03:04:05Z"
    )
    assert answers["expired"]["details"] == [{"why": "expired", "at": "2025-01-02T03:04:05Z"}]
    assert "revoked" in answers["revoked"]["message"] and answers["unknown"]["message"] == "unknown API key"
    assert len({a["message"] for a in answers.values()}) == 3


def test_rotated_key_new_secret_works_old_one_until_grace_ends(api_server: SimpleNamespace) -> None:
    runner, data_dir = CliRunner(), str(api_server.data_dir)
    dd = ["--data-dir", data_dir]
    created = runner.invoke(
        cli_app,
        ["keys", "create", "--role", "base", "--site", "B-GZ", "--name", "轮换", "--expires-in", "90d", *dd],
    )
    assert created.exit_code == 0, created.output
    first = created.output.strip().splitlines()[-1]
    key_id = first.split("_")[1]
    listed = runner.invoke(cli_app, ["keys", "list", "--data-dir", data_dir]).output
    assert any(line.startswith(key_id) and "expires 20" in line for line in listed.splitlines())
    rotated = runner.invoke(cli_app, ["keys", "rotate", key_id[:7], "--data-dir", data_dir])
    assert rotated.exit_code == 0, rotated.output
    second = rotated.output.strip().splitlines()[-1]
    assert "old secret works until" in rotated.output and second != first
    with _from("127.0.0.2", api_server) as http:
        for token in (first, second):  # default grace: both work, same key
            me = http.get("/v1/me", headers={"X-API-Key": token}).json()
            assert (me["key_id"], me["role"], me["site_id"], me["name"]) == (key_id, "base", "B-GZ", "轮换")
        again = runner.invoke(cli_app, ["keys", "rotate", key_id, "--grace", "0", "--data-dir", data_dir])
        assert again.exit_code == 0 and "stopped working now" in again.output
        third = again.output.strip().splitlines()[-1]
        old = http.get("/v1/me", headers={"X-API-Key": second})
        assert old.status_code == 401 and "rotated" in old.json()["message"]
        assert http.get("/v1/me", headers={"X-API-Key": third}).status_code == 200
    audit = _from("127.0.0.1", api_server, api_server.keys["admin"]).get(
        "/v1/audit", params={"target_id": key_id}
    )
    assert [e["action"] for e in audit.json()] == ["keys.rotate", "keys.rotate", "keys.create"]
    bad = runner.invoke(cli_app, ["keys", "rotate", key_id, "--grace", "1w", "--data-dir", data_dir])
    assert bad.exit_code == 2 and "--grace: '1w' is not a duration" in _plain(bad.output)


def test_failed_attempts_lock_the_address_out(
    api_server_factory: Callable[[], SimpleNamespace], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIZHI_API_AUTH_FAILURE_LIMIT", "3")
    server = api_server_factory()
    good = server.keys["analyst"]
    with _from("127.0.0.1", server) as http:
        assert http.get("/v1/me", headers={"X-API-Key": "hzk_kbad_1"}).status_code == 401
        assert http.get("/v1/me", headers={"X-API-Key": "hzk_kbad_2"}).status_code == 401
        assert http.get("/v1/me", headers={"X-API-Key": good}).status_code == 200  # does not reset
        assert http.get("/v1/me", headers={"X-API-Key": "hzk_kbad_3"}).status_code == 401
        for token in ("hzk_kbad_4", good, None):  # locked out: even the right key, even no key
            locked = http.get("/v1/experts", headers={"X-API-Key": token} if token else {})
            assert locked.status_code == 429, locked.text
            assert locked.json()["error"] == "too_many_attempts"
            assert 1 <= int(locked.headers["Retry-After"]) <= 60
        assert http.get("/v1/health").status_code == 200  # needs no key
    with _from("127.0.0.3", server, good) as other:  # another address is not affected
        assert other.get("/v1/me").status_code == 200


def test_audit_export_for_a_period_csv_xlsx_and_cli(api_server: SimpleNamespace, tmp_path: Path) -> None:
    store = _server_store(api_server)
    _add_audit_rows(store, OUTSIDE, "outside")
    _add_audit_rows(store, INSIDE, "inside")
    store.close()
    expected_ids = ["D-inside-0", "D-inside-1"]
    with _from("127.0.0.1", api_server, api_server.keys["admin"]) as http:
        as_csv = http.get("/v1/audit/export", params=PERIOD)
        as_xlsx = http.get("/v1/audit/export", params={**PERIOD, "format": "xlsx"})
        reversed_period = http.get("/v1/audit/export", params={"start": "2025-04-01", "end": "2025-03-01"})
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    disposition = as_csv.headers["content-disposition"]
    assert disposition.startswith("attachment") and "haizhi-audit-2025-03-01_2025-03-31.csv" in disposition
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert [r["target_id"] for r in rows] == expected_ids
    assert rows[0]["at_utc"] == "2025-03-01T00:00:00Z" and rows[1]["detail"] == '{"note": "审计"}'
    assert rows[0]["actor"] == '\'=HYPERLINK("x")'  # a spreadsheet shows it as text, never runs it
    assert (
        as_xlsx.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(as_xlsx.content)).active
    assert sheet is not None
    cells = list(sheet.iter_rows(values_only=True))
    assert cells[0][0] == "at_utc" and [c[7] for c in cells[1:]] == expected_ids
    assert cells[1][0] == INSIDE[0] and cells[1][2] == '=HYPERLINK("x")'  # text, not a formula
    assert reversed_period.status_code == 422 and "after end" in reversed_period.json()["message"]
    runner, out = CliRunner(), tmp_path / "audit.xlsx"
    args = ["audit", "export", "--start", PERIOD["start"], "--end", PERIOD["end"], "--out", str(out)]
    written = runner.invoke(cli_app, [*args, "--data-dir", str(api_server.data_dir)])
    assert written.exit_code == 0 and "wrote 2 audit entries" in written.output, written.output
    book = openpyxl.load_workbook(out).active
    assert book is not None and [r[7] for r in book.iter_rows(min_row=2, values_only=True)] == expected_ids
    never, dd = tmp_path / "never.csv", ["--data-dir", str(api_server.data_dir)]
    refused = runner.invoke(
        cli_app,
        ["audit", "export", "--start", "2025-05-01", "--end", "2025-04-01", "--out", str(never), *dd],
    )
    assert refused.exit_code == 2 and "after end" in _plain(refused.output) and not never.exists()


@pytest.mark.parametrize("who", ["station", "base", "analyst"])
def test_only_admins_export_the_audit_log(api_server: SimpleNamespace, who: str) -> None:
    with _from("127.0.0.1", api_server, api_server.keys[who]) as http:
        response = http.get("/v1/audit/export", params=PERIOD)
    assert response.status_code == 403 and response.json()["error"] == "forbidden"


def test_expiry_and_grace_options_are_validated(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["keys", "create", "--role", "admin", "--name", "x", "--data-dir", str(tmp_path)]
    for extra, complaint in (
        (["--expires-in", "90x"], "not a duration"),
        (["--expires", "2020-01-01"], "not in the future"),
        (["--expires", "next week"], "not an ISO date"),
        (["--expires-in", "1d", "--expires", "2099-01-01"], "not both"),
    ):
        result = runner.invoke(cli_app, [*base, *extra])
        assert result.exit_code == 2 and complaint in _plain(result.output), result.output
    made = runner.invoke(cli_app, [*base, "--expires", "2099-01-01T08:00+08:00"])
    assert made.exit_code == 0 and "expires 2099-01-01T00:00:00Z" in made.output
