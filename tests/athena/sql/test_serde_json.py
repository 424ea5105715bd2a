"""The OpenX JSON SerDe's line and value rules, as Trino's openxjson reader applies them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from lakehose.formats.hive_types import parse_hive_type
from lakehose.services.athena.sql.files import split_lines
from lakehose.services.athena.sql.json_values import BadValue
from lakehose.services.athena.sql.serde_json import (
    JsonColumn,
    JsonOptions,
    MalformedJson,
    decode_lines,
)


def read(text: bytes, columns: dict[str, str], **serde: str) -> list[dict[str, Any]]:
    lines = split_lines(text)
    specs = [JsonColumn(n, parse_hive_type(t), i) for i, (n, t) in enumerate(columns.items())]
    arrays = decode_lines(lines, specs, JsonOptions.from_serde(serde))
    rows: list[dict[str, Any]] = pa.Table.from_arrays(arrays, names=list(columns)).to_pylist()
    return rows


def test_non_json_and_empty_lines_are_rows_of_nulls() -> None:
    rows = read(b'{"a": 1}\n\n   \nplain text\n"a string"\n{"a": 2}\n', {"a": "int"})
    assert rows == [{"a": 1}, {"a": None}, {"a": None}, {"a": None}, {"a": None}, {"a": 2}]


def test_only_the_first_value_of_a_line_is_read() -> None:
    rows = read(b'{"a": 1}{"a": 2}{"a": 3}\n{"a": 4} trailing words\n', {"a": "int"})
    assert rows == [{"a": 1}, {"a": 4}]


def test_lines_end_at_lf_crlf_and_lone_cr() -> None:
    rows = read(b'{"a": 1}\r\n{"a": 2}\r{"a": 3}\n', {"a": "int"})
    assert rows == [{"a": 1}, {"a": 2}, {"a": 3}]


def test_malformed_json_fails_unless_ignored() -> None:
    text = b'{"a": 1}\n{"a": \n{"a": 3}\n'
    with pytest.raises(MalformedJson):
        read(text, {"a": "int"})
    ignored = read(text, {"a": "int"}, **{"ignore.malformed.json": "true"})
    assert ignored == [{"a": 1}, {"a": None}, {"a": 3}]


def test_keys_match_ignoring_case_and_a_later_duplicate_wins() -> None:
    rows = read(
        b'{"UserName": "x", "username": "y", "AGE": 5}\n', {"username": "string", "age": "int"}
    )
    assert rows == [{"username": "y", "age": 5}]


def test_case_sensitive_keys_when_case_insensitivity_is_off() -> None:
    rows = read(
        b'{"Name": "x", "age": 5}\n',
        {"name": "string", "age": "int"},
        **{"case.insensitive": "false"},
    )
    assert rows == [{"name": None, "age": 5}]


def test_mapping_properties_rename_keys() -> None:
    rows = read(
        b'{"timestamp": "t1", "ts": "ignored"}\n', {"ts": "string"}, **{"mapping.ts": "timestamp"}
    )
    assert rows == [{"ts": "t1"}]


def test_dots_in_keys_map_to_underscores() -> None:
    rows = read(b'{"a.b": 7}\n', {"a_b": "int"}, **{"dots.in.keys": "true"})
    assert rows == [{"a_b": 7}]
    assert read(b'{"a.b": 7}\n', {"a_b": "int"}) == [{"a_b": None}]


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ('"123"', "int", 123),
        ("123", "int", 123),
        ('"12x"', "int", None),
        ('"0x1F"', "int", 31),
        ('"017"', "int", 15),
        ('"12.9"', "int", 12),
        ("-12.9", "int", -12),
        ('"1e3"', "bigint", 1000),
        ('"3000000000"', "int", None),
        ('"3000000000"', "bigint", 3000000000),
        ('"300"', "tinyint", None),
        ("true", "int", None),
        ('"1.5"', "double", 1.5),
        ('"NaN"', "double", float("nan")),
        ('"abc"', "double", None),
        ('"1.005"', "decimal(5,2)", Decimal("1.01")),
        ('"12345.6"', "decimal(5,2)", None),
        ('"TRUE"', "boolean", True),
        ('"yes"', "boolean", False),
        ("1", "boolean", False),
        ("42", "string", "42"),
        ("1.5", "string", "1.5"),
        ("true", "string", "true"),
        ('{"B": [1, "x"]}', "string", '{"B":[1,"x"]}'),
        ('"2024-01-02"', "date", date(2024, 1, 2)),
        ('"2024-01-02 ignored"', "date", date(2024, 1, 2)),
        ("19724", "date", date(2024, 1, 2)),
        ('"2024-01-02T03:04:05.123Z"', "timestamp", datetime(2024, 1, 2, 3, 4, 5, 123000)),
        ('"2024-01-02T05:04:05+02:00"', "timestamp", datetime(2024, 1, 2, 3, 4, 5)),
        ('"2024-01-02 03:04:05.5"', "timestamp", datetime(2024, 1, 2, 3, 4, 5, 500000)),
        ("1704164645", "timestamp", datetime(2024, 1, 2, 3, 4, 5)),
        ('"1704164645123"', "timestamp", datetime(2024, 1, 2, 3, 4, 5, 123000)),
        ("1704164645.25", "timestamp", datetime(2024, 1, 2, 3, 4, 5, 250000)),
        ('"not a time"', "timestamp", None),
        ('"aGk="', "binary", b"hi"),
        ('"abcdef"', "varchar(3)", "abc"),
    ],
)
def test_scalars_convert_as_trino_does(value: str, kind: str, expected: Any) -> None:
    [row] = read(b'{"v": ' + value.encode() + b"}\n", {"v": kind})
    if isinstance(expected, float) and expected != expected:
        assert row["v"] != row["v"]
    else:
        assert row["v"] == expected


def test_objects_in_numeric_columns_fail_the_query() -> None:
    with pytest.raises(BadValue, match="can not be coerced to an INTEGER"):
        read(b'{"v": {"a": 1}}\n', {"v": "int"})


def test_arrays_promote_scalars_and_empty_strings_are_null() -> None:
    rows = read(b'{"v": [1, "2", null]}\n{"v": "7"}\n{"v": ""}\n', {"v": "array<int>"})
    assert rows == [{"v": [1, 2, None]}, {"v": [7]}, {"v": None}]


def test_maps_convert_keys_and_values() -> None:
    rows = read(b'{"m": {"1": "10", "x": 2, "2": null}}\n{"m": " "}\n', {"m": "map<int,int>"})
    assert rows == [{"m": [(1, 10), (2, None)]}, {"m": None}]


def test_structs_by_key_by_position_and_from_blank_strings() -> None:
    kind = "struct<Id:string,Count:int>"
    rows = read(
        b'{"s": {"ID": "a", "count": "3"}}\n{"s": ["b", 4]}\n{"s": " "}\n{"s": null}\n', {"s": kind}
    )
    assert rows == [
        {"s": {"id": "a", "count": 3}},
        {"s": {"id": "b", "count": 4}},
        {"s": {"id": None, "count": None}},
        {"s": None},
    ]


def test_a_top_level_array_maps_onto_the_columns_by_position() -> None:
    rows = read(b'["x", 5, "ignored"]\n', {"name": "string", "n": "int"})
    assert rows == [{"name": "x", "n": 5}]


def test_only_the_wanted_columns_are_read_by_their_table_positions() -> None:
    lines = split_lines(b'["x", 5]\n')
    column = JsonColumn("n", parse_hive_type("int"), 1)
    [array] = decode_lines(lines, [column], JsonOptions())
    assert array.to_pylist() == [5]
