"""Schemathesis against the app's OpenAPI spec on its own real server: no 5xx, responses match the spec.

Bounded: a few generated examples per operation, no shrinking, admin key (the widest surface), once on
SQLite and once on PostgreSQL. The pytest-lazy loader of schemathesis does not run under pytest 9, so
operations are driven through hypothesis directly (``APIOperation.as_strategy``).

Checks: every built-in check, "positive data accepted" included: whatever the schema calls valid the
server accepts (2xx, or 404/409 where it names a record that does not exist). The one exception is that
check on the file upload (`FILE_UPLOADS`): a generated binary body is rarely a readable table. The only
cases left out are the cross-parameter rules OpenAPI cannot state, which the operations' descriptions give and
`test_cross_parameter_rules_are_refused` checks: a stats period is a year or start/end, not both, and
start is not after end (the audit export's period too).
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES_PER_OPERATION = 6
FILE_UPLOADS = ("/v1/imports",)
"""Operations whose body is a file: its validity (encoding, header, rows) is in its bytes, which no
schema can state; every other check runs, and the importer's own tests cover the file rules."""
API_AREA = ("/v1/recommendations", "/v1/demands", "/v1/experts", "/v1/organizations", "/v1/sites")
API_AREA += ("/v1/matches", "/v1/imports", "/v1/health", "/v1/index", "/v1/me", "/v1/audit", "/v1/catalog")
API_AREA += ("/v1/stats", "/v1/flow", "/v1/cooperations")


def _within_cross_parameter_rules(case: Any) -> bool:
    """False for stats periods the description forbids (year with start/end, start after end)."""
    query = case.query or {}
    if not case.operation.path.startswith(("/v1/stats/stations", "/v1/audit/export")):
        return True
    if query.get("year") is not None and (query.get("start") or query.get("end")):
        return False
    start, end = query.get("start"), query.get("end")
    return not (isinstance(start, str) and isinstance(end, str) and start > end)


def _checker(operation: Any, headers: dict[str, str], options: dict[str, Any], calls: list[int]) -> Any:
    """A bounded hypothesis test of one operation."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    @given(case=operation.as_strategy().filter(_within_cross_parameter_rules))
    def check(case: Any) -> None:
        calls.append(1)
        case.call_and_validate(headers=headers, timeout=60, **options)

    return check


@pytest.mark.parametrize("database", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_api_conforms_to_its_openapi_spec(
    api_server_factory: Callable[[str], SimpleNamespace], database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the ignored-auth check probes every case with a wrong key: the failed-auth limit would lock the
    # test's own address out and answer 429 to everything after (limits have their own tests)
    monkeypatch.setenv("HAIZHI_API_AUTH_FAILURE_LIMIT", "0")
    server = api_server_factory(database)  # a server of its own: generated writes must not disturb others
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    headers = {"X-API-Key": server.keys["admin"]}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    calls: list[int] = []
    for operation in operations:
        ours = operation.path.startswith(API_AREA)
        options: dict[str, Any] = {} if ours else {"checks": [not_a_server_error]}
        if operation.path.startswith(FILE_UPLOADS):
            options = {"excluded_checks": [positive_data_acceptance]}
        try:
            _checker(operation, headers, options, calls)()
        except (Exception, BaseExceptionGroup) as error:  # report every operation's failure together
            failures.append(f"{operation.label}: {error}")
    assert len(calls) >= len(operations)
    assert not failures, "\n\n".join(failures)


def test_cross_parameter_rules_are_refused(api_server: SimpleNamespace) -> None:
    headers = {"X-API-Key": api_server.keys["admin"]}
    stats = f"{api_server.url}/v1/stats/stations"
    for query, why in [
        ("year=2026&start=2026-01-01", "either year or start/end"),
        ("start=2026-06-01&end=2026-01-01", "is after end"),
        ("start=0", "ISO date"),
    ]:
        response = httpx.get(f"{stats}?{query}", headers=headers)
        assert response.status_code == 422, query
        assert why in response.json()["message"], query
    assert httpx.get(f"{stats}?start=2026-01-01&end=2026-06-30", headers=headers).status_code == 200
