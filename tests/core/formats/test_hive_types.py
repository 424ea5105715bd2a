"""The one Hive type parser both engines use (``lakehose.formats.hive_types``)."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lakehose.formats.hive_types import HiveType, HiveTypeError, parse_hive_type

_PRIMITIVES = st.sampled_from(
    [
        "string",
        "int",
        "bigint",
        "double",
        "float",
        "boolean",
        "date",
        "timestamp",
        "binary",
        "decimal(10,2)",
        "varchar(5)",
        "char(3)",
        "tinyint",
        "smallint",
    ]
)
_NAMES = st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True)


def _types(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    struct = st.lists(st.tuples(_NAMES, children), min_size=1, max_size=3).map(
        lambda fields: "struct<" + ",".join(f"{n}:{t}" for n, t in fields) + ">"
    )
    return st.one_of(
        children.map(lambda t: f"array<{t}>"),
        st.tuples(_PRIMITIVES, children).map(lambda kv: f"map<{kv[0]},{kv[1]}>"),
        struct,
    )


@given(st.recursive(_PRIMITIVES, _types, max_leaves=8))
def test_canonical_text_parses_back_to_the_same_type(text: str) -> None:
    kind = parse_hive_type(text)
    assert parse_hive_type(kind.hive()) == kind


def test_trino_names_are_lower_cased_and_fields_keep_their_spelling() -> None:
    kind = parse_hive_type("struct<NewImage:struct<id:struct<S:string>>, n: INTEGER>")
    assert kind.trino() == "row(newimage row(id row(s varchar)), n integer)"
    assert kind.hive() == "struct<NewImage:struct<id:struct<S:string>>,n:int>"
    assert parse_hive_type("double precision") == HiveType("double")
    assert parse_hive_type("decimal").trino() == "decimal(10,0)"


def test_struct_fields_may_start_with_a_digit_as_in_hive_type_info_utils() -> None:
    kind = parse_hive_type("struct<1st:int,`a b`:string COMMENT 'x'>")
    assert kind.fields == ("1st", "a b")


def test_arrow_forms_for_the_reader_and_the_writer() -> None:
    kind = parse_hive_type("struct<Ts:timestamp>")
    assert kind.arrow() == pa.struct([("ts", pa.timestamp("us"))])
    writer = kind.arrow(timestamp_unit="ns", lower_case_fields=False)
    assert writer == pa.struct([("Ts", pa.timestamp("ns"))])


@pytest.mark.parametrize(
    "bad",
    [
        "uniontype<int,string>",
        "array<int",
        "map<int>",
        "struct<a int>",
        "struct<",
        "decimal(5",
        "int int",
        "array<>",
        "map<array<int>,int>",
        "int(",
        "struct<a:int,",
    ],
)
def test_what_hive_refuses_is_a_value_error(bad: str) -> None:
    with pytest.raises(HiveTypeError):
        parse_hive_type(bad)
