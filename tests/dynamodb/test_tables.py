"""CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable: shapes and AWS's errors."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import TableFactory, error_of, key_schema

INVALID = "One or more parameter values were invalid: "


def test_create_and_describe_table(ddb: Any, name: str, make_table: TableFactory) -> None:
    created = ddb.create_table(
        TableName=name,
        **key_schema(("pk", "S"), ("sk", "N")),
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 3},
    )["TableDescription"]
    assert created["TableStatus"] == "CREATING"
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    table = ddb.describe_table(TableName=name)["Table"]
    try:
        assert table["TableStatus"] == "ACTIVE"
        assert table["TableName"] == name
        assert table["TableArn"].endswith(f":table/{name}")
        assert table["TableArn"].startswith("arn:aws:dynamodb:us-east-1:")
        assert str(uuid.UUID(table["TableId"])) == table["TableId"]
        assert table["KeySchema"] == [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ]
        assert table["ProvisionedThroughput"] == {
            "NumberOfDecreasesToday": 0,
            "ReadCapacityUnits": 5,
            "WriteCapacityUnits": 3,
        }
        assert (table["ItemCount"], table["TableSizeBytes"]) == (0, 0)
        assert "BillingModeSummary" not in table  # created without an explicit BillingMode
        assert "GlobalSecondaryIndexes" not in table
    finally:
        ddb.delete_table(TableName=name)


def test_pay_per_request_summary_and_counts(ddb: Any, table: str) -> None:
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"S": "12345"}})
    described = ddb.describe_table(TableName=table)["Table"]
    assert described["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert "LastUpdateToPayPerRequestDateTime" in described["BillingModeSummary"]
    assert described["ProvisionedThroughput"]["ReadCapacityUnits"] == 0
    assert (described["ItemCount"], described["TableSizeBytes"]) == (1, 2 + 1 + 1 + 5)


def test_table_arn_addresses_the_table(ddb: Any, table: str) -> None:
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    assert ddb.describe_table(TableName=arn)["Table"]["TableName"] == table


def test_indexes_are_described(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(
        ("pk", "S"),
        ("sk", "S"),
        AttributeDefinitions=[
            {"AttributeName": "g", "AttributeType": "N"},
            {"AttributeName": "l", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-g",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "by-l",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    described = ddb.describe_table(TableName=table)["Table"]
    (gsi,) = described["GlobalSecondaryIndexes"]
    assert gsi["IndexStatus"] == "ACTIVE"
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["x"]}
    assert gsi["IndexArn"] == f"{described['TableArn']}/index/by-g"
    (lsi,) = described["LocalSecondaryIndexes"]
    assert lsi["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    assert "IndexStatus" not in lsi


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            {**key_schema(("a", "S")), "AttributeDefinitions": []},
            "Invalid KeySchema: Some index key attribute have no definition",
        ),
        (
            {
                **key_schema(("a", "S")),
                "AttributeDefinitions": [
                    {"AttributeName": "a", "AttributeType": "S"},
                    {"AttributeName": "b", "AttributeType": "S"},
                ],
            },
            INVALID + "Number of attributes in KeySchema does not exactly match number of "
            "attributes defined in AttributeDefinitions",
        ),
        (
            {
                "KeySchema": [
                    {"AttributeName": "a", "KeyType": "RANGE"},
                    {"AttributeName": "b", "KeyType": "HASH"},
                ],
                "AttributeDefinitions": key_schema(("a", "S"), ("b", "S"))["AttributeDefinitions"],
            },
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type",
        ),
        (
            {
                "KeySchema": [
                    {"AttributeName": "a", "KeyType": "HASH"},
                    {"AttributeName": "a", "KeyType": "RANGE"},
                ],
                "AttributeDefinitions": key_schema(("a", "S"))["AttributeDefinitions"],
            },
            "Both the Hash Key and the Range Key element in the KeySchema have the same name",
        ),
    ],
)
def test_create_table_schema_errors(
    ddb: Any, name: str, arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ClientError) as error:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **arguments)
    assert error_of(error) == ("ValidationException", message)


def test_unused_definitions_with_indexes(ddb: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "user", "AttributeType": "S"},
                {"AttributeName": "created_at", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "gsi",
                    "KeySchema": [{"AttributeName": "user", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
    assert error_of(error) == (
        "ValidationException",
        INVALID + "Some AttributeDefinitions are not used. AttributeDefinitions: "
        "[created_at, id, user], keys used: [id, user]",
    )


def test_billing_errors(ddb: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.create_table(TableName=name, **key_schema(("id", "S")))
    assert error_of(error)[1] == (
        INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
        "BillingMode is PROVISIONED"
    )
    with pytest.raises(ClientError) as error:
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            **key_schema(("id", "S")),
        )
    assert error_of(error)[1] == (
        INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
        "BillingMode is PAY_PER_REQUEST"
    )


def test_lsi_needs_a_range_key(ddb: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.create_table(
            TableName=name,
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "l", "AttributeType": "S"},
            ],
            LocalSecondaryIndexes=[
                {
                    "IndexName": "lsi",
                    "KeySchema": [
                        {"AttributeName": "id", "KeyType": "HASH"},
                        {"AttributeName": "l", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
    assert error_of(error)[1] == (
        INVALID + "Table KeySchema does not have a range key, which is required when "
        "specifying a LocalSecondaryIndex"
    )


def test_table_name_rules(ddb: Any) -> None:
    with pytest.raises(ClientError) as error:
        ddb.describe_table(TableName="ab")
    assert error_of(error) == (
        "ValidationException",
        "Invalid table/index name.  Table/index names must be between 3 and 255 characters "
        "long, and may contain only the characters a-z, A-Z, 0-9, '_', '-', and '.'",
    )


def test_existing_and_missing_tables(ddb: Any, table: str, name: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.create_table(TableName=table, BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")))
    assert error_of(error) == ("ResourceInUseException", f"Table already exists: {table}")
    missing = f"{name}-missing"
    for call in (ddb.describe_table, ddb.delete_table):
        with pytest.raises(ClientError) as error:
            call(TableName=missing)
        assert error_of(error) == (
            "ResourceNotFoundException",
            f"Requested resource not found: Table: {missing} not found",
        )
    with pytest.raises(ClientError) as error:
        ddb.get_item(TableName=missing, Key={"id": {"S": "a"}})
    assert error_of(error) == ("ResourceNotFoundException", "Requested resource not found")


def test_list_tables_pages(ddb: Any, make_table: TableFactory) -> None:
    names = [make_table(suffix=f"-{i}") for i in range(3)]
    seen: list[str] = []
    start: dict[str, Any] = {}
    while True:
        page = ddb.list_tables(Limit=2, **start)
        seen += page["TableNames"]
        assert len(page["TableNames"]) <= 2
        if "LastEvaluatedTableName" not in page:
            break
        start = {"ExclusiveStartTableName": page["LastEvaluatedTableName"]}
    assert seen == sorted(seen)
    assert set(names) <= set(seen)


def test_delete_table_removes_items(ddb: Any, name: str) -> None:
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")))
    ddb.put_item(TableName=name, Item={"id": {"S": "a"}})
    deleted = ddb.delete_table(TableName=name)["TableDescription"]
    assert (deleted["TableStatus"], deleted["ItemCount"]) == ("DELETING", 1)
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")))
    try:
        assert ddb.scan(TableName=name)["Items"] == []
    finally:
        ddb.delete_table(TableName=name)


def test_deletion_protection(ddb: Any, table: str) -> None:
    ddb.update_table(TableName=table, DeletionProtectionEnabled=True)
    with pytest.raises(ClientError) as error:
        ddb.delete_table(TableName=table)
    assert error_of(error) == (
        "ValidationException",
        "Resource cannot be deleted as it is currently protected against deletion. "
        "Disable deletion protection first.",
    )
    ddb.update_table(TableName=table, DeletionProtectionEnabled=False)


def test_update_table_throughput_and_billing(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )
    updated = ddb.update_table(
        TableName=table, ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 9}
    )["TableDescription"]
    assert updated["TableStatus"] == "UPDATING"
    throughput = ddb.describe_table(TableName=table)["Table"]["ProvisionedThroughput"]
    assert (throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]) == (2, 9)
    assert throughput["NumberOfDecreasesToday"] == 1
    with pytest.raises(ClientError) as error:
        ddb.update_table(
            TableName=table, ProvisionedThroughput={"ReadCapacityUnits": 2, "WriteCapacityUnits": 9}
        )
    assert error_of(error)[1].startswith(
        "The provisioned throughput for the table will not change. The requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the table: 2."
    )
    ddb.update_table(TableName=table, BillingMode="PAY_PER_REQUEST")
    summary = ddb.describe_table(TableName=table)["Table"]["BillingModeSummary"]
    assert summary["BillingMode"] == "PAY_PER_REQUEST"
    with pytest.raises(ClientError) as error:
        ddb.update_table(TableName=table)
    assert error_of(error)[1].startswith("At least one of ProvisionedThroughput, BillingMode")


def test_update_table_creates_and_deletes_a_gsi(ddb: Any, table: str) -> None:
    for i in range(3):
        ddb.put_item(TableName=table, Item={"id": {"S": f"i{i}"}, "g": {"S": f"g{i % 2}"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "no-g"}})
    created = ddb.update_table(
        TableName=table,
        AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "by-g",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                }
            }
        ],
    )["TableDescription"]
    assert created["GlobalSecondaryIndexes"][0]["IndexStatus"] == "CREATING"
    found = ddb.query(
        TableName=table,
        IndexName="by-g",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "g0"}},
    )["Items"]
    assert sorted(item["id"]["S"] for item in found) == ["i0", "i2"]
    assert (
        ddb.describe_table(TableName=table)["Table"]["GlobalSecondaryIndexes"][0]["ItemCount"] == 3
    )
    with pytest.raises(ClientError) as error:
        ddb.update_table(
            TableName=table,
            AttributeDefinitions=[{"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[
                {
                    "Create": {
                        "IndexName": "by-g",
                        "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                        "Projection": {"ProjectionType": "ALL"},
                    }
                }
            ],
        )
    assert error_of(error) == (
        "ValidationException",
        "Attempting to create an index which already exists",
    )
    ddb.update_table(
        TableName=table, GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by-g"}}]
    )
    described = ddb.describe_table(TableName=table)["Table"]
    assert "GlobalSecondaryIndexes" not in described
    assert described["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    with pytest.raises(ClientError) as error:
        ddb.query(
            TableName=table,
            IndexName="by-g",
            KeyConditionExpression="g = :g",
            ExpressionAttributeValues={":g": {"S": "g0"}},
        )
    assert error_of(error) == (
        "ValidationException",
        "The table does not have the specified index: by-g",
    )


def test_stream_specification_is_stored(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    described = ddb.describe_table(TableName=table)["Table"]
    assert described["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_IMAGE",
    }
    assert described["LatestStreamArn"] == (
        f"{described['TableArn']}/stream/{described['LatestStreamLabel']}"
    )
    with pytest.raises(ClientError) as error:
        ddb.update_table(
            TableName=table,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        )
    assert error_of(error)[1] == f"Table already has an enabled stream: TableName: {table}"
