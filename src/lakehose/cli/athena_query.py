"""Running one Athena query through boto3 as a client would: start, poll, page the results.

Shared by ``lakehose query`` and ``lakehose demo``; it works the same against a server, an
embedded runtime or AWS, because it only uses the Athena API.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lakehose.errors import LakehoseError

TERMINAL_STATES = ("SUCCEEDED", "FAILED", "CANCELLED")
# Polling starts fast (a local query takes milliseconds) and backs off to what AWS clients use.
FIRST_POLL_SECONDS = 0.02
LAST_POLL_SECONDS = 0.5


class QueryFailed(LakehoseError):
    """The query ended FAILED or CANCELLED; the message is Athena's reason."""


class NamedQueryNotFound(LakehoseError):
    """No saved query has the name in the workgroup, or more than one has it."""


@dataclass(frozen=True)
class QueryResult:
    execution_id: str
    columns: list[str]
    types: list[str]
    rows: list[list[str | None]]
    bytes_scanned: int
    engine_milliseconds: int
    output_location: str


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sql: str
    database: str
    workgroup: str


def named_query(athena: Any, name: str, workgroup: str) -> NamedQuery:
    """The saved query called ``name`` in ``workgroup`` (names need not be unique in Athena)."""
    ids: list[str] = []
    for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=workgroup):
        ids += page.get("NamedQueryIds", [])
    found = []
    # BatchGetNamedQuery takes at most 50 ids.
    for start in range(0, len(ids), 50):
        answer = athena.batch_get_named_query(NamedQueryIds=ids[start : start + 50])
        found += [q for q in answer.get("NamedQueries", []) if q["Name"] == name]
    if len(found) != 1:
        problem = "no saved query" if not found else f"{len(found)} saved queries"
        raise NamedQueryNotFound(f"{problem} named {name!r} in workgroup {workgroup!r}")
    query = found[0]
    return NamedQuery(name, query["QueryString"], query["Database"], query["WorkGroup"])


def run_query(
    athena: Any,
    sql: str,
    *,
    workgroup: str,
    database: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> QueryResult:
    """Run ``sql`` and return all its rows (``QueryFailed`` if it does not succeed)."""
    request: dict[str, Any] = {"QueryString": sql, "WorkGroup": workgroup}
    if database:
        request["QueryExecutionContext"] = {"Database": database}
    execution_id: str = athena.start_query_execution(**request)["QueryExecutionId"]
    wait = FIRST_POLL_SECONDS
    while True:
        execution = athena.get_query_execution(QueryExecutionId=execution_id)["QueryExecution"]
        status = execution["Status"]
        if status["State"] in TERMINAL_STATES:
            break
        sleep(wait)
        wait = min(wait * 2, LAST_POLL_SECONDS)
    if status["State"] != "SUCCEEDED":
        reason = status.get("StateChangeReason") or status["State"]
        raise QueryFailed(f"query {execution_id} {status['State']}: {reason}")
    columns, types, rows = _results(athena, execution_id)
    statistics = execution.get("Statistics", {})
    return QueryResult(
        execution_id=execution_id,
        columns=columns,
        types=types,
        rows=rows,
        bytes_scanned=int(statistics.get("DataScannedInBytes", 0)),
        engine_milliseconds=int(statistics.get("EngineExecutionTimeInMillis", 0)),
        output_location=execution.get("ResultConfiguration", {}).get("OutputLocation", ""),
    )


def _results(athena: Any, execution_id: str) -> tuple[list[str], list[str], list[list[str | None]]]:
    columns: list[str] = []
    types: list[str] = []
    rows: list[list[str | None]] = []
    pages = athena.get_paginator("get_query_results").paginate(QueryExecutionId=execution_id)
    for number, page in enumerate(pages):
        result_set = page["ResultSet"]
        page_rows = [[cell.get("VarCharValue") for cell in r["Data"]] for r in result_set["Rows"]]
        if number == 0:
            info = result_set["ResultSetMetadata"]["ColumnInfo"]
            columns = [c.get("Label") or c["Name"] for c in info]
            types = [c["Type"] for c in info]
            # A SELECT's first row repeats the column labels (as PyAthena, drop it only then).
            if page_rows and page_rows[0] == columns:
                page_rows = page_rows[1:]
        rows += page_rows
    return columns, types, rows
