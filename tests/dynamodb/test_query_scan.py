"""Query and Scan: sort-key conditions on S / N / B, order, pages, Select, segments, indexes."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import TableFactory, error_of

NUMBERS = ["-1e5", "-10", "-2.5", "-2", "0", "0.001", "1", "1.5", "2", "10", "1e3", "12345678"]


def _fill(ddb: Any, table: str, partition: str = "p") -> None:
    for number in NUMBERS:
        ddb.put_item(TableName=table, Item={"pk": {"S": partition}, "sk": {"N": number}})


def _sort_keys(items: list[dict[str, Any]]) -> list[float]:
    return [float(item["sk"]["N"]) for item in items]


def _query(ddb: Any, table: str, condition: str, **values: Any) -> dict[str, Any]:
    return ddb.query(  # type: ignore[no-any-return]
        TableName=table,
        KeyConditionExpression=f"pk = :p{condition}",
        ExpressionAttributeValues={":p": {"S": "p"}, **values},
    )


def test_numbers_sort_numerically(ddb: Any, sorted_table: str) -> None:
    _fill(ddb, sorted_table)
    _fill(ddb, sorted_table, partition="other")
    items = _query(ddb, sorted_table, "")["Items"]
    assert _sort_keys(items) == sorted(float(n) for n in NUMBERS)
    backwards = ddb.query(
        TableName=sorted_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        ScanIndexForward=False,
    )["Items"]
    assert _sort_keys(backwards) == sorted((float(n) for n in NUMBERS), reverse=True)


@pytest.mark.parametrize(
    ("condition", "values", "expected"),
    [
        (" AND sk = :a", {":a": {"N": "1.50"}}, [1.5]),
        (" AND sk < :a", {":a": {"N": "-2"}}, [-1e5, -10, -2.5]),
        (" AND sk <= :a", {":a": {"N": "-2"}}, [-1e5, -10, -2.5, -2]),
        (" AND sk > :a", {":a": {"N": "10"}}, [1e3, 12345678]),
        (" AND sk >= :a", {":a": {"N": "10"}}, [10, 1e3, 12345678]),
        (" AND sk BETWEEN :a AND :b", {":a": {"N": "-2"}, ":b": {"N": "1"}}, [-2, 0, 0.001, 1]),
    ],
)
def test_sort_key_conditions(
    ddb: Any, sorted_table: str, condition: str, values: dict[str, Any], expected: list[float]
) -> None:
    _fill(ddb, sorted_table)
    assert _sort_keys(_query(ddb, sorted_table, condition, **values)["Items"]) == expected


def test_string_and_binary_prefixes(ddb: Any, make_table: TableFactory) -> None:
    strings = make_table(("pk", "S"), ("sk", "S"), suffix="-s")
    for value in ["a", "ab", "abc", "abd", "b", "ä", "\U0001f600"]:
        ddb.put_item(TableName=strings, Item={"pk": {"S": "p"}, "sk": {"S": value}})
    everything = [i["sk"]["S"] for i in _query(ddb, strings, "")["Items"]]
    assert everything == sorted(everything, key=lambda s: s.encode())  # UTF-8 byte order
    found = _query(ddb, strings, " AND begins_with(sk, :a)", **{":a": {"S": "ab"}})["Items"]
    assert [i["sk"]["S"] for i in found] == ["ab", "abc", "abd"]
    binaries = make_table(("pk", "S"), ("sk", "B"), suffix="-b")
    for value in [b"\x00", b"\x01\xff", b"\x01\xff\x00", b"\x02", b"\xff\xff"]:
        ddb.put_item(TableName=binaries, Item={"pk": {"S": "p"}, "sk": {"B": value}})
    found = _query(ddb, binaries, " AND begins_with(sk, :a)", **{":a": {"B": b"\x01\xff"}})
    assert [i["sk"]["B"] for i in found["Items"]] == [b"\x01\xff", b"\x01\xff\x00"]
    top = _query(ddb, binaries, " AND begins_with(sk, :a)", **{":a": {"B": b"\xff"}})
    assert [i["sk"]["B"] for i in top["Items"]] == [b"\xff\xff"]


def test_limit_pages_with_last_evaluated_key(ddb: Any, sorted_table: str) -> None:
    _fill(ddb, sorted_table)
    seen: list[float] = []
    start: dict[str, Any] = {}
    pages = 0
    while True:
        page = ddb.query(
            TableName=sorted_table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            Limit=5,
            ScanIndexForward=False,
            **start,
        )
        pages += 1
        seen += _sort_keys(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        assert set(page["LastEvaluatedKey"]) == {"pk", "sk"}
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    assert seen == sorted((float(n) for n in NUMBERS), reverse=True)
    assert pages == 3  # 5 + 5 + 2, the last page shorter than the limit


def test_filter_counts_and_select(ddb: Any, sorted_table: str) -> None:
    for i in range(10):
        ddb.put_item(
            TableName=sorted_table,
            Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "even": {"BOOL": i % 2 == 0}},
        )
    page = ddb.query(
        TableName=sorted_table,
        KeyConditionExpression="pk = :p",
        FilterExpression="even = :t",
        ExpressionAttributeValues={":p": {"S": "p"}, ":t": {"BOOL": True}},
        Limit=4,
    )
    assert (page["Count"], page["ScannedCount"]) == (2, 4)
    counted = ddb.query(
        TableName=sorted_table,
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="COUNT",
    )
    assert counted["Count"] == 10
    assert "Items" not in counted
    with pytest.raises(ClientError) as error:
        ddb.query(
            TableName=sorted_table,
            KeyConditionExpression="pk = :p",
            FilterExpression="sk > :n",
            ExpressionAttributeValues={":p": {"S": "p"}, ":n": {"N": "1"}},
        )
    assert error_of(error)[1] == (
        "Filter Expression can only contain non-primary key attributes: Primary key attribute: sk"
    )


def test_query_errors(ddb: Any, sorted_table: str) -> None:
    with pytest.raises(ClientError) as error:
        ddb.query(TableName=sorted_table)
    assert error_of(error)[1] == (
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request."
    )
    with pytest.raises(ClientError) as error:
        ddb.query(
            TableName=sorted_table,
            KeyConditionExpression="sk = :n",
            ExpressionAttributeValues={":n": {"N": "1"}},
        )
    assert error_of(error)[1] == "Query condition missed key schema element: pk"
    with pytest.raises(ClientError) as error:
        ddb.query(
            TableName=sorted_table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            Select="ALL_PROJECTED_ATTRIBUTES",
        )
    assert error_of(error)[1] == (
        "1 validation error detected: ALL_PROJECTED_ATTRIBUTES can be used only when Querying "
        "using an IndexName"
    )


def test_legacy_key_conditions(ddb: Any, sorted_table: str) -> None:
    _fill(ddb, sorted_table)
    page = ddb.query(
        TableName=sorted_table,
        KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [{"S": "p"}]},
            "sk": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "100"}]},
        },
    )
    assert _sort_keys(page["Items"]) == [1e3, 12345678]


def test_one_megabyte_pages(ddb: Any, sorted_table: str) -> None:
    blob = "x" * 100_000
    for i in range(25):  # 25 x ~100 KB: three 1 MB pages (11 + 11 + 3)
        ddb.put_item(
            TableName=sorted_table, Item={"pk": {"S": "p"}, "sk": {"N": str(i)}, "v": {"S": blob}}
        )
    sizes = []
    start: dict[str, Any] = {}
    while True:
        page = ddb.query(
            TableName=sorted_table,
            KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": {"S": "p"}},
            **start,
        )
        sizes.append(page["Count"])
        if "LastEvaluatedKey" not in page:
            break
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    assert sizes == [11, 11, 3]


def test_scan_segments_partition_the_table(ddb: Any, table: str) -> None:
    ids = {f"item-{i}" for i in range(60)}
    for item_id in ids:
        ddb.put_item(TableName=table, Item={"id": {"S": item_id}})
    whole = [i["id"]["S"] for i in ddb.scan(TableName=table)["Items"]]
    assert sorted(whole) == sorted(ids)
    assert whole != sorted(whole)  # hash order, as AWS, not key order
    parts = [
        [i["id"]["S"] for i in ddb.scan(TableName=table, Segment=s, TotalSegments=4)["Items"]]
        for s in range(4)
    ]
    assert sorted(item for part in parts for item in part) == sorted(ids)
    assert all(parts)
    with pytest.raises(ClientError) as error:
        ddb.scan(TableName=table, Segment=4, TotalSegments=4)
    assert error_of(error)[1] == (
        "The Segment parameter is zero-based and must be less than parameter TotalSegments"
    )


def test_scan_pages_and_legacy_filter(ddb: Any, table: str) -> None:
    for i in range(7):
        ddb.put_item(TableName=table, Item={"id": {"S": f"s{i}"}, "n": {"N": str(i)}})
    seen: list[str] = []
    start: dict[str, Any] = {}
    while True:
        page = ddb.scan(TableName=table, Limit=3, **start)
        seen += [i["id"]["S"] for i in page["Items"]]
        if "LastEvaluatedKey" not in page:
            break
        start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
    assert sorted(seen) == [f"s{i}" for i in range(7)]
    filtered = ddb.scan(
        TableName=table,
        ScanFilter={"n": {"ComparisonOperator": "GE", "AttributeValueList": [{"N": "5"}]}},
    )
    assert sorted(i["id"]["S"] for i in filtered["Items"]) == ["s5", "s6"]


def test_indexes_project_and_page(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(
        ("pk", "S"),
        ("sk", "S"),
        AttributeDefinitions=[
            {"AttributeName": "g", "AttributeType": "S"},
            {"AttributeName": "l", "AttributeType": "N"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "gsi",
                "KeySchema": [
                    {"AttributeName": "g", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["kept"]},
            }
        ],
        LocalSecondaryIndexes=[
            {
                "IndexName": "lsi",
                "KeySchema": [
                    {"AttributeName": "pk", "KeyType": "HASH"},
                    {"AttributeName": "l", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )
    for i in range(4):
        ddb.put_item(
            TableName=table,
            Item={
                "pk": {"S": "p"},
                "sk": {"S": f"s{i}"},
                "g": {"S": "same"},
                "l": {"N": str(10 - i)},
                "kept": {"S": "k"},
                "dropped": {"S": "d"},
            },
        )
    ddb.put_item(TableName=table, Item={"pk": {"S": "p"}, "sk": {"S": "sparse"}})
    page = ddb.query(
        TableName=table,
        IndexName="gsi",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "same"}},
        Limit=2,
    )
    assert page["Items"][0] == {
        "pk": {"S": "p"},
        "sk": {"S": "s0"},
        "g": {"S": "same"},
        "kept": {"S": "k"},
    }
    assert set(page["LastEvaluatedKey"]) == {"pk", "sk", "g"}
    rest = ddb.query(
        TableName=table,
        IndexName="gsi",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "same"}},
        ExclusiveStartKey=page["LastEvaluatedKey"],
    )
    assert [i["sk"]["S"] for i in rest["Items"]] == ["s2", "s3"]
    by_l = ddb.query(
        TableName=table,
        IndexName="lsi",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
    )["Items"]
    assert [i["l"]["N"] for i in by_l] == ["7", "8", "9", "10"]
    full = ddb.query(
        TableName=table,
        IndexName="lsi",
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": "p"}},
        Select="ALL_ATTRIBUTES",
    )["Items"]
    assert full[0]["dropped"] == {"S": "d"}  # fetched from the table
    with pytest.raises(ClientError) as error:
        ddb.scan(TableName=table, IndexName="gsi", Select="ALL_ATTRIBUTES")
    assert error_of(error)[1] == (
        "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
        "supported for global secondary index gsi because its projection type is not ALL"
    )
    with pytest.raises(ClientError) as error:
        ddb.scan(TableName=table, IndexName="gsi", ConsistentRead=True)
    assert error_of(error)[1] == "Consistent reads are not supported on global secondary indexes"
    assert ddb.scan(TableName=table, IndexName="gsi")["Count"] == 4  # the sparse item is absent
