"""Fixtures of the Athena suite: clients in both modes, an output bucket and a workgroup per test.

As in the S3 suite, the in-process mode shares one runtime for the session, like the server mode
does; tests isolate themselves by the names they create (buckets, workgroups, databases) and
never change ``primary``. Tests of the engine alone use ``lake`` with a stand-in SQL engine.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget, cached_client

TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")
# A guard against a hung query, not a performance assertion.
QUERY_DEADLINE_SECONDS = 120


@pytest.fixture
def athena(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "athena")


@pytest.fixture
def s3(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "s3")


@pytest.fixture
def glue(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "glue")


@pytest.fixture
def bucket(s3: Any, name: str) -> Iterator[str]:
    """A bucket named after the test, emptied and deleted afterwards."""
    bucket = name[:63].rstrip("-")
    s3.create_bucket(Bucket=bucket)
    yield bucket
    with contextlib.suppress(ClientError):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if keys:
                s3.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
        s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def output(bucket: str) -> str:
    """The result location the article's workgroup uses: no trailing slash."""
    return f"s3://{bucket}/athena-output"


@pytest.fixture
def workgroup(athena: Any, name: str, output: str) -> Iterator[str]:
    """A workgroup of this test with ``output`` as its result location."""
    athena.create_work_group(
        Name=name, Configuration={"ResultConfiguration": {"OutputLocation": output}}
    )
    yield name
    with contextlib.suppress(ClientError):
        athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)


def wait_for(athena: Any, execution_id: str) -> dict[str, Any]:
    """Poll GetQueryExecution as clients do until the query has finished."""
    deadline = time.monotonic() + QUERY_DEADLINE_SECONDS
    while True:
        execution: dict[str, Any] = athena.get_query_execution(QueryExecutionId=execution_id)[
            "QueryExecution"
        ]
        if execution["Status"]["State"] in TERMINAL:
            return execution
        assert time.monotonic() < deadline, f"query {execution_id} did not finish"
        time.sleep(0.02)


def run(athena: Any, query: str, **arguments: Any) -> dict[str, Any]:
    """Start a query and wait for it; the finished QueryExecution."""
    execution_id = athena.start_query_execution(QueryString=query, **arguments)["QueryExecutionId"]
    return wait_for(athena, execution_id)


def all_rows(athena: Any, execution_id: str, page_size: int | None = None) -> list[list[Any]]:
    """Every row of a result over all pages, each value as GetQueryResults shows it."""
    rows: list[list[Any]] = []
    arguments: dict[str, Any] = {"QueryExecutionId": execution_id}
    if page_size:
        arguments["MaxResults"] = page_size
    while True:
        page = athena.get_query_results(**arguments)
        rows += [
            [datum.get("VarCharValue") for datum in row["Data"]]
            for row in page["ResultSet"]["Rows"]
        ]
        if "NextToken" not in page:
            return rows
        arguments["NextToken"] = page["NextToken"]


def error_of(error: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    """The error's code, message and AthenaErrorCode."""
    response = error.value.response
    return {
        "Code": response["Error"]["Code"],
        "Message": response["Error"]["Message"],
        "AthenaErrorCode": response.get("AthenaErrorCode"),
    }
