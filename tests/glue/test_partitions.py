"""Partitions: create, batch, read, filter with Expression, segments, pages, update, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.glue.conftest import ACCOUNT, error_code, error_message, table_input

KEYS = [
    {"Name": "year", "Type": "int"},
    {"Name": "month", "Type": "string"},
    {"Name": "day", "Type": "date"},
]


def partition(year: int, month: str, day: str, **members: Any) -> dict[str, Any]:
    location = f"s3://bucket/t/year={year}/month={month}/day={day}/"
    return {
        "Values": [str(year), month, day],
        "StorageDescriptor": {"Columns": [{"Name": "id", "Type": "string"}], "Location": location},
        **members,
    }


@pytest.fixture
def table(glue: Any, database: str) -> str:
    glue.create_table(DatabaseName=database, TableInput=table_input("t", PartitionKeys=KEYS))
    return "t"


@pytest.fixture
def filled(glue: Any, database: str, table: str) -> list[list[str]]:
    """Twelve partitions: years 2022-2024 x months 01, 02, 10, 11 (day always the 5th)."""
    inputs = [
        partition(year, month, f"{year}-{month}-05")
        for year in (2022, 2023, 2024)
        for month in ("01", "02", "10", "11")
    ]
    answer = glue.batch_create_partition(
        DatabaseName=database, TableName=table, PartitionInputList=inputs
    )
    assert answer["Errors"] == []
    return [entry["Values"] for entry in inputs]


def values(glue: Any, database: str, table: str, **arguments: Any) -> list[list[str]]:
    """Every partition's values, following NextToken."""
    found: list[list[str]] = []
    while True:
        page = glue.get_partitions(DatabaseName=database, TableName=table, **arguments)
        found += [entry["Values"] for entry in page["Partitions"]]
        if "NextToken" not in page:
            return found
        arguments["NextToken"] = page["NextToken"]


def test_create_and_get_returns_the_input_plus_glues_members(
    glue: Any, database: str, table: str
) -> None:
    given = partition(2024, "01", "2024-01-02", Parameters={"source": "firehose"})
    glue.create_partition(DatabaseName=database, TableName=table, PartitionInput=given)
    found = glue.get_partition(
        DatabaseName=database, TableName=table, PartitionValues=given["Values"]
    )["Partition"]
    assert isinstance(found.pop("CreationTime"), datetime)
    assert found == {**given, "DatabaseName": database, "TableName": table, "CatalogId": ACCOUNT}


def test_create_twice_and_wrong_arity(glue: Any, database: str, table: str) -> None:
    given = partition(2024, "01", "2024-01-02")
    glue.create_partition(DatabaseName=database, TableName=table, PartitionInput=given)
    with pytest.raises(ClientError) as error:
        glue.create_partition(DatabaseName=database, TableName=table, PartitionInput=given)
    assert (error_code(error), error_message(error)) == (
        "AlreadyExistsException",
        "Partition already exists.",
    )
    with pytest.raises(ClientError) as error:
        glue.create_partition(
            DatabaseName=database, TableName=table, PartitionInput={"Values": ["2024"]}
        )
    assert (error_code(error), error_message(error)) == (
        "InvalidInputException",
        "The number of partition keys do not match the number of partition values",
    )


def test_batch_create_reports_each_failed_entry(glue: Any, database: str, table: str) -> None:
    first = partition(2024, "01", "2024-01-02")
    glue.create_partition(DatabaseName=database, TableName=table, PartitionInput=first)
    second = partition(2024, "02", "2024-02-02")
    answer = glue.batch_create_partition(
        DatabaseName=database, TableName=table, PartitionInputList=[first, second, second]
    )
    exists = {"ErrorCode": "AlreadyExistsException", "ErrorMessage": "Partition already exists."}
    assert answer["Errors"] == [
        {"PartitionValues": first["Values"], "ErrorDetail": exists},
        {"PartitionValues": second["Values"], "ErrorDetail": exists},
    ]
    assert values(glue, database, table) == [first["Values"], second["Values"]]


