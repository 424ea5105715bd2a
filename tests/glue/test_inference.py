"""Schema inference of single objects, and the exclusion globs, without a runtime."""

from __future__ import annotations

import gzip
import re

import pytest

from lakehose.services.glue.crawl import glob_regex
from lakehose.services.glue.inference import FileSchema, classify, json_type, merge, render


def columns(schema: FileSchema | None) -> dict[str, str]:
    assert schema is not None
    return {name: render(kind) for name, kind in schema.columns.items()}


@pytest.mark.parametrize(
    ("value", "hive"),
    [
        ("123", "string"),
        (True, "boolean"),
        (7, "int"),
        (2**31 - 1, "int"),
        (2**31, "bigint"),
        (-(2**63), "bigint"),
        (2**63, "double"),
        (1.5, "double"),
        (None, "string"),
        ({}, "string"),
        ([], "array<string>"),
        ([1, 2**40], "array<bigint>"),
        ([1, "a"], "array<string>"),
        ({"S": "5", "n": {"Deep": [True]}}, "struct<S:string,n:struct<Deep:array<boolean>>>"),
    ],
)
def test_json_values_type_as_glue_types_them(value: object, hive: str) -> None:
    assert render(json_type(value)) == hive


def test_merging_widens_or_falls_back_to_string() -> None:
    def merged(*values: object) -> str:
        kind = json_type(values[0])
        for value in values[1:]:
            kind = merge(kind, json_type(value))
        return render(kind)

    assert merged(1, 2**40) == "bigint"
    assert merged(1, 2.5) == "double"
    assert merged(None, 3) == "int"
    assert merged(1, "1") == "string"
    assert merged({"a": 1}, {"b": "x"}, {"a": 2.0}) == "struct<a:double,b:string>"
    assert merged({"a": 1}, [1]) == "string"


def test_ndjson_lines_back_to_back_records_and_bad_lines() -> None:
    body = b'{"a": 1}\n\n{"a": 2}{"b": "x"}\nnot json\n{"c": null}\n'
    schema = classify("data/part", body, 1000)
    assert schema is not None
    assert (schema.classification, schema.compression, schema.records) == ("json", "none", 4)
    assert columns(schema) == {"a": "int", "b": "string", "c": "string"}


def test_gzip_is_recognised_by_its_magic_bytes_or_extension() -> None:
    body = gzip.compress(b'{"HeartRate": "123"}\n')
    schema = classify("data/heartrate-firehose-1-2024", body, 1000)
    assert schema is not None and schema.compression == "gzip"
    assert columns(schema) == {"HeartRate": "string"}
    assert classify("data/broken.gz", b"not gzip at all", 1000) is None


def test_a_pretty_printed_document_is_one_record_or_many() -> None:
    single = classify("x.json", b'{\n  "a": 1,\n  "b": [1, 2]\n}\n', 1000)
    assert columns(single) == {"a": "int", "b": "array<int>"}
    many = classify("x.json", b'[\n {"a": 1},\n {"a": "x"}\n]', 1000)
    assert many is not None and many.records == 2
    assert columns(many) == {"a": "string"}


def test_what_no_classifier_recognises() -> None:
    assert classify("notes.txt", b"hello, world\n", 1000) is None
    assert classify("list.json", b"[1, 2, 3]", 1000) is None
    assert classify("bad.parquet", b"PAR1 but not really", 1000) is None


@pytest.mark.parametrize(
    ("glob", "matching", "other"),
    [
        ("*.csv", ["a.csv"], ["dir/a.csv", "a.json"]),
        ("**.csv", ["a.csv", "dir/a.csv"], ["a.json"]),
        ("tmp/**", ["tmp/a", "tmp/b/c"], ["tmpx/a", "a/tmp/b"]),
        ("part-?.gz", ["part-1.gz"], ["part-10.gz"]),
        ("{a,b}/*", ["a/x", "b/y"], ["c/x"]),
        ("[!_]*.gz", ["x.gz"], ["_x.gz"]),
        ("year=2024/**", ["year=2024/m/x"], ["year=2023/m/x"]),
    ],
)
def test_exclusion_globs(glob: str, matching: list[str], other: list[str]) -> None:
    pattern = re.compile(glob_regex(glob))
    assert all(pattern.fullmatch(key) for key in matching)
    assert not any(pattern.fullmatch(key) for key in other)
