"""ExportTableToPointInTime, DescribeExport, ListExports and the recovery flag they require.

Shapes and messages as moto's AWS-verified export tests and AWS's "export output format" page
record them; the export read back by Athena through a Glue table, as the lake would use it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.athena.conftest import all_rows, run
from tests.athena.tables import create_json_table, delete_bucket
from tests.conftest import NO_RETRIES, AwsTarget, ServerProcess, cached_client
from tests.dynamodb.conftest import error_of, key_schema


@pytest.fixture
def s3(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "s3")


@pytest.fixture
def bucket(s3: Any, name: str) -> Iterator[str]:
    """The export destination, named after the test, deleted with its objects afterwards."""
    created = f"{name[:55].rstrip('-')}-exp"
    s3.create_bucket(Bucket=created)
    yield created
    delete_bucket(s3, created)


def table_arn(ddb: Any, table: str) -> str:
    return str(ddb.describe_table(TableName=table)["Table"]["TableArn"])


def enable_recovery(ddb: Any, table: str) -> dict[str, Any]:
    answer: dict[str, Any] = ddb.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
    )["ContinuousBackupsDescription"]
    return answer


def finished(ddb: Any, export_arn: str) -> dict[str, Any]:
    description: dict[str, Any] = ddb.describe_export(ExportArn=export_arn)["ExportDescription"]
    assert description["ExportStatus"] != "IN_PROGRESS"
    return description


def test_export_requires_point_in_time_recovery(ddb: Any, table: str, bucket: str) -> None:
    described = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert described == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }
    with pytest.raises(ClientError) as refused:
        ddb.export_table_to_point_in_time(
            TableArn=table_arn(ddb, table), S3Bucket=bucket, ExportFormat="DYNAMODB_JSON"
        )
    assert error_of(refused) == (
        "PointInTimeRecoveryUnavailableException",
        f"Point in time recovery is not enabled for table '{table}'",
    )
    enabled = enable_recovery(ddb, table)["PointInTimeRecoveryDescription"]
    assert enabled["PointInTimeRecoveryStatus"] == "ENABLED"
    assert enabled["RecoveryPeriodInDays"] == 35
    assert enabled["EarliestRestorableDateTime"] <= enabled["LatestRestorableDateTime"]


def test_export_of_a_missing_table(ddb: Any, table: str, bucket: str) -> None:
    missing = table_arn(ddb, table) + "-gone"
    with pytest.raises(ClientError) as refused:
        ddb.export_table_to_point_in_time(TableArn=missing, S3Bucket=bucket)
    assert error_of(refused) == ("TableNotFoundException", f"Table not found: {missing}")
    with pytest.raises(ClientError) as absent:
        ddb.describe_continuous_backups(TableName=table + "-gone")
    assert error_of(absent)[0] == "TableNotFoundException"


def test_export_to_a_missing_bucket_fails(ddb: Any, table: str, name: str) -> None:
    enable_recovery(ddb, table)
    started = ddb.export_table_to_point_in_time(
        TableArn=table_arn(ddb, table), S3Bucket=f"{name[:50]}-nobucket", S3Prefix="prefix"
    )["ExportDescription"]
    assert started["ExportStatus"] == "IN_PROGRESS"
    described = finished(ddb, started["ExportArn"])
    assert described["ExportStatus"] == "FAILED"
    assert described["FailureCode"] == "S3NoSuchBucket"
    assert "The specified bucket does not exist" in described["FailureMessage"]


def test_export_writes_aws_layout(ddb: Any, s3: Any, table: str, bucket: str) -> None:
    enable_recovery(ddb, table)
    items = [
        {"id": {"S": "user1"}, "binaryfoo": {"B": b"bar"}},
        {"id": {"S": "user2"}, "foo": {"S": "bar"}},
        {"id": {"S": "user3"}, "n": {"N": "1.5"}, "m": {"M": {"l": {"L": [{"BOOL": True}]}}}},
    ]
    for item in items:
        ddb.put_item(TableName=table, Item=item)
    arn = table_arn(ddb, table)
    started = ddb.export_table_to_point_in_time(
        TableArn=arn, S3Bucket=bucket, S3Prefix="prefix", ExportFormat="DYNAMODB_JSON"
    )["ExportDescription"]
    assert set(started) == {
        "ExportArn",
        "ExportStatus",
        "StartTime",
        "TableArn",
        "TableId",
        "ExportTime",
        "ClientToken",
        "S3Bucket",
        "S3Prefix",
        "S3SseAlgorithm",
        "ExportFormat",
        "ExportType",
    }
    export_id = started["ExportArn"].rsplit("/", 1)[1]
    assert started["ExportArn"] == f"{arn}/export/{export_id}"
    assert len(export_id) == 23 and export_id[14] == "-"
    described = finished(ddb, started["ExportArn"])
    assert described["ExportStatus"] == "COMPLETED"
    assert described["ItemCount"] == 3
    assert described["ExportType"] == "FULL_EXPORT"
    assert described["ExportManifest"] == f"prefix/AWSDynamoDB/{export_id}/manifest-summary.json"

    base = f"prefix/AWSDynamoDB/{export_id}/"
    keys = {entry["Key"] for entry in s3.list_objects_v2(Bucket=bucket)["Contents"]}
    data_keys = [key for key in keys if key.startswith(f"{base}data/")]
    assert keys == {
        f"{base}_started",
        f"{base}manifest-files.json",
        f"{base}manifest-files.md5",
        f"{base}manifest-summary.json",
        f"{base}manifest-summary.md5",
        *data_keys,
    }
    assert len(data_keys) == 1
    assert re.fullmatch(r"[a-z2-7]{26}\.json\.gz", data_keys[0].rsplit("/", 1)[1])
    body = gzip.decompress(s3.get_object(Bucket=bucket, Key=data_keys[0])["Body"].read())
    rows = [json.loads(line) for line in body.decode().split("\n") if line]
    assert sorted(rows, key=lambda row: row["Item"]["id"]["S"]) == [
        {"Item": {"id": {"S": "user1"}, "binaryfoo": {"B": "YmFy"}}},
        {"Item": {"id": {"S": "user2"}, "foo": {"S": "bar"}}},
        {"Item": items[2]},
    ]
    files = json.loads(
        s3.get_object(Bucket=bucket, Key=f"{base}manifest-files.json")["Body"].read()
    )
    assert files["itemCount"] == 3 and files["dataFileS3Key"] == data_keys[0]
    summary = json.loads(
        s3.get_object(Bucket=bucket, Key=f"{base}manifest-summary.json")["Body"].read()
    )
    assert summary["version"] == "2020-06-30"
    assert summary["exportArn"] == started["ExportArn"]
    assert summary["manifestFilesS3Key"] == f"{base}manifest-files.json"
    assert (summary["itemCount"], summary["outputFormat"]) == (3, "DYNAMODB_JSON")


def test_list_exports_pages(ddb: Any, table: str, bucket: str) -> None:
    enable_recovery(ddb, table)
    arn = table_arn(ddb, table)
    exported = [
        ddb.export_table_to_point_in_time(TableArn=arn, S3Bucket=bucket)["ExportDescription"][
            "ExportArn"
        ]
        for _ in range(3)
    ]
    first = ddb.list_exports(TableArn=arn, MaxResults=2)
    assert first["ExportSummaries"] == [
        {"ExportArn": export, "ExportStatus": "COMPLETED", "ExportType": "FULL_EXPORT"}
        for export in exported[:2]
    ]
    rest = ddb.list_exports(TableArn=arn, MaxResults=2, NextToken=first["NextToken"])
    assert [summary["ExportArn"] for summary in rest["ExportSummaries"]] == exported[2:]
    assert "NextToken" not in rest
    with pytest.raises(ClientError) as unknown:
        ddb.describe_export(ExportArn=exported[0] + "0")
    assert error_of(unknown)[0] == "ExportNotFoundException"


@pytest.mark.parametrize(
    "arguments",
    [{"ExportFormat": "ION"}, {"ExportType": "INCREMENTAL_EXPORT"}],
)
def test_unimplemented_options_are_refused(
    ddb: Any, table: str, bucket: str, arguments: dict[str, str]
) -> None:
    enable_recovery(ddb, table)
    with pytest.raises(ClientError) as refused:
        ddb.export_table_to_point_in_time(
            TableArn=table_arn(ddb, table), S3Bucket=bucket, **arguments
        )
    assert error_of(refused)[0] == "ValidationException"


def test_athena_reads_an_export_through_glue(
    aws: AwsTarget, client_cache: dict[str, Any], ddb: Any, table: str, bucket: str, name: str
) -> None:
    glue = cached_client(aws, client_cache, "glue")
    athena = cached_client(aws, client_cache, "athena")
    enable_recovery(ddb, table)
    for number in range(5):
        ddb.put_item(
            TableName=table,
            Item={"id": {"S": f"sensor-{number}"}, "HeartRate": {"N": str(100 + 10 * number)}},
        )
    started = ddb.export_table_to_point_in_time(
        TableArn=table_arn(ddb, table), S3Bucket=bucket, S3Prefix="lake"
    )["ExportDescription"]
    export_id = started["ExportArn"].rsplit("/", 1)[1]
    assert finished(ddb, started["ExportArn"])["ExportStatus"] == "COMPLETED"
    database = f"exports_{name}".replace("-", "_")[:120]
    create_json_table(
        glue,
        database,
        "heartrate_export",
        f"s3://{bucket}/lake/AWSDynamoDB/{export_id}/data/",
        [{"Name": "item", "Type": "struct<id:struct<s:string>,heartrate:struct<n:int>>"}],
    )
    try:
        execution = run(
            athena,
            'SELECT item.id.s, item.heartrate.n FROM "heartrate_export" '
            "WHERE item.heartrate.n > 120 ORDER BY 1",
            QueryExecutionContext={"Database": database},
            ResultConfiguration={"OutputLocation": f"s3://{bucket}/athena-output/"},
        )
        assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]
        rows = all_rows(athena, execution["QueryExecutionId"])
        assert rows[1:] == [["sensor-3", "130"], ["sensor-4", "140"]]
    finally:
        with contextlib.suppress(ClientError):
            glue.delete_database(Name=database)


@pytest.mark.server
def test_acknowledged_export_and_recovery_flag_survive_kill_9(tmp_path: Path) -> None:
    home = tmp_path / "home"
    server = ServerProcess(home)
    try:
        ddb = server.client("dynamodb", config=NO_RETRIES)
        s3 = server.client("s3", config=NO_RETRIES)
        s3.create_bucket(Bucket="exports")
        ddb.create_table(TableName="kept", BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")))
        ddb.put_item(TableName="kept", Item={"id": {"S": "one"}})
        enable_recovery(ddb, "kept")
        started = ddb.export_table_to_point_in_time(
            TableArn=table_arn(ddb, "kept"), S3Bucket="exports"
        )["ExportDescription"]
    finally:
        server.kill()
    server = ServerProcess(home)
    try:
        ddb = server.client("dynamodb", config=NO_RETRIES)
        described = finished(ddb, started["ExportArn"])
        assert (described["ExportStatus"], described["ItemCount"]) == ("COMPLETED", 1)
        recovery = ddb.describe_continuous_backups(TableName="kept")
        assert (
            recovery["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"][
                "PointInTimeRecoveryStatus"
            ]
            == "ENABLED"
        )
    finally:
        server.stop()
