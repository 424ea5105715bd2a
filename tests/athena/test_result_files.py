"""The bytes of the result files: Athena's CSV quoting, the .txt layout, the protobuf metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lakehose.services.athena.results import (
    ResultSets,
    render_csv,
    render_metadata,
    render_text,
)


def test_csv_quotes_every_value_and_leaves_null_empty() -> None:
    rows = [
        ["i", "s", "q", "n", "empty"],
        ["1", "it's", 'a"b', None, ""],
        ["2", "x\ny", "", None, "z"],
    ]
    assert render_csv(rows) == (
        b'"i","s","q","n","empty"\n"1","it\'s","a""b",,""\n"2","x\ny","",,"z"\n'
    )


def test_csv_of_no_rows_is_the_header_line() -> None:
    assert render_csv([["_col0"]]) == b'"_col0"\n'


def test_text_joins_columns_with_tabs_and_rows_without_trailing_newline() -> None:
    assert render_text([["a", "b"], ["c", None]]) == b"a\tb\nc\t"
    assert render_text([]) == b""


def _fields(data: bytes) -> list[tuple[int, Any]]:
    """A minimal protobuf reader: (field number, int or bytes) pairs."""
    fields: list[tuple[int, Any]] = []
    position = 0

    def varint() -> int:
        nonlocal position
        value, shift = 0, 0
        while True:
            byte = data[position]
            position += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while position < len(data):
        key = varint()
        if key & 7 == 0:
            fields.append((key >> 3, varint()))
        else:
            assert key & 7 == 2
            length = varint()
            fields.append((key >> 3, data[position : position + length]))
            position += length
    return fields


def test_metadata_is_protobuf_with_the_query_id_and_one_message_per_column() -> None:
    columns = [
        {
            "CatalogName": "hive",
            "Name": "ID",
            "Label": "ID",
            "Type": "varchar",
            "Precision": 2147483647,
            "Scale": 0,
            "Nullable": "UNKNOWN",
            "CaseSensitive": True,
        },
        {
            "CatalogName": "hive",
            "Name": "HeartRate",
            "Label": "HeartRate",
            "Type": "integer",
            "Precision": 10,
            "Scale": 0,
            "Nullable": "NULLABLE",
            "CaseSensitive": False,
        },
    ]
    top = _fields(render_metadata("abc-123", columns))
    assert top[0] == (1, b"abc-123")
    assert [number for number, _ in top[1:]] == [4, 4]
    first = dict(_fields(top[1][1]))
    assert first == {
        1: b"hive",
        4: b"ID",
        5: b"ID",
        6: b"varchar",
        7: 2147483647,
        8: 0,
        9: 3,
        10: 1,
    }
    second = dict(_fields(top[2][1]))
    assert (second[4], second[9], second[10]) == (b"HeartRate", 2, 0)


def test_result_sets_page_by_offset_and_keep_null_apart_from_empty(tmp_path: Path) -> None:
    sets = ResultSets(tmp_path)
    rows = [["h"], *([str(n)] for n in range(5)), [None], [""]]
    sets.write("q", rows)
    seen: list[Any] = []
    offset: int | None = 0
    pages = 0
    while offset is not None:
        page, offset = sets.page("q", offset, 3)
        seen += page
        pages += 1
    assert seen == rows
    assert pages == 3
    sets.delete("q")
    assert not sets.path("q").exists()
