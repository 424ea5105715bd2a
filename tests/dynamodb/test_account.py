"""DescribeLimits, DescribeEndpoints, continuous backups, and the TableDescription fields AWS
returns on CreateTable, UpdateTable and DeleteTable."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.dynamodb.conftest import TableFactory, error_of, key_schema


def test_describe_limits_gives_aws_default_quotas(ddb: Any) -> None:
    answer = ddb.describe_limits()
    del answer["ResponseMetadata"]
    assert answer == {
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000,
    }


def test_describe_endpoints_names_the_endpoint_reached(ddb: Any) -> None:
    (endpoint,) = ddb.describe_endpoints()["Endpoints"]
    assert endpoint == {
        "Address": ddb.meta.endpoint_url.split("://", 1)[1],
        "CachePeriodInMinutes": 1440,
    }


def test_continuous_backups_store_the_recovery_flag(ddb: Any, table: str) -> None:
    disabled = {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"},
    }
    assert ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"] == (
        disabled
    )
    enabled = ddb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )["ContinuousBackupsDescription"]
    recovery = enabled["PointInTimeRecoveryDescription"]
    assert enabled == {
        "ContinuousBackupsStatus": "ENABLED",
        "PointInTimeRecoveryDescription": {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": 35,
            "EarliestRestorableDateTime": recovery["EarliestRestorableDateTime"],
            "LatestRestorableDateTime": recovery["LatestRestorableDateTime"],
        },
    }
    assert isinstance(recovery["EarliestRestorableDateTime"], datetime)
    again = ddb.update_continuous_backups(
        TableName=table,
        PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": 7,
        },
    )["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert again["RecoveryPeriodInDays"] == 7
    assert again["EarliestRestorableDateTime"] == recovery["EarliestRestorableDateTime"]
    described = ddb.describe_continuous_backups(TableName=table)["ContinuousBackupsDescription"]
    assert described["PointInTimeRecoveryDescription"]["RecoveryPeriodInDays"] == 7
    off = ddb.update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": False}
    )["ContinuousBackupsDescription"]
    assert off == disabled


@pytest.mark.parametrize("operation", ["describe", "update"])
def test_continuous_backups_of_a_missing_table(ddb: Any, name: str, operation: str) -> None:
    with pytest.raises(ClientError) as error:
        if operation == "describe":
            ddb.describe_continuous_backups(TableName=f"{name}-none")
        else:
            ddb.update_continuous_backups(
                TableName=f"{name}-none",
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
    assert error_of(error) == ("TableNotFoundException", f"Table not found: {name}-none")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_recovery_window_follows_the_clock(lake: Lakehose) -> None:
    ddb = lake.client("dynamodb")
    ddb.create_table(TableName="pitr", BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")))
    ddb.update_continuous_backups(
        TableName="pitr",
        PointInTimeRecoverySpecification={
            "PointInTimeRecoveryEnabled": True,
            "RecoveryPeriodInDays": 1,
        },
    )
    start = datetime.fromtimestamp(lake.now()).astimezone()
    lake.advance(3 * 86400)
    recovery = ddb.describe_continuous_backups(TableName="pitr")["ContinuousBackupsDescription"][
        "PointInTimeRecoveryDescription"
    ]
    now = start + timedelta(days=3)
    assert recovery["EarliestRestorableDateTime"] == now - timedelta(days=1)
    assert recovery["LatestRestorableDateTime"] == now - timedelta(minutes=5)


def test_delete_table_answers_aws_short_description(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    described = ddb.describe_table(TableName=table)["Table"]
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}})
    deleted = ddb.delete_table(TableName=table)["TableDescription"]
    assert deleted == {
        "TableName": table,
        "TableStatus": "DELETING",
        "ProvisionedThroughput": {
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": 0,
            "WriteCapacityUnits": 0,
        },
        "TableSizeBytes": 3,
        "ItemCount": 1,
        "TableArn": described["TableArn"],
        "TableId": described["TableId"],
        "BillingModeSummary": described["BillingModeSummary"],
    }


def test_table_class_summary_when_set(ddb: Any, make_table: TableFactory) -> None:
    plain = make_table(suffix="-plain")
    assert "TableClassSummary" not in ddb.describe_table(TableName=plain)["Table"]
    assert ddb.describe_table(TableName=plain)["Table"]["DeletionProtectionEnabled"] is False
    table = make_table(TableClass="STANDARD")
    assert ddb.describe_table(TableName=table)["Table"]["TableClassSummary"] == {
        "TableClass": "STANDARD"
    }
    updated = ddb.update_table(TableName=table, TableClass="STANDARD_INFREQUENT_ACCESS")
    summary = updated["TableDescription"]["TableClassSummary"]
    assert summary["TableClass"] == "STANDARD_INFREQUENT_ACCESS"
    assert isinstance(summary["LastUpdateDateTime"], datetime)
