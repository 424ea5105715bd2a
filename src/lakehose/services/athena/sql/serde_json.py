"""The OpenX JSON SerDe (``org.openx.data.jsonserde.JsonSerDe``) as Athena's engine reads it.

Why a Python reader and not DuckDB's ``read_json``: the SerDe's semantics are per line and per
key, and DuckDB's reader has none of them (it matches keys case-sensitively, fails a whole file
on one bad line, and cannot take the first of two values on a line). Each line is parsed with
orjson and converted column by column into Arrow arrays, following Trino's ``openxjson``:

1. A line whose first non-blank character is neither ``{`` nor ``[`` (an empty line too) is a
   row of NULLs.
2. Only the first JSON value of a line is read; anything after it is ignored. This is why
   Firehose output without newlines shows one record per object.
3. Malformed JSON fails the query (``HIVE_CURSOR_ERROR``) unless ``ignore.malformed.json`` is
   true, when it is a row of NULLs.
4. Keys match column and struct field names as ``lakehose.formats.openx_json`` says
   (``case.insensitive``, ``mapping.<field>``, ``dots.in.keys``). A top-level array maps onto
   the table's columns by position.
5. Scalars convert as in ``json_values`` (quoted numbers into numeric columns, and so on).

Only the columns a query uses are converted (``columns``); the rest are never built. Structural
rules: arrays as ``lakehose.formats.openx_json`` says; a blank string is a NULL map, or a row
whose fields are all NULL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import pyarrow as pa

from lakehose.formats.hive_types import HiveType
from lakehose.formats.openx_json import OpenXKeys, array_items, serde_flag
from lakehose.services.athena.sql.json_values import BadValue, scalar_converter

_BLANK = bytes(range(33))  # Java's String.trim() strips every character up to U+0020
_OPENERS = (ord("{"), ord("["))
_PLAN_CACHE_LIMIT = 4096
_FIRST_VALUE = json.JSONDecoder()


class MalformedJson(Exception):
    """A line that starts like JSON but does not parse (and malformed lines are not ignored)."""


@dataclass(frozen=True)
class JsonOptions:
    """The SerDe properties that change how lines are read."""

    ignore_malformed: bool = False
    keys: OpenXKeys = field(default_factory=OpenXKeys)

    @classmethod
    def from_serde(cls, parameters: Mapping[str, str]) -> JsonOptions:
        return cls(
            ignore_malformed=serde_flag(parameters, "ignore.malformed.json", False),
            keys=OpenXKeys.from_serde(parameters),
        )


class Builder:
    """Collects one column's (or nested field's) values; ``finish`` makes the Arrow array."""

    def append(self, value: Any) -> None:  # value is never None
        raise NotImplementedError

    def append_null(self) -> None:
        raise NotImplementedError

    def finish(self) -> pa.Array:
        raise NotImplementedError


class ScalarBuilder(Builder):
    __slots__ = ("arrow_type", "convert", "hive_name", "values")

    def __init__(self, hive: HiveType) -> None:
        self.hive_name = hive.name if not hive.params else hive.hive()
        self.convert = scalar_converter(hive)
        self.arrow_type = hive.arrow()
        self.values: list[Any] = []

    def append(self, value: Any) -> None:
        self.values.append(self.convert(value))

    def append_null(self) -> None:
        self.values.append(None)

    def finish(self) -> pa.Array:
        return pa.array(self.values, type=self.arrow_type)


class ArrayBuilder(Builder):
    def __init__(self, hive: HiveType, options: JsonOptions) -> None:
        self.arrow_type = hive.arrow()
        self.element = _builder(hive.children[0], options)
        self.offsets = [0]
        self.nulls: list[bool] = []
        self.count = 0

    def append(self, value: Any) -> None:
        items = array_items(value)
        if items is None:
            self.append_null()
            return
        for item in items:
            if item is None:
                self.element.append_null()
            else:
                self.element.append(item)
            self.count += 1
        self.offsets.append(self.count)
        self.nulls.append(False)

    def append_null(self) -> None:
        self.offsets.append(self.count)
        self.nulls.append(True)

    def finish(self) -> pa.Array:
        return pa.ListArray.from_arrays(
            pa.array(self.offsets, pa.int32()),
            self.element.finish(),
            type=self.arrow_type,
            mask=pa.array(self.nulls, pa.bool_()),
        )


class MapBuilder(Builder):
    def __init__(self, hive: HiveType, options: JsonOptions) -> None:
        self.arrow_type = hive.arrow()
        self.case_insensitive = options.keys.case_insensitive
        self.key_convert = scalar_converter(hive.children[0])
        self.keys: list[Any] = []
        self.items = _builder(hive.children[1], options)
        self.offsets = [0]
        self.nulls: list[bool] = []

    def append(self, value: Any) -> None:
        if type(value) is not dict:
            if type(value) is str and not value.strip():
                self.append_null()
                return
            raise BadValue("Failed to parse value: Primitive can not be coerced to a MAP")
        entries: dict[Any, Any] = {}
        spelled: dict[str, str] = {}
        for name, item in value.items():
            # The parser folds keys that differ only in case into the first spelling.
            folded = name.lower() if self.case_insensitive else name
            name = spelled.setdefault(folded, name)
            key = self.key_convert(name)
            if key is not None:
                entries.pop(key, None)
                entries[key] = item
        for key, item in entries.items():
            self.keys.append(key)
            if item is None:
                self.items.append_null()
            else:
                self.items.append(item)
        self.offsets.append(len(self.keys))
        self.nulls.append(False)

    def append_null(self) -> None:
        self.offsets.append(len(self.keys))
        self.nulls.append(True)

    def finish(self) -> pa.Array:
        key_type = self.arrow_type.key_type
        array = pa.MapArray.from_arrays(
            pa.array(self.offsets, pa.int32()),
            pa.array(self.keys, key_type),
            self.items.finish(),
            type=self.arrow_type,
        )
        if not any(self.nulls):
            return array
        return pa.MapArray.from_arrays(
            array.offsets,
            array.keys,
            array.items,
            type=self.arrow_type,
            mask=pa.array(self.nulls, pa.bool_()),
        )


class RowBuilder(Builder):
    """A struct column, or (as ``root``) the table row: fields found by key or position."""

    def __init__(
        self,
        names: Sequence[str],
        types: Sequence[HiveType],
        options: JsonOptions,
        ordinals: Sequence[int] | None = None,
    ) -> None:
        self.names = list(names)
        self.children = [_builder(hive, options) for hive in types]
        self.arrow_type = pa.struct(
            [pa.field(n, t.arrow()) for n, t in zip(names, types, strict=False)]
        )
        self.options = options
        # Position in a JSON array of each field (the table's column ordinals at top level).
        self.ordinals = list(ordinals) if ordinals is not None else list(range(len(names)))
        self.plans: dict[tuple[str, ...], list[str | None]] = {}
        self.nulls: list[bool] = []

    def _plan(self, keys: tuple[str, ...]) -> list[str | None]:
        """Which key of an object with these keys feeds each field (None: no key)."""
        plan = self.options.keys.key_plan(keys, self.names)
        if len(self.plans) >= _PLAN_CACHE_LIMIT:
            self.plans.clear()
        self.plans[keys] = plan
        return plan

    def append(self, value: Any) -> None:
        if type(value) is dict:
            keys = tuple(value)
            plan = self.plans.get(keys) or self._plan(keys)
            for child, key in zip(self.children, plan, strict=False):
                item = None if key is None else value[key]
                if item is None:
                    child.append_null()
                else:
                    child.append(item)
        elif type(value) is list:
            for child, ordinal in zip(self.children, self.ordinals, strict=False):
                item = value[ordinal] if ordinal < len(value) else None
                if item is None:
                    child.append_null()
                else:
                    child.append(item)
        elif type(value) is str and not value.strip():
            for child in self.children:
                child.append_null()
        else:
            raise BadValue("Failed to parse value: Primitive can not be coerced to a ROW")
        self.nulls.append(False)

    def append_null(self) -> None:
        for child in self.children:
            child.append_null()
        self.nulls.append(True)

    def finish(self) -> pa.Array:
        return pa.StructArray.from_arrays(
            [child.finish() for child in self.children],
            fields=list(self.arrow_type),
            mask=pa.array(self.nulls, pa.bool_()),
        )

    def finish_columns(self) -> list[pa.Array]:
        return [child.finish() for child in self.children]


def _builder(hive: HiveType, options: JsonOptions) -> Builder:
    if hive.name == "array":
        return ArrayBuilder(hive, options)
    if hive.name == "map":
        return MapBuilder(hive, options)
    if hive.name == "struct":
        return RowBuilder(hive.field_names(), hive.children, options)
    return ScalarBuilder(hive)


@dataclass(frozen=True)
class JsonColumn:
    """A table column to read: its lower-case name, type and position among the columns."""

    name: str
    type: HiveType
    ordinal: int


def first_value(line: bytes) -> Any:
    """The first JSON value of a line that starts with ``{`` or ``[``; raises
    ``MalformedJson`` when there is none. orjson reads the usual whole-line case; the standard
    library's ``raw_decode`` finds where a first value ends when something follows it."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    text = line.decode("utf-8", "replace")
    try:
        return _FIRST_VALUE.raw_decode(text)[0]
    except ValueError as error:
        raise MalformedJson(str(error)) from None


class JsonReader:
    """Reads lines, as the SerDe does, into one set of column builders: the files of a table
    one after another, finished into one Arrow array per column."""

    def __init__(self, columns: Sequence[JsonColumn], options: JsonOptions) -> None:
        from lakehose.services.athena.sql.json_compile import compile_rows

        self.options = options
        self.columns = list(columns)
        self.root = RowBuilder(
            [c.name for c in columns],
            [c.type for c in columns],
            options,
            [c.ordinal for c in columns],
        )
        self._append = compile_rows(self.root)

    def read(self, lines: Sequence[bytes]) -> None:
        """One row per line; raises ``MalformedJson`` or ``BadValue`` as Trino fails."""
        if not self.columns and self.options.ignore_malformed:
            return  # nothing to convert and nothing can fail: every line is simply a row
        for raw in lines:
            line = raw.strip(_BLANK)
            if not line or line[0] not in _OPENERS:
                self.root.append_null()
                continue
            try:
                value = first_value(line)
            except MalformedJson:
                if not self.options.ignore_malformed:
                    raise
                self.root.append_null()
                continue
            if self.columns:
                self._append(value)

    def finish(self) -> list[pa.Array]:
        return self.root.finish_columns()


def decode_lines(
    lines: Sequence[bytes], columns: Sequence[JsonColumn], options: JsonOptions
) -> list[pa.Array]:
    """One Arrow array per column, one row per line, as the SerDe reads the lines."""
    reader = JsonReader(columns, options)
    reader.read(lines)
    return reader.finish()
