"""The documented Trino examples (tests/athena/sql/fixtures/trino_functions.txt) through the
Athena API, in-process and against ``lakehose up``: each page's cases are started together,
then every execution's state, ColumnInfo types, rows and AthenaError are checked."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest

from tests.athena.conftest import all_rows, wait_for
from tests.athena.sql.trino_fixtures import Case, load

_BY_PAGE: dict[str, list[Case]] = defaultdict(list)
for _case in load():
    if _case.known is None:
        _BY_PAGE[_case.source].append(_case)


def _base(signature: str) -> str:
    """ColumnInfo.Type: the signature's base name."""
    base = signature.split("(", 1)[0]
    return f"{base} with time zone" if signature.endswith(" with time zone") else base


@pytest.mark.slow
@pytest.mark.parametrize("page", sorted(_BY_PAGE), ids=lambda url: url.rsplit("/", 1)[-1])
def test_documented_examples_through_the_api(athena: Any, workgroup: str, page: str) -> None:
    cases = _BY_PAGE[page]
    started = [
        athena.start_query_execution(QueryString=case.query, WorkGroup=workgroup)[
            "QueryExecutionId"
        ]
        for case in cases
    ]
    problems: list[str] = []
    for case, execution_id in zip(cases, started, strict=True):
        execution = wait_for(athena, execution_id)
        status = execution["Status"]
        if case.error is not None:
            name, _, text = case.error.partition(": ")
            error = status.get("AthenaError", {})
            reason = status.get("StateChangeReason", "")
            if status["State"] != "FAILED" or not reason.startswith(name) or text not in reason:
                problems.append(f"{case.name}: {status['State']} {reason!r}, wanted {case.error}")
            elif error.get("ErrorCategory") != 2:
                problems.append(f"{case.name}: error category {error}")
            continue
        if status["State"] != "SUCCEEDED":
            problems.append(f"{case.name}: {status['State']} {status.get('StateChangeReason')}")
            continue
        page_ = athena.get_query_results(QueryExecutionId=execution_id, MaxResults=1)
        columns = page_["ResultSet"]["ResultSetMetadata"]["ColumnInfo"]
        types = [column["Type"] for column in columns]
        rows = all_rows(athena, execution_id)[1:]
        if types != [_base(t) for t in case.types] or rows != case.rows:
            problems.append(f"{case.name}: {types} {rows}, wanted {case.types} {case.rows}")
    assert problems == []


@pytest.mark.parametrize(
    ("query", "message", "error_type"),
    [
        ("SELECT 10 / 0", "DIVISION_BY_ZERO: Division by zero", 1001),
        (
            "SELECT ARRAY[1, 2, 3][5]",
            "INVALID_FUNCTION_ARGUMENT: Array subscript must be less than or equal to array "
            "length: 5 > 3",
            1106,
        ),
        (
            "SELECT MAP(ARRAY['a'], ARRAY[1])['b']",
            "INVALID_FUNCTION_ARGUMENT: Key not present in map: b",
            1106,
        ),
        (
            "SELECT TIME '01:00' + INTERVAL '3' MONTH",
            "TYPE_MISMATCH: Cannot apply operator: time(3) + interval year to month",
            1006,
        ),
        (
            "SELECT soundex('x')",
            "NOT_SUPPORTED: Function soundex is not supported by lakehose",
            1200,
        ),
    ],
)
def test_trino_errors_are_athena_errors(
    athena: Any, workgroup: str, query: str, message: str, error_type: int
) -> None:
    execution = wait_for(
        athena,
        athena.start_query_execution(QueryString=query, WorkGroup=workgroup)["QueryExecutionId"],
    )
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"] == message
    assert status["AthenaError"] == {
        "ErrorCategory": 2,
        "ErrorType": error_type,
        "Retryable": False,
        "ErrorMessage": message,
    }
