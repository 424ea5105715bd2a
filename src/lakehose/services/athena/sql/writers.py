"""Rows encoded as the data files CTAS, INSERT INTO and UNLOAD write: one format, one codec.

Formats and the codecs Athena engine version 3 writes for Hive tables (its "Hive compression
support" table): PARQUET (GZIP, the default, SNAPPY, ZSTD, NONE), ORC (ZLIB, the default, LZ4,
SNAPPY, ZSTD, NONE), and the text formats JSON, TEXTFILE and CSV (GZIP, the default, BZIP2,
NONE; Athena also writes LZ4, SNAPPY and ZSTD text, which lakehose cannot read back, so they
are NOT_SUPPORTED). A text file's codec is named by its key's extension (``.gz``, ``.bz2``), as
Hive and Athena name and read them. Text values are written as Athena renders them; NULL is the
SerDe's null text (``\\N`` for TEXTFILE, an empty field for CSV, an absent key for JSON).
"""

from __future__ import annotations

import bz2
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.orc as orc
import pyarrow.parquet as pq
from duckdb.sqltypes import DuckDBPyType

from lakehose.services.athena.sql.errors import INVALID_TABLE_PROPERTY, NOT_SUPPORTED, QueryFailed
from lakehose.services.athena.sql.render import render_value

_COLUMNAR = {
    "PARQUET": {"GZIP": "gzip", "SNAPPY": "snappy", "ZSTD": "zstd", "NONE": "none"},
    "ORC": {
        "ZLIB": "zlib",
        "LZ4": "lz4",
        "SNAPPY": "snappy",
        "ZSTD": "zstd",
        "NONE": "uncompressed",
    },
}
_TEXT_CODECS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "GZIP": (".gz", gzip.compress),
    "BZIP2": (".bz2", bz2.compress),
    "NONE": ("", bytes),
}
_TEXT_UNREADABLE = ("LZ4", "SNAPPY", "ZSTD")
TEXT_FORMATS = ("JSON", "TEXTFILE", "CSV")
# What a statement's ``format`` property may name; CSV is only an OpenCSVSerde table's format.
FORMATS = ("PARQUET", "ORC", "JSON", "TEXTFILE")


@dataclass(frozen=True)
class FileFormat:
    """How data files are written: ``name`` one of ``FORMATS``, ``compression`` its codec."""

    name: str
    compression: str
    delimiter: str = "\x01"  # TEXTFILE's field.delim, CSV's separatorChar
    quote: str = '"'  # CSV only
    escape: str | None = None
    null_text: str = "\\N"  # TEXTFILE only

    @classmethod
    def of(cls, name: str, compression: str | None, **text: Any) -> FileFormat:
        """A checked format; ``compression`` None takes the format's default."""
        name = name.upper()
        if name == "AVRO":  # Athena writes it; lakehose has no Avro writer
            raise QueryFailed(NOT_SUPPORTED, "Writing AVRO files is not supported by lakehose")
        if name not in FORMATS:
            raise QueryFailed(
                INVALID_TABLE_PROPERTY,
                f"Unsupported format: {name} (supported: {', '.join(FORMATS)})",
            )
        return cls._checked(name, compression, **text)

    @classmethod
    def csv(cls, delimiter: str, quote: str, escape: str | None) -> FileFormat:
        """An OpenCSVSerde table's files (INSERT INTO), GZIP-compressed."""
        return cls._checked("CSV", None, delimiter=delimiter, quote=quote, escape=escape)

    @classmethod
    def _checked(cls, name: str, compression: str | None, **text: Any) -> FileFormat:
        codec = (compression or default_compression(name)).upper()
        codec = "NONE" if codec == "UNCOMPRESSED" else codec  # Parquet's and Hive's word
        allowed = _COLUMNAR.get(name) or _TEXT_CODECS
        if name in TEXT_FORMATS and codec in _TEXT_UNREADABLE:
            raise QueryFailed(
                NOT_SUPPORTED, f"Writing {codec}-compressed {name} files is not supported"
            )
        if codec not in allowed:
            raise QueryFailed(
                INVALID_TABLE_PROPERTY,
                f"Unsupported compression {codec} for format {name} "
                f"(supported: {', '.join(allowed)})",
            )
        return cls(name, codec, **text)

    @property
    def extension(self) -> str:
        return _TEXT_CODECS[self.compression][0] if self.name in TEXT_FORMATS else ""


def default_compression(name: str) -> str:
    return "ZLIB" if name.upper() == "ORC" else "GZIP"


def encode(data: pa.Table, kinds: list[DuckDBPyType], file_format: FileFormat) -> bytes:
    """One data file of ``data`` (whose columns have the DuckDB types ``kinds``)."""
    if file_format.name == "PARQUET":
        buffer = io.BytesIO()
        pq.write_table(data, buffer, compression=_COLUMNAR["PARQUET"][file_format.compression])
        return buffer.getvalue()
    if file_format.name == "ORC":
        buffer = io.BytesIO()
        orc.write_table(data, buffer, compression=_COLUMNAR["ORC"][file_format.compression])
        return buffer.getvalue()
    if file_format.name == "JSON":
        body = b"".join(
            orjson.dumps({k: v for k, v in row.items() if v is not None}, default=str) + b"\n"
            for row in data.to_pylist()
        )
    else:
        body = _delimited(data, kinds, file_format)
    return _TEXT_CODECS[file_format.compression][1](body)


def _delimited(data: pa.Table, kinds: list[DuckDBPyType], file_format: FileFormat) -> bytes:
    columns = [
        [render_value(value, kind) for value in column.to_pylist()]
        for column, kind in zip(data.columns, kinds, strict=True)
    ]
    field = _csv_field if file_format.name == "CSV" else _text_field
    lines = [
        file_format.delimiter.join(field(value, file_format) for value in row) + "\n"
        for row in zip(*columns, strict=True)
    ]
    return "".join(lines).encode()


def _text_field(value: str | None, file_format: FileFormat) -> str:
    if value is None:
        return file_format.null_text
    if file_format.escape:
        value = value.replace(file_format.delimiter, file_format.escape + file_format.delimiter)
    return value


def _csv_field(value: str | None, file_format: FileFormat) -> str:
    if value is None:
        return ""
    quote = file_format.quote
    escaped = value.replace(quote, (file_format.escape or quote) + quote)
    return f"{quote}{escaped}{quote}"