def test_missing_partition_is_entity_not_found(glue: Any, database: str, table: str) -> None:
    missing = ["2024", "01", "2024-01-02"]
    for call in (
        lambda: glue.get_partition(DatabaseName=database, TableName=table, PartitionValues=missing),
        lambda: glue.delete_partition(
            DatabaseName=database, TableName=table, PartitionValues=missing
        ),
        lambda: glue.update_partition(
            DatabaseName=database,
            TableName=table,
            PartitionValueList=missing,
            PartitionInput=partition(2024, "01", "2024-01-02"),
        ),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert (error_code(error), error_message(error)) == (
            "EntityNotFoundException",
            "Cannot find partition.",
        )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("year = 2023 AND month = '02'", [["2023", "02"]]),
        ("year > 2023 and month >= '10'", [["2024", "10"], ["2024", "11"]]),
        ("year <> 2023 AND NOT month IN ('01', '02', '10')", [["2022", "11"], ["2024", "11"]]),
        (
            "year BETWEEN 2023 AND 2024 AND month LIKE '1_'",
            [["2023", "10"], ["2023", "11"], ["2024", "10"], ["2024", "11"]],
        ),
        ("day = '2022-01-05' OR (year = 2024 AND month < '02')", [["2022", "01"], ["2024", "01"]]),
        (
            "year NOT BETWEEN 2022 AND 2023 AND month NOT LIKE '%1'",
            [["2024", "02"], ["2024", "10"]],
        ),
        ("year >= '2024' and month in (1, 10)", [["2024", "10"]]),
        ("id IS NULL AND year = 2022 AND month = '01'", [["2022", "01"]]),
        ("id = 'x'", []),
        ("year IS NOT NULL AND day > '2024-10-01'", [["2024", "10"], ["2024", "11"]]),
    ],
)
def test_get_partitions_filters_by_expression(
    glue: Any,
    database: str,
    table: str,
    filled: list[list[str]],
    expression: str,
    expected: list[list[str]],
) -> None:
    found = values(glue, database, table, Expression=expression)
    assert [entry[:2] for entry in found] == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("year = 'soon'", "soon is not an integer."),
        ("year LIKE '20%'", "Integral data type doesn't support operation 'LIKE'"),
        ("day = '2024-13-01'", "2024-13-01 is not a date."),
        ("nope = 1", "Invalid partition expression!"),
        ("year = ", "Unsupported expression 'year = '"),
        ("year = 2024 AND", "Unsupported expression 'year = 2024 AND'"),
        ("(year = 2024", "Unsupported expression '(year = 2024'"),
    ],
)
def test_bad_expressions_are_invalid_input(
    glue: Any, database: str, table: str, expression: str, message: str
) -> None:
    with pytest.raises(ClientError) as error:
        glue.get_partitions(DatabaseName=database, TableName=table, Expression=expression)
    assert (error_code(error), error_message(error)) == ("InvalidInputException", message)


def test_pages_and_segments_cover_every_partition_once(
    glue: Any, database: str, table: str, filled: list[list[str]]
) -> None:
    assert values(glue, database, table, MaxResults=5) == filled
    segments = [
        values(glue, database, table, Segment={"SegmentNumber": n, "TotalSegments": 3})
        for n in range(3)
    ]
    assert sorted(entry for segment in segments for entry in segment) == sorted(filled)
    with pytest.raises(ClientError) as error:
        glue.get_partitions(
            DatabaseName=database,
            TableName=table,
            Segment={"SegmentNumber": 3, "TotalSegments": 3},
        )
    assert error_code(error) == "InvalidInputException"


def test_exclude_column_schema(glue: Any, database: str, table: str, filled: Any) -> None:
    page = glue.get_partitions(
        DatabaseName=database, TableName=table, ExcludeColumnSchema=True, MaxResults=1
    )
    descriptor = page["Partitions"][0]["StorageDescriptor"]
    assert "Columns" not in descriptor
    assert descriptor["Location"] == "s3://bucket/t/year=2022/month=01/day=2022-01-05/"


def test_update_can_move_a_partition_to_new_values(glue: Any, database: str, table: str) -> None:
    old, moved, other = (
        partition(2024, "01", "2024-01-02"),
        partition(2024, "03", "2024-03-02", Parameters={"moved": "yes"}),
        partition(2024, "05", "2024-05-02"),
    )
    glue.batch_create_partition(
        DatabaseName=database, TableName=table, PartitionInputList=[old, other]
    )
    created = glue.get_partition(
        DatabaseName=database, TableName=table, PartitionValues=old["Values"]
    )["Partition"]["CreationTime"]
    glue.update_partition(
        DatabaseName=database,
        TableName=table,
        PartitionValueList=old["Values"],
        PartitionInput=moved,
    )
    found = glue.get_partition(
        DatabaseName=database, TableName=table, PartitionValues=moved["Values"]
    )["Partition"]
    assert (found["Parameters"], found["CreationTime"]) == ({"moved": "yes"}, created)
    assert values(glue, database, table) == [moved["Values"], other["Values"]]
    with pytest.raises(ClientError) as error:
        glue.update_partition(
            DatabaseName=database,
            TableName=table,
            PartitionValueList=moved["Values"],
            PartitionInput=other,
        )
    assert error_code(error) == "AlreadyExistsException"


def test_delete_and_batch_delete(
    glue: Any, database: str, table: str, filled: list[list[str]]
) -> None:
    glue.delete_partition(DatabaseName=database, TableName=table, PartitionValues=filled[0])
    missing = ["1999", "01", "1999-01-01"]
    answer = glue.batch_delete_partition(
        DatabaseName=database,
        TableName=table,
        PartitionsToDelete=[{"Values": filled[1]}, {"Values": missing}],
    )
    assert answer["Errors"] == [
        {
            "PartitionValues": missing,
            "ErrorDetail": {
                "ErrorCode": "EntityNotFoundException",
                "ErrorMessage": "Cannot find partition.",
            },
        }
    ]
    assert values(glue, database, table) == filled[2:]


def test_deleting_the_table_deletes_its_partitions(
    glue: Any, database: str, table: str, filled: Any
) -> None:
    glue.delete_table(DatabaseName=database, Name=table)
    glue.create_table(DatabaseName=database, TableInput=table_input(table, PartitionKeys=KEYS))
    assert values(glue, database, table) == []
