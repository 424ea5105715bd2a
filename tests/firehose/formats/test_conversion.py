"""JSON to Parquet with a Glue schema, read back with pyarrow."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakehose.formats.hive_types import parse_hive_type
from lakehose.services.firehose.conversion import MALFORMED_DATA, PARSE_ERROR, convert_to_parquet
from lakehose.services.firehose.records import SourceRecord

ARTICLE_COLUMNS = [
    {
        "Name": "dynamodb",
        "Type": "struct<NewImage:struct<id:struct<S:string>,HeartRate:struct<S:int>,"
        "SensorID:struct<S:int>,ReportTime:struct<S:string>>>",
    }
]
ARTICLE_RECORD = (
    b'{"awsRegion":"us-east-1","dynamodb":{"NewImage":{"HeartRate":{"S":"123"},'
    b'"ReportTime":{"S":"03/22/2315:55:16"},"SensorID":{"S":"5"},"id":{"S":"1679514916"}}}}'
)


def rec(data: bytes | str, n: int = 0) -> SourceRecord:
    return SourceRecord(str(n), data.encode() if isinstance(data, str) else data, n)


def rows(parquet: bytes | None) -> list[dict[str, Any]]:
    assert parquet is not None
    return pq.read_table(io.BytesIO(parquet)).to_pylist()


def convert(columns: list[dict[str, Any]], *data: bytes | str, **options: Any):
    options.setdefault("deserializer", "OpenXJsonSerDe")
    return convert_to_parquet([rec(d, i) for i, d in enumerate(data)], columns, **options)


def test_the_articles_table_reads_quoted_numbers_into_int_columns() -> None:
    result = convert(ARTICLE_COLUMNS, ARTICLE_RECORD)
    assert result.failed == []
    assert rows(result.parquet) == [
        {
            "dynamodb": {
                "NewImage": {
                    "id": {"S": "1679514916"},
                    "HeartRate": {"S": 123},
                    "SensorID": {"S": 5},
                    "ReportTime": {"S": "03/22/2315:55:16"},
                }
            }
        }
    ]


def test_hive_json_rejects_what_openx_accepts() -> None:
    result = convert(ARTICLE_COLUMNS, ARTICLE_RECORD, deserializer="HiveJsonSerDe")
    assert result.parquet is None
    ((record, code, message),) = result.failed
    assert (record.record_id, code) == ("0", MALFORMED_DATA)
    assert message == 'Data does not match the schema. For input string: "123"'


def test_several_objects_in_one_record_are_several_rows() -> None:
    result = convert([{"Name": "a", "Type": "int"}], '{"a":1}{"a":2}\n {"a":3}', '{"a":4}')
    assert [row["a"] for row in rows(result.parquet)] == [1, 2, 3, 4]


def test_failed_records_fail_whole_and_the_rest_converts() -> None:
    columns = [{"Name": "a", "Type": "int"}]
    result = convert(columns, '{"a":1}', '{"a":2}{"a":"x"}', "not json", '[{"a":5}]', b"\xff", "")
    assert [row["a"] for row in rows(result.parquet)] == [1]
    assert [(r.record_id, code) for r, code, _ in result.failed] == [
        ("1", MALFORMED_DATA),
        ("2", PARSE_ERROR),
        ("3", MALFORMED_DATA),
        ("4", PARSE_ERROR),
        ("5", PARSE_ERROR),
    ]
    assert result.failed[1][2].startswith("Encountered malformed JSON. ")


def test_types() -> None:
    columns = [
        {"Name": "s", "Type": "string"},
        {"Name": "b", "Type": "bigint"},
        {"Name": "t", "Type": "tinyint"},
        {"Name": "d", "Type": "double"},
        {"Name": "f", "Type": "float"},
        {"Name": "ok", "Type": "boolean"},
        {"Name": "dec", "Type": "decimal(5,2)"},
        {"Name": "day", "Type": "date"},
        {"Name": "v", "Type": "varchar(3)"},
        {"Name": "tags", "Type": "array<string>"},
        {"Name": "m", "Type": "map<string,int>"},
        {"Name": "missing", "Type": "int"},
    ]
    record = (
        '{"s":{"x":[1,2.50]},"b":"9007199254740993","t":-128,"d":"1.5e3","f":2.5,"ok":"TRUE",'
        '"dec":1.005,"day":"2023-3-2","v":"abcdef","tags":"solo","m":{"k":"7"}}'
    )
    result = convert(columns, record)
    assert result.failed == []
    (row,) = rows(result.parquet)
    assert row == {
        "s": '{"x":[1,2.50]}',
        "b": 9007199254740993,
        "t": -128,
        "d": 1500.0,
        "f": 2.5,
        "ok": True,
        "dec": Decimal("1.01"),
        "day": date(2023, 3, 2),
        "v": "abc",
        "tags": ["solo"],
        "m": [("k", 7)],
        "missing": None,
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('"2017-02-07T15:13:01.39256Z"', datetime(2017, 2, 7, 15, 13, 1, 392560)),
        ('"2017-2-7 5:13:01.14"', datetime(2017, 2, 7, 5, 13, 1, 140000)),
        ("1518033528", datetime(2018, 2, 7, 19, 58, 48)),
        ("1518033528123", datetime(2018, 2, 7, 19, 58, 48, 123000)),
        ("1518033528.123", datetime(2018, 2, 7, 19, 58, 48, 123000)),
        ('"1518033528"', datetime(2018, 2, 7, 19, 58, 48)),
    ],
)
def test_openx_timestamp_formats(value: str, expected: datetime) -> None:
    result = convert([{"Name": "ts", "Type": "timestamp"}], f'{{"ts":{value}}}')
    assert result.failed == []
    table = pq.read_table(io.BytesIO(result.parquet or b""))
    stored = table.column("ts").cast(pa.timestamp("us")).to_pylist()
    assert stored == [expected]


def test_timestamps_are_int96_as_hives_writer_stores_them() -> None:
    result = convert([{"Name": "ts", "Type": "timestamp"}], '{"ts":"2017-02-07 15:13:01"}')
    metadata = pq.ParquetFile(io.BytesIO(result.parquet or b"")).metadata
    assert metadata.schema.column(0).physical_type == "INT96"


def test_hive_timestamps() -> None:
    columns = [{"Name": "ts", "Type": "timestamp"}]
    plain = convert(columns, '{"ts":"2017-02-07 15:13:01.5"}', '{"ts":1518033528}',
                    deserializer="HiveJsonSerDe")  # fmt: skip
    assert [code for _, code, _ in plain.failed] == [MALFORMED_DATA]
    millis = convert(columns, '{"ts":1518033528123}', deserializer="HiveJsonSerDe",
                     timestamp_formats=["millis"])  # fmt: skip
    stored = pq.read_table(io.BytesIO(millis.parquet or b"")).column("ts")
    assert stored.cast(pa.timestamp("ms")).to_pylist() == [datetime(2018, 2, 7, 19, 58, 48, 123000)]
    with pytest.raises(ValueError, match="millis"):
        convert(columns, "{}", deserializer="HiveJsonSerDe", timestamp_formats=["yyyy"])


def test_openx_key_options() -> None:
    columns = [{"Name": "a_b", "Type": "string"}, {"Name": "ts", "Type": "string"}]
    record = '{"A.B":"dots","timestamp":"mapped"}'
    default = rows(convert(columns, record).parquet)
    assert default == [{"a_b": None, "ts": None}]
    lenient = convert(
        columns,
        record,
        convert_dots_in_json_keys_to_underscores=True,
        column_to_json_key_mappings={"ts": "timestamp"},
    )
    assert rows(lenient.parquet) == [{"a_b": "dots", "ts": "mapped"}]
    sensitive = convert(columns, record, case_insensitive=False,
                        convert_dots_in_json_keys_to_underscores=True)  # fmt: skip
    assert rows(sensitive.parquet) == [{"a_b": None, "ts": None}]


@pytest.mark.parametrize(
    ("column_type", "value", "message"),
    [
        ("int", '"abc"', 'For input string: "abc"'),
        ("int", "1.5", 'For input string: "1.5"'),
        ("int", "3000000000", 'Value out of range. Value:"3000000000"'),
        ("boolean", '"yes"', 'For input string: "yes"'),
        ("decimal(3,1)", "123.4", "Value out of range for decimal(3,1)"),
        ("struct<a:int>", "[1]", "A JSON object is required for struct"),
        ("date", '"03/22/23"', 'For input string: "03/22/23"'),
    ],
)
def test_mismatches(column_type: str, value: str, message: str) -> None:
    result = convert([{"Name": "c", "Type": column_type}], f'{{"c":{value}}}')
    ((_, code, text),) = result.failed
    assert code == MALFORMED_DATA
    assert text.startswith("Data does not match the schema. " + message)


def test_output_is_deterministic_and_compression_configurable() -> None:
    data = [f'{{"a":{i},"s":"row {i}"}}' for i in range(50)]
    columns = [{"Name": "a", "Type": "int"}, {"Name": "s", "Type": "string"}]
    first = convert(columns, *data).parquet
    assert first == convert(columns, *data).parquet
    assert pq.ParquetFile(io.BytesIO(first or b"")).metadata.row_group(0).column(0).compression == (
        "SNAPPY"
    )
    gzipped = convert(columns, *data, compression="GZIP").parquet
    assert pq.ParquetFile(io.BytesIO(gzipped or b"")).metadata.row_group(0).column(
        0
    ).compression == ("GZIP")


def test_hive_type_strings() -> None:
    kind = parse_hive_type("struct<a:INT, `b c`:array<map<string,decimal(10,2)>> COMMENT 'x'>")
    assert kind.arrow() == pa.struct(
        [("a", pa.int32()), ("b c", pa.list_(pa.map_(pa.string(), pa.decimal128(10, 2))))]
    )
    assert parse_hive_type("decimal").arrow() == pa.decimal128(10, 0)
    assert parse_hive_type("decimal(5)").arrow() == pa.decimal128(5, 0)
    for bad in ("uniontype<int,string>", "array<int", "map<int>", "struct<a int>", "struct<",
                "decimal(5", "int int", "array<>"):  # fmt: skip
        with pytest.raises(ValueError):
            parse_hive_type(bad)


def test_unusable_configuration_raises() -> None:
    with pytest.raises(ValueError, match="periods"):
        convert([{"Name": "a.b", "Type": "int"}], "{}", deserializer="HiveJsonSerDe")
    with pytest.raises(ValueError, match="deserializer"):
        convert([{"Name": "a", "Type": "int"}], "{}", deserializer="Nope")


def test_nothing_converted_means_no_object() -> None:
    assert convert([{"Name": "a", "Type": "int"}], "oops").parquet is None


def test_timezone_free_wall_clock() -> None:
    result = convert([{"Name": "ts", "Type": "timestamp"}], '{"ts":"1970-01-01 00:00:01"}')
    stored = pq.read_table(io.BytesIO(result.parquet or b"")).column("ts").cast(pa.int64())
    assert stored.to_pylist() == [1_000_000_000]
    assert datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC).timestamp() == 1


def test_a_key_spelled_like_the_column_wins_over_a_dotted_one() -> None:
    # Trino's openxjson (after the original SerDe): the exact key first, then a dotted one.
    columns = [{"Name": "a_b", "Type": "string"}]
    for record in ('{"a_b":"exact","a.b":"dotted"}', '{"a.b":"dotted","a_b":"exact"}'):
        result = convert(columns, record, convert_dots_in_json_keys_to_underscores=True)
        assert rows(result.parquet) == [{"a_b": "exact"}]


def test_openx_reads_any_non_array_value_as_a_one_element_array() -> None:
    columns = [{"Name": "c", "Type": "array<struct<x:int>>"}]
    result = convert(columns, '{"c":{"x":1}}', '{"c":""}')
    assert rows(result.parquet) == [{"c": [{"x": 1}]}, {"c": None}]
    hive = convert(columns, '{"c":{"x":1}}', deserializer="HiveJsonSerDe")
    assert [code for _, code, _ in hive.failed] == [MALFORMED_DATA]
