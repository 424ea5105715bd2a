"""BatchWriteItem and BatchGetItem: shapes, limits, duplicates, all-or-nothing validation."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import TableFactory, error_of


def _put(item_id: str, **extra: Any) -> dict[str, Any]:
    return {"PutRequest": {"Item": {"id": {"S": item_id}, **extra}}}


def test_batch_write_and_get(ddb: Any, make_table: TableFactory) -> None:
    first, second = make_table(suffix="-a"), make_table(suffix="-b")
    ddb.put_item(TableName=first, Item={"id": {"S": "old"}})
    answer = ddb.batch_write_item(
        RequestItems={
            first: [_put("x", v={"N": "1"}), {"DeleteRequest": {"Key": {"id": {"S": "old"}}}}],
            second: [_put("y")],
        },
        ReturnConsumedCapacity="TOTAL",
    )
    assert answer["UnprocessedItems"] == {}
    assert sorted(c["TableName"] for c in answer["ConsumedCapacity"]) == sorted([first, second])
    assert {c["TableName"]: c["CapacityUnits"] for c in answer["ConsumedCapacity"]} == {
        first: 2.0,
        second: 1.0,
    }
    got = ddb.batch_get_item(
        RequestItems={
            first: {"Keys": [{"id": {"S": "x"}}, {"id": {"S": "old"}}], "ConsistentRead": True},
            second: {"Keys": [{"id": {"S": "y"}}], "ProjectionExpression": "id"},
        }
    )
    assert got["UnprocessedKeys"] == {}
    assert got["Responses"][first] == [{"id": {"S": "x"}, "v": {"N": "1"}}]
    assert got["Responses"][second] == [{"id": {"S": "y"}}]


def test_batch_write_limits_and_duplicates(ddb: Any, table: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.batch_write_item(RequestItems={table: [_put(f"i{i}") for i in range(26)]})
    assert error_of(error)[0] == "ValidationException"
    with pytest.raises(ClientError) as error:
        ddb.batch_write_item(
            RequestItems={table: [_put("same"), {"DeleteRequest": {"Key": {"id": {"S": "same"}}}}]}
        )
    assert error_of(error) == (
        "ValidationException",
        "Provided list of item keys contains duplicates",
    )
    assert ddb.scan(TableName=table)["Count"] == 0


def test_batch_write_is_rejected_whole(ddb: Any, table: str, name: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.batch_write_item(RequestItems={table: [_put("ok"), {"PutRequest": {"Item": {}}}]})
    assert error_of(error) == (
        "ValidationException",
        "One or more parameter values were invalid: Missing the key id in the item",
    )
    with pytest.raises(ClientError) as error:
        ddb.batch_write_item(RequestItems={table: [_put("ok")], f"{name}-nope": [_put("z")]})
    assert error_of(error) == ("ResourceNotFoundException", "Requested resource not found")
    assert ddb.scan(TableName=table)["Count"] == 0


def test_batch_get_limits_and_duplicates(ddb: Any, table: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.batch_get_item(RequestItems={table: {"Keys": [{"id": {"S": "a"}}, {"id": {"S": "a"}}]}})
    assert error_of(error)[1] == "Provided list of item keys contains duplicates"
    with pytest.raises(ClientError) as error:
        ddb.batch_get_item(
            RequestItems={table: {"Keys": [{"id": {"S": f"k{i}"}} for i in range(101)]}}
        )
    assert error_of(error)[0] == "ValidationException"
    answer = ddb.batch_get_item(RequestItems={table: {"Keys": [{"id": {"S": "missing"}}]}})
    assert answer["Responses"] == {table: []}


def test_batch_get_leaves_keys_past_16_mb_unprocessed(ddb: Any, table: str) -> None:
    # Items of 399,996 bytes (id "k00": 5, p: 1 + 399,990): 41 fit in 16 MiB, the 42nd not.
    keys = [{"id": {"S": f"k{n:02d}"}} for n in range(44)]
    for key in keys:
        ddb.put_item(TableName=table, Item={**key, "p": {"S": "x" * 399_990}})
    got = ddb.batch_get_item(
        RequestItems={table: {"Keys": keys, "ProjectionExpression": "id"}},
        ReturnConsumedCapacity="TOTAL",
    )
    assert got["Responses"][table] == keys[:41]
    assert got["UnprocessedKeys"] == {table: {"Keys": keys[41:], "ProjectionExpression": "id"}}
    # Eventually consistent reads of 400 KB items: 49 units each, for the items returned only.
    assert got["ConsumedCapacity"] == [{"TableName": table, "CapacityUnits": 41 * 49.0}]
    rest = ddb.batch_get_item(RequestItems=got["UnprocessedKeys"])
    assert rest["Responses"][table] == keys[41:]
    assert rest["UnprocessedKeys"] == {}
