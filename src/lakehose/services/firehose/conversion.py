"""Record format conversion: JSON records to one Parquet object, typed by a Glue table's columns.

What the developer guide's "Convert input data format" page and emulators' probes of real AWS
establish, and lakehose reproduces:

* A record holds one or more JSON objects, concatenated (``{"a":1}{"a":2}`` is two rows); an
  array of objects is invalid. A record converts whole or fails whole; failed records go to the
  error output (``format-conversion-failed``) while the rest of the batch converts.
* ``DataFormatConversion.ParseError`` ("Encountered malformed JSON. ...") for a record that is not
  JSON; ``DataFormatConversion.MalformedData`` ("Data does not match the schema. ...") for values
  that do not fit their column (``For input string: "abc"`` as Java's number parsers say it).
  The detail after the first sentence is Python's, not Jackson's [deviation].
* OpenX JSON SerDe is lenient, Hive JSON SerDe strict: ``hive_json`` holds their value rules.
* Objects are Parquet with Snappy by default; timestamps are INT96 as Hive's Parquet writer
  stores them [assumed from the Hive writer Firehose is built on]. Bytes are a pure function of
  the input.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from lakehose.formats.hive_types import HiveType, parse_hive_type
from lakehose.services.firehose.hive_json import (
    Mismatch,
    SerDeOptions,
    convert_value,
    parse_documents,
)
from lakehose.services.firehose.records import SourceRecord

__all__ = ["MALFORMED_DATA", "PARSE_ERROR", "ConversionResult", "convert_to_parquet"]

PARSE_ERROR = "DataFormatConversion.ParseError"
MALFORMED_DATA = "DataFormatConversion.MalformedData"
_COMPRESSION = {"SNAPPY": "snappy", "GZIP": "gzip", "UNCOMPRESSED": "none"}


@dataclass(frozen=True)
class ConversionResult:
    """The Parquet object (``None`` when no record converted) and the records that failed."""

    parquet: bytes | None
    failed: list[tuple[SourceRecord, str, str]]


def convert_to_parquet(
    records: Sequence[SourceRecord],
    columns: list[dict[str, Any]],
    *,
    deserializer: str,
    case_insensitive: bool = True,
    column_to_json_key_mappings: Mapping[str, str] | None = None,
    convert_dots_in_json_keys_to_underscores: bool = False,
    timestamp_formats: Sequence[str] = (),
    compression: str = "SNAPPY",
    enable_dictionary_compression: bool = False,
    page_size_bytes: int = 1024 * 1024,
    writer_version: str = "V1",
) -> ConversionResult:
    """Converts the records; ``deserializer`` is ``OpenXJsonSerDe`` or ``HiveJsonSerDe``.

    ``columns`` are Glue ``Column`` dicts. ``timestamp_formats`` is ``HiveJsonSerDe``'s
    ``TimestampFormats``; only ``millis`` is supported (other Joda patterns raise
    ``ValueError``, as does an unusable schema: the caller fails the whole batch then).
    """
    options = SerDeOptions.create(
        deserializer,
        case_insensitive=case_insensitive,
        column_to_json_key_mappings=column_to_json_key_mappings,
        convert_dots_in_json_keys_to_underscores=convert_dots_in_json_keys_to_underscores,
        timestamp_formats=timestamp_formats,
    )
    names = [str(column["Name"]) for column in columns]
    if not options.openx and any("." in name for name in names):
        raise ValueError("HiveJsonSerDe does not allow periods in column names")
    types = tuple(parse_hive_type(column["Type"]) for column in columns)
    schema = HiveType("struct", (), types, tuple(names))
    rows: list[dict[str, Any]] = []
    failed: list[tuple[SourceRecord, str, str]] = []
    for record in records:
        try:
            documents = parse_documents(record.data)
        except ValueError as exc:
            failed.append((record, PARSE_ERROR, f"Encountered malformed JSON. {exc}"))
            continue
        try:
            rows += [convert_value(schema, document, options) for document in documents]
        except Mismatch as exc:
            failed.append((record, MALFORMED_DATA, f"Data does not match the schema. {exc}"))
    if not rows:
        return ConversionResult(None, failed)
    table = pa.Table.from_pylist(
        rows, schema=pa.schema(list(schema.arrow(timestamp_unit="ns", lower_case_fields=False)))
    )
    sink = io.BytesIO()
    pq.write_table(
        table,
        sink,
        compression=_COMPRESSION[compression],
        use_dictionary=enable_dictionary_compression,
        data_page_size=page_size_bytes,
        data_page_version="2.0" if writer_version == "V2" else "1.0",
        use_deprecated_int96_timestamps=True,
        store_schema=False,
    )
    return ConversionResult(sink.getvalue(), failed)
