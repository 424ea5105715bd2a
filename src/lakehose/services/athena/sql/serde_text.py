"""Delimited text tables: Hive's ``LazySimpleSerDe`` and ``OpenCSVSerde``.

* LazySimpleSerDe (``ROW FORMAT DELIMITED``): fields split on ``field.delim`` (default
  ``\\x01``), ``\\N`` is NULL (``serialization.null.format``), a backslash escapes the delimiter
  when ``escape.delim`` is set; missing trailing fields are NULL and extra ones ignored.
* OpenCSVSerde: ``separatorChar`` (``,``), ``quoteChar`` (``"``), ``escapeChar`` (``\\``);
  every field is text (an empty field is an empty string, not NULL), converted to the
  column's type where it is not a string.

``skip.header.line.count`` (a table property) skips the first lines of every file. Values
convert as the JSON SerDe's scalars do (``json_values``); complex column types are not
supported in text tables.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa

from lakehose.formats.hive_types import HiveType
from lakehose.services.athena.sql.errors import HIVE_UNSUPPORTED_FORMAT, QueryFailed
from lakehose.services.athena.sql.files import split_lines
from lakehose.services.athena.sql.json_values import BadValue, scalar_converter


@dataclass(frozen=True)
class TextOptions:
    csv: bool
    delimiter: str
    quote: str
    escape: str | None
    null_format: str | None
    skip_lines: int

    @classmethod
    def from_table(
        cls, kind: str, serde: Mapping[str, str], parameters: Mapping[str, str]
    ) -> TextOptions:
        skip = int(parameters.get("skip.header.line.count", "0") or 0)
        if kind == "csv":
            return cls(
                csv=True,
                delimiter=serde.get("separatorChar", ","),
                quote=serde.get("quoteChar", '"'),
                escape=serde.get("escapeChar", "\\"),
                null_format=None,
                skip_lines=skip,
            )
        delimiter = serde.get("field.delim") or serde.get("serialization.format") or "\x01"
        if delimiter.isdigit():
            delimiter = chr(int(delimiter))  # Hive accepts a delimiter given as its code
        return cls(
            csv=False,
            delimiter=delimiter,
            quote="",
            escape=serde.get("escape.delim"),
            null_format=serde.get("serialization.null.format", "\\N"),
            skip_lines=skip,
        )


def _fields(line: str, options: TextOptions) -> list[str]:
    if options.csv:
        reader = csv.reader(
            [line],
            delimiter=options.delimiter,
            quotechar=options.quote or None,
            escapechar=options.escape or None,
            strict=False,
        )
        return next(reader, [])
    if options.escape:
        marker = "\x00"
        escaped = line.replace(options.escape + options.delimiter, marker)
        return [f.replace(marker, options.delimiter) for f in escaped.split(options.delimiter)]
    return line.split(options.delimiter)


def decode_text(
    data: bytes, columns: Sequence[tuple[int, HiveType]], options: TextOptions
) -> tuple[list[pa.Array], int]:
    """One Arrow array per wanted column (by ordinal), and the number of rows."""
    for _, kind in columns:
        if not kind.is_primitive:
            raise QueryFailed(
                HIVE_UNSUPPORTED_FORMAT, f"Type {kind.hive()} is not supported in text tables"
            )
    lines = split_lines(data)[options.skip_lines :]
    converters = [scalar_converter(kind) for _, kind in columns]
    values: list[list[object]] = [[] for _ in columns]
    for raw in lines:
        fields = _fields(raw.decode("utf-8", "replace"), options)
        for slot, ((ordinal, kind), convert) in enumerate(zip(columns, converters, strict=False)):
            text = fields[ordinal] if ordinal < len(fields) else None
            if text is None or text == options.null_format:
                values[slot].append(None)
                continue
            try:
                values[slot].append(text if kind.name == "string" else convert(text))
            except BadValue:
                values[slot].append(None)
    arrays = [pa.array(v, type=kind.arrow()) for v, (_, kind) in zip(values, columns, strict=False)]
    return arrays, len(lines)
