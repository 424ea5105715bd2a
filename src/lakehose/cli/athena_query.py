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


class WorkGroupNotFound(LakehoseError):
    """The workgroup a command names does not exist (Athena says only "WorkGroup is not
    found.", so the command names it)."""


def named_query(athena: Any, name: str, workgroup: str | None) -> NamedQuery:
    """The saved query called ``name`` in ``workgroup``, or in any workgroup when None (names
    need not be unique in Athena)."""
    if workgroup is None:
        workgroups: list[str] = []
        arguments: dict[str, Any] = {}
        while True:  # botocore has no paginator for ListWorkGroups
            page = athena.list_work_groups(**arguments)
            workgroups += [w["Name"] for w in page.get("WorkGroups", [])]
            if not page.get("NextToken"):
                break
            arguments["NextToken"] = page["NextToken"]
    else:
        require_workgroup(athena, workgroup)
        workgroups = [workgroup]
    found = []
    for group in workgroups:
        ids: list[str] = []
        for page in athena.get_paginator("list_named_queries").paginate(WorkGroup=group):
            ids += page.get("NamedQueryIds", [])
        # BatchGetNamedQuery takes at most 50 ids.
        for start in range(0, len(ids), 50):
            answer = athena.batch_get_named_query(NamedQueryIds=ids[start : start + 50])
            found += [q for q in answer.get("NamedQueries", []) if q["Name"] == name]
    if len(found) != 1:
        problem = "no saved query" if not found else f"{len(found)} saved queries"
        where = f"workgroup {workgroup!r}" if workgroup else "any workgroup"
        raise NamedQueryNotFound(f"{problem} named {name!r} in {where}")
    query = found[0]
    return NamedQuery(name, query["QueryString"], query["Database"], query["WorkGroup"])


def require_workgroup(athena: Any, workgroup: str) -> dict[str, Any]:
    """The workgroup's description, or ``WorkGroupNotFound`` naming it."""
    from botocore.exceptions import ClientError

    try:
        found: dict[str, Any] = athena.get_work_group(WorkGroup=workgroup)["WorkGroup"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "InvalidRequestException":
            raise
        raise WorkGroupNotFound(
            f"workgroup {workgroup!r} not found: create it, or choose one with --workgroup"
        ) from None
    return found


def results_bucket(account_id: str, region: str) -> str:
    """The bucket lakehose keeps query results in when nothing else names one (as the Athena
    console offers ``aws-athena-query-results-<account>-<region>``)."""
    return f"lakehose-query-results-{account_id}-{region}"


def output_location(
    clients: Callable[[str], Any], workgroup: str, account_id: str, region: str
) -> str | None:
    """Where results go when the command names no output location: the workgroup's, else
    (None) a folder of the lakehose results bucket, created when missing."""
    configuration = require_workgroup(clients("athena"), workgroup).get("Configuration", {})
    if (configuration.get("ResultConfiguration") or {}).get("OutputLocation"):
        return None
    bucket = results_bucket(account_id, region)
    s3 = clients("s3")
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        arguments: dict[str, Any] = {"Bucket": bucket}
        if region != "us-east-1":
            arguments["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**arguments)
    return f"s3://{bucket}/"


def run_query(
    athena: Any,
    sql: str,
    *,
    workgroup: str,
    database: str | None = None,
    output_location: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> QueryResult:
    """Run ``sql`` and return all its rows (``QueryFailed`` if it does not succeed)."""
    request: dict[str, Any] = {"QueryString": sql, "WorkGroup": workgroup}
    if database:
        request["QueryExecutionContext"] = {"Database": database}
    if output_location:
        request["ResultConfiguration"] = {"OutputLocation": output_location}
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


# Athena's types whose text is a JSON number or boolean; the rest (decimal, to keep its digits,
# dates, arrays, maps, rows, ...) stay the text Athena returns.
_INTEGERS = ("tinyint", "smallint", "integer", "bigint")
_FLOATS = ("real", "float", "double")


def typed_value(value: str | None, athena_type: str) -> Any:
    """A result value as JSON types it, by its ColumnInfo type."""
    if value is None:
        return None
    kind = athena_type.lower()
    if kind in _INTEGERS:
        return int(value)
    if kind in _FLOATS:
        return float(value)  # "NaN" and "Infinity" too, as Python's json writes them
    if kind == "boolean":
        return value == "true"
    return value
