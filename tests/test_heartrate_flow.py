"""The article's whole flow through boto3 against a real ``lakehose up``.

The committed assembly ``examples/heartrate/cdk.out`` is deployed; items are put, updated and
deleted in ``heartrate-ddb``; a flush stands in for Firehose's 60 s buffer; then the delivered
objects, the change records and the saved queries' exact rows are checked. One server and one
deploy serve the module: the stack uses fixed names, so it cannot share the session's server.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from lakehose.cli.athena_query import QueryFailed, named_query, run_query
from lakehose.cli.demo import deploy_heartrate
from lakehose.cli.heartrate import DATABASE_NAME, STREAM_NAME, TABLE_NAME, WORKGROUP_NAME
from lakehose.cli.stages import count_records
from tests.conftest import ServerProcess

pytestmark = [pytest.mark.server, pytest.mark.slow]

# (id, HeartRate, SensorID, ReportTime) as the generator writes them: every attribute a string.
PUT = [
    ("reading-a", "130", "1", "2023-03-22T19:55:16.000Z"),
    ("reading-b", "90", "2", "2023-03-22T19:55:17.000Z"),
    ("reading-c", "125", "3", "2023-03-22T19:55:18.000Z"),
    ("reading-d", "150", "4", "2023-03-22T19:55:19.000Z"),
]
UPDATED_HEART_RATES = {"reading-a": "100", "reading-b": "135"}
DELETED = "reading-c"
OBJECT_KEY = re.compile(
    r"^data/year=(\d{4})/month=(\d{2})/day=(\d{2})/hour=(\d{2})/"
    r"heartrate-firehose-1-\1-\2-\3-\4-\d{2}-\d{2}-[0-9a-f-]{36}\.gz$"
)


@pytest.fixture(scope="module")
def pipeline_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("heartrate") / "home")
    yield process
    process.stop()


@pytest.fixture(scope="module")
def bucket(pipeline_server: ServerProcess) -> Iterator[str]:
    """Deploy the committed assembly; its output names the bucket. Destroyed afterwards."""
    from lakehose.deploy import Deployer

    stack = deploy_heartrate(pipeline_server.client, account_id="000000000000", region="us-east-1")
    assert stack.status == "CREATE_COMPLETE", stack.reason
    yield next(o.value for o in stack.outputs if o.key == "BucketName")
    Deployer(pipeline_server.client, account_id="000000000000", region="us-east-1").destroy(
        stack.name
    )


def _item(reading: tuple[str, str, str, str]) -> dict[str, dict[str, str]]:
    identifier, heart_rate, sensor, report_time = reading
    return {
        "id": {"S": identifier},
        "HeartRate": {"S": heart_rate},
        "SensorID": {"S": sensor},
        "ReportTime": {"S": report_time},
    }


@pytest.fixture(scope="module")
def delivered(pipeline_server: ServerProcess, bucket: str) -> str:
    """Put four readings, update two, delete one, and flush; the bucket then holds them."""
    dynamodb = pipeline_server.client("dynamodb")
    for reading in PUT:
        dynamodb.put_item(TableName=TABLE_NAME, Item=_item(reading))
    for identifier, heart_rate in UPDATED_HEART_RATES.items():
        dynamodb.update_item(
            TableName=TABLE_NAME,
            Key={"id": {"S": identifier}},
            UpdateExpression="SET HeartRate = :rate",
            ExpressionAttributeValues={":rate": {"S": heart_rate}},
        )
    dynamodb.delete_item(TableName=TABLE_NAME, Key={"id": {"S": DELETED}})
    pipeline_server.flush()
    return bucket


def _objects(s3: Any, bucket: str, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def _records(s3: Any, bucket: str) -> list[dict[str, Any]]:
    lines: list[bytes] = []
    for key in _objects(s3, bucket, "data/"):
        body = gzip.decompress(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        assert body.endswith(b"\n")
        lines += body.splitlines()
    return [json.loads(line) for line in lines]


def _query(pipeline_server: ServerProcess, name: str) -> list[list[str | None]]:
    athena = pipeline_server.client("athena")
    saved = named_query(athena, name, WORKGROUP_NAME)
    result = run_query(athena, saved.sql, workgroup=saved.workgroup, database=saved.database)
    assert result.columns == ["ID", "HeartRate", "SensorID", "ReportTime"]
    return result.rows


def test_every_change_is_one_record_in_the_stream(
    pipeline_server: ServerProcess, delivered: str
) -> None:
    assert count_records(pipeline_server.client("kinesis"), STREAM_NAME) == 7


def test_objects_land_under_the_hive_style_prefix(
    pipeline_server: ServerProcess, delivered: str
) -> None:
    s3 = pipeline_server.client("s3")
    keys = _objects(s3, delivered, "data/")
    assert keys
    for key in keys:
        assert OBJECT_KEY.match(key), key
    assert _objects(s3, delivered, "errors/") == []
    records = _records(s3, delivered)
    assert sorted(r["eventName"] for r in records) == ["INSERT"] * 4 + ["MODIFY"] * 2 + ["REMOVE"]
    assert {r["tableName"] for r in records} == {TABLE_NAME}


def test_high_heart_rate_is_the_articles_query(
    pipeline_server: ServerProcess, delivered: str
) -> None:
    # It reads every change record: the reading deleted since and the one updated to 100 still
    # show their old rates, as the article's query does on AWS.
    expected = [
        ["reading-a", "130", "1", "2023-03-22T19:55:16.000Z"],
        ["reading-b", "135", "2", "2023-03-22T19:55:17.000Z"],
        ["reading-c", "125", "3", "2023-03-22T19:55:18.000Z"],
        ["reading-d", "150", "4", "2023-03-22T19:55:19.000Z"],
    ]
    assert sorted(_query(pipeline_server, "high-heart-rate")) == expected  # type: ignore[type-var]


def test_current_state_shows_each_item_once_as_it_is_now(
    pipeline_server: ServerProcess, delivered: str
) -> None:
    assert _query(pipeline_server, "current-state") == [
        ["reading-a", "100", "1", "2023-03-22T19:55:16.000Z"],
        ["reading-b", "135", "2", "2023-03-22T19:55:17.000Z"],
        ["reading-d", "150", "4", "2023-03-22T19:55:19.000Z"],
    ]


def _change(event: str, reading: tuple[str, str, str, str], at_ms: int) -> dict[str, Any]:
    """A KDS-for-DynamoDB record (reference 1.1) for one change of ``reading``."""
    images = {"NewImage": _item(reading)} if event != "REMOVE" else {}
    if event != "INSERT":
        images["OldImage"] = _item(reading)
    return {
        "awsRegion": "us-east-1",
        "eventID": f"00000000-0000-4000-8000-{at_ms % 10**12:012d}",
        "eventName": event,
        "userIdentity": None,
        "recordFormat": "application/json",
        "tableName": TABLE_NAME,
        "dynamodb": {
            "ApproximateCreationDateTime": at_ms,
            "Keys": {"id": {"S": reading[0]}},
            **images,
            "SizeBytes": 100,
        },
        "eventSource": "aws:dynamodb",
    }


def test_current_state_orders_changes_within_one_millisecond(
    pipeline_server: ServerProcess, delivered: str
) -> None:
    s3 = pipeline_server.client("s3")
    folder = _objects(s3, delivered, "data/")[0].rsplit("/", 1)[0]
    at = 1_679_514_917_123
    created = ("reading-e", "110", "5", "2023-03-22T19:55:20.000Z")
    changed = ("reading-f", "121", "5", "2023-03-22T19:55:21.000Z")
    # Later changes first: the query must order them, not the file.
    records = [
        _change("REMOVE", created, at),
        _change("INSERT", created, at),
        _change("MODIFY", (*changed[:1], "99", *changed[2:]), at),
        _change("INSERT", changed, at),
    ]
    body = b"".join(json.dumps(r).encode() + b"\n" for r in records)
    key = f"{folder}/same-millisecond.gz"
    s3.put_object(Bucket=delivered, Key=key, Body=gzip.compress(body))
    try:
        assert [row[:2] for row in _query(pipeline_server, "current-state")] == [
            ["reading-a", "100"],
            ["reading-b", "135"],
            ["reading-d", "150"],
            ["reading-f", "99"],
        ]
    finally:
        s3.delete_object(Bucket=delivered, Key=key)


def test_partition_filters_prune_and_errors_are_not_scanned(
    pipeline_server: ServerProcess, delivered: str
) -> None:
    s3, athena = pipeline_server.client("s3"), pipeline_server.client("athena")
    found = OBJECT_KEY.match(_objects(s3, delivered, "data/")[0])
    assert found is not None
    year, month, day, hour = found.groups()

    def count(where: str = "") -> tuple[list[list[str | None]], int]:
        sql = f'SELECT count(*) FROM "heartrate-glue-table" {where}'
        result = run_query(athena, sql, workgroup=WORKGROUP_NAME, database=DATABASE_NAME)
        return result.rows, result.bytes_scanned

    # Something that is not a change record, where the article's table would have read it.
    s3.put_object(Bucket=delivered, Key="errors/not-a-change-record", Body=b"oops\n")
    try:
        assert count()[0] == [["7"]]
        hour_filter = f"year = '{year}' AND month = '{month}' AND day = '{day}' AND hour = '{hour}'"
        assert count(f"WHERE {hour_filter}")[0] == [["7"]]
        assert count("WHERE year = '2023'") == ([["0"]], 0)
    finally:
        s3.delete_object(Bucket=delivered, Key="errors/not-a-change-record")


def test_a_failing_query_says_why(pipeline_server: ServerProcess, delivered: str) -> None:
    with pytest.raises(QueryFailed, match="FAILED"):
        run_query(
            pipeline_server.client("athena"),
            'SELECT no_such_column FROM "heartrate-glue-table"',
            workgroup=WORKGROUP_NAME,
            database=DATABASE_NAME,
        )


def _lakehose(*arguments: str) -> str:
    # Wide enough that Rich tables are not cut.
    environment = {**os.environ, "COLUMNS": "200"}
    environment.pop("LAKEHOSE_HOME", None)
    answer = subprocess.run(
        [sys.executable, "-m", "lakehose", *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=environment,
    )
    return answer.stdout


def test_lakehose_query_prints_the_rows(pipeline_server: ServerProcess, delivered: str) -> None:
    output = _lakehose(
        "query",
        "--named",
        "current-state",
        "--endpoint",
        pipeline_server.endpoint,
        "--output",
        "json",
    )
    assert [r["ID"] for r in json.loads(output)] == ["reading-a", "reading-b", "reading-d"]


def test_lakehose_status_shows_each_stage(pipeline_server: ServerProcess, delivered: str) -> None:
    output = _lakehose("status", "--endpoint", pipeline_server.endpoint)
    for expected in (
        "heartrate-firehose",
        f"s3://{delivered}",
        "3 items",  # four put, one deleted
        "7 change records",
        "0 objects",  # errors/
    ):
        assert expected in output, expected
