"""Schema inference for crawled objects: what a Glue crawler's built-in classifiers conclude.

JSON (NDJSON, gzip by magic bytes or ``.gz``): the union of the records' keys in order of first
appearance; values typed as Glue types them, and never from their text, so ``"123"`` stays
``string``: booleans ``boolean``, integers ``int`` (``bigint`` past 32 bits), other numbers
``double``, objects ``struct<...>`` (field names keep their case), arrays ``array<...>``, and a key
only ever null ``string``. Conflicting types widen (``int`` + ``bigint`` is ``bigint``, integers +
``double`` is ``double``) or fall back to ``string``. Records a line holds back to back
(``{..}{..}``, Firehose without a delimiter) are read as Glue's streaming parser reads them.

Parquet: the file's own schema, mapped to Hive types, read from the footer with pyarrow.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson


@dataclass(frozen=True)
class Scalar:
    name: str


@dataclass(frozen=True)
class Struct:
    fields: tuple[tuple[str, HiveType], ...]


@dataclass(frozen=True)
class Array:
    element: HiveType


@dataclass(frozen=True)
class Map:
    key: HiveType
    value: HiveType


HiveType = Scalar | Struct | Array | Map
NULL = Scalar("null")
STRING = Scalar("string")
_INT32 = range(-(2**31), 2**31)
_INT64 = range(-(2**63), 2**63)
# Numeric types in widening order: merging two takes the later one.
_NUMERIC = ("tinyint", "smallint", "int", "bigint", "float", "double")


@dataclass
class FileSchema:
    """What one object holds: its classification, compression, records and columns."""

    classification: str  # "json" | "parquet"
    compression: str  # "gzip" | "none"
    records: int
    columns: dict[str, HiveType] = field(default_factory=dict)  # top-level, names as found


def merge(first: HiveType, second: HiveType) -> HiveType:
    """The type that holds values of both (``string`` when nothing narrower does)."""
    if first == second or second == NULL:
        return first
    if first == NULL:
        return second
    if isinstance(first, Scalar) and isinstance(second, Scalar):
        if first.name in _NUMERIC and second.name in _NUMERIC:
            return max(first, second, key=lambda scalar: _NUMERIC.index(scalar.name))
        return STRING
    if isinstance(first, Struct) and isinstance(second, Struct):
        fields = dict(first.fields)
        for name, kind in second.fields:
            fields[name] = merge(fields[name], kind) if name in fields else kind
        return Struct(tuple(fields.items()))
    if isinstance(first, Array) and isinstance(second, Array):
        return Array(merge(first.element, second.element))
    if isinstance(first, Map) and isinstance(second, Map):
        return Map(merge(first.key, second.key), merge(first.value, second.value))
    return STRING


def render(kind: HiveType) -> str:
    """The Hive type string Glue stores: ``struct<a:int,b:array<string>>``, no spaces."""
    if isinstance(kind, Scalar):
        return "string" if kind == NULL else kind.name
    if isinstance(kind, Array):
        return f"array<{render(kind.element)}>"
    if isinstance(kind, Map):
        return f"map<{render(kind.key)},{render(kind.value)}>"
    if not kind.fields:
        return "string"  # Hive has no empty struct; an always-empty object is kept as text
    return "struct<" + ",".join(f"{name}:{render(item)}" for name, item in kind.fields) + ">"


def json_type(value: object) -> HiveType:
    if isinstance(value, bool):
        return Scalar("boolean")
    if isinstance(value, int):
        return Scalar("int" if value in _INT32 else "bigint" if value in _INT64 else "double")
    if isinstance(value, float):
        return Scalar("double")
    if isinstance(value, str):
        return STRING
    if isinstance(value, dict):
        return Struct(tuple((str(key), json_type(item)) for key, item in value.items()))
    if isinstance(value, list):
        element: HiveType = NULL
        for item in value:
            element = merge(element, json_type(item))
        return Array(element)
    return NULL


def classify(key: str, data: bytes, sample_records: int) -> FileSchema | None:
    """The schema of one object, or None when no built-in classifier recognises it."""
    compression = "none"
    if data[:2] == b"\x1f\x8b" or key.endswith(".gz"):
        try:
            data = gzip.decompress(data)
            compression = "gzip"
        except (OSError, EOFError, zlib.error):
            return None
    if data[:4] == b"PAR1":
        return _parquet(data, compression)
    if data.lstrip()[:1] in (b"{", b"["):
        return _json(data, compression, sample_records)
    return None


def _json(data: bytes, compression: str, sample_records: int) -> FileSchema | None:
    schema = FileSchema("json", compression, 0)
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        if schema.records >= sample_records:
            schema.records += 1  # counted, not parsed: the sample already gave the schema
            continue
        for record in _records(line):
            schema.records += 1
            for name, value in record.items():
                kind = json_type(value)
                schema.columns[name] = merge(schema.columns.get(name, NULL), kind)
    if schema.records == 0:
        return _whole_document(data, compression)
    return schema


def _records(line: bytes) -> Iterator[dict[str, object]]:
    """The JSON objects one line holds, including several written back to back."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        yield from _concatenated(line.decode("utf-8", errors="replace"))
        return
    if isinstance(value, dict):
        yield value


def _concatenated(text: str) -> Iterator[dict[str, object]]:
    decoder = json.JSONDecoder()
    position = 0
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text):
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return  # the rest of a malformed line is not a record
        if isinstance(value, dict):
            yield value


def _whole_document(data: bytes, compression: str) -> FileSchema | None:
    """A file that is one (pretty-printed) document: an object, or an array of objects."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    records = [value] if isinstance(value, dict) else value if isinstance(value, list) else []
    objects = [record for record in records if isinstance(record, dict)]
    if not objects:
        return None
    schema = FileSchema("json", compression, len(objects))
    for record in objects:
        for name, item in record.items():
            schema.columns[name] = merge(schema.columns.get(name, NULL), json_type(item))
    return schema


def _parquet(data: bytes, compression: str) -> FileSchema | None:
    # pyarrow (and numpy beneath it) take about a third of a second to import; only a crawl that
    # meets a Parquet file needs them, so a server starts without them.
    from lakehose.services.glue.parquet_schema import parquet_schema

    return parquet_schema(data, compression)
