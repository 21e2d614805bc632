"""Schemathesis against the app's OpenAPI spec on its own real server: no 5xx, responses match the spec.

Bounded: a few generated examples per operation, no shrinking, admin key (the widest surface). The
pytest-lazy loader of schemathesis does not run under pytest 9, so operations are driven through
hypothesis directly (``APIOperation.as_strategy``).

Checks: every built-in check except "schema-valid data accepted" — references to unknown stations or
unknown country names are valid JSON yet rightly rejected with 422. Any operation outside the listed
areas (none today) would be held to "no server error" only.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES_PER_OPERATION = 6
API_AREA = ("/v1/recommendations", "/v1/demands", "/v1/experts", "/v1/organizations", "/v1/sites")
API_AREA += ("/v1/matches", "/v1/imports", "/v1/health", "/v1/index", "/v1/me", "/v1/audit", "/v1/catalog")
API_AREA += ("/v1/stats", "/v1/flow", "/v1/cooperations")


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
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        calls.append(1)
        case.call_and_validate(headers=headers, timeout=60, **options)

    return check


def test_api_conforms_to_its_openapi_spec(api_server_factory: Callable[[], SimpleNamespace]) -> None:
    server = api_server_factory()  # a server of its own: generated writes must not disturb other tests
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    headers = {"X-API-Key": server.keys["admin"]}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    calls: list[int] = []
    for operation in operations:
        ours = operation.path.startswith(API_AREA)
        options: dict[str, Any] = (
            {"excluded_checks": [positive_data_acceptance]} if ours else {"checks": [not_a_server_error]}
        )
        try:
            _checker(operation, headers, options, calls)()
        except (Exception, BaseExceptionGroup) as error:  # report every operation's failure together
            failures.append(f"{operation.label}: {error}")
    assert len(calls) >= len(operations)
    assert not failures, "\n\n".join(failures)
