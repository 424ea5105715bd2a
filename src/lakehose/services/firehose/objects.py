"""S3 objects: the key and settings of a sealed batch (its plan), and the object's bytes.

A plan is fixed when its batch is sealed and stored with it, so that the object can be built
again, byte for byte and under the same key, after a crash:

* ``key`` = evaluated prefix + ``<stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid>`` + extension.
  The prefix's ``!{timestamp:...}`` use the oldest record's arrival time; the name's timestamp is
  the sealing time (the instant the buffer was flushed) [unconfirmed which instant AWS uses];
  the version is the configuration version at sealing, so objects of a buffer sealed after
  UpdateDestination carry the new version and prefix.
* The uuid and every ``!{firehose:random-string}`` derive from the stream's id and salt and the
  batch's sequence number, so they look random but are a function of the batch.
* Data objects: records concatenated byte for byte (``AppendDelimiterToRecord`` puts its
  delimiter between records), converted to Parquet if configured, then compressed
  (``codecs``, deterministic). Error objects: the error lines, uncompressed, no extension
  [unconfirmed whether AWS compresses error objects].
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, replace
from typing import Any

from lakehose.services.firehose import buffers, codecs, error_records, ledger, prefixes
from lakehose.services.firehose.base import timestamp
from lakehose.services.firehose.config import Destination
from lakehose.services.firehose.ports import CatalogPort, CatalogTableMissing
from lakehose.services.firehose.records import SourceRecord
from lakehose.services.firehose.store import StreamRow

CONTENT_TYPE = "application/octet-stream"
ENTITY_NOT_FOUND = "DataFormatConversion.EntityNotFound"
INVALID_SCHEMA = "DataFormatConversion.InvalidSchema"
_OPENX_OPTIONS = {
    "CaseInsensitive": "case_insensitive",
    "ColumnToJsonKeyMappings": "column_to_json_key_mappings",
    "ConvertDotsInJsonKeysToUnderscores": "convert_dots_in_json_keys_to_underscores",
}
_PARQUET_OPTIONS = {
    "Compression": "compression",
    "EnableDictionaryCompression": "enable_dictionary_compression",
    "PageSizeBytes": "page_size_bytes",
    "WriterVersion": "writer_version",
}


@dataclass(frozen=True)
class Built:
    """An object's bytes (``None``: nothing to write) and the records it sends to the errors."""

    body: bytes | None
    content_encoding: str | None
    failures: list[tuple[str, SourceRecord]]

    @property
    def etag(self) -> str:
        return f'"{hashlib.md5(self.body or b"", usedforsecurity=False).hexdigest()}"'


def plan(
    stream: StreamRow,
    destination: Destination,
    *,
    stage: str,
    lane: str,
    seq: int,
    oldest_arrival_ms: int,
    now_ms: int,
    catalog: CatalogPort | None,
) -> dict[str, Any]:
    """Where and how batch ``seq`` is written; raises ``PartitionKeyError`` if the prefix needs
    a partition key the lane lacks (the prefix changed since the records were buffered)."""
    # The row id is never reused, so a stream created again under the same name never
    # repeats a predecessor's keys, even with a seeded id generator.
    rng = random.Random(f"{stream.id}:{stream.salt}:{seq}")
    batch_uuid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    instant = timestamp(oldest_arrival_ms)
    zone = destination.time_zone
    name = prefixes.object_name(
        stream.name, stream.version, timestamp(now_ms), batch_uuid, time_zone=zone
    )

    def random_string() -> str:
        return prefixes.random_string(rng)

    if stage == ledger.ERROR:
        prefix = prefixes.render_error_prefix(
            destination.error_output_prefix,
            destination.prefix,
            error_output_type=lane,
            instant=instant,
            time_zone=zone,
            random_string=random_string,
        )
        return {"bucket": destination.bucket, "key": prefix + name, "codec": "UNCOMPRESSED"}
    prefix = prefixes.render_prefix(
        destination.prefix,
        instant=instant,
        time_zone=zone,
        random_string=random_string,
        partition_keys=buffers.lane_keys(lane),
    )
    converting = destination.conversion is not None
    extension = codecs.object_extension(
        destination.compression, destination.file_extension, parquet=converting
    )
    document: dict[str, Any] = {
        "bucket": destination.bucket,
        "key": prefix + name + extension,
        "codec": destination.compression,
        "zip_entry": batch_uuid,
        "delimiter": None if destination.delimiter is None else destination.delimiter.hex(),
    }
    if destination.conversion is not None:
        document["conversion"] = _conversion_plan(destination, catalog)
    return document


def _conversion_plan(destination: Destination, catalog: CatalogPort | None) -> dict[str, Any]:
    """The table's columns as of sealing, so a rebuilt object uses the same schema."""
    conversion = destination.conversion
    assert conversion is not None
    table = {
        "catalog_id": conversion.catalog_id,
        "database_name": conversion.database,
        "table_name": conversion.table,
        "region": conversion.region,
        "version_id": conversion.version_id,
    }
    columns: list[dict[str, Any]] | None = None
    error = "The Glue Data Catalog is not available."
    if catalog is not None:
        try:
            columns = catalog.get_table_columns(
                conversion.database, conversion.table, conversion.region, conversion.version_id
            )
        except CatalogTableMissing as missing:
            error = str(missing)
    ((deserializer, options),) = conversion.deserializer.items()
    return {
        "table": table,
        "columns": columns,
        "error": error,
        "deserializer": deserializer,
        "options": options or {},
        "serializer": conversion.serializer,
    }


def build(batch: ledger.BatchRow, records: list[SourceRecord], now_ms: int) -> Built:
    """The object for a sealed batch: a pure function of its plan and records (failure lines
    aside, which carry the time they were made)."""
    plan = batch.plan
    datas = [record.data for record in records]
    if batch.stage == ledger.ERROR:
        return Built(b"".join(datas), None, [])
    codec = codecs.codec_for(plan["codec"])
    if "conversion" in plan:
        return _converted(plan["conversion"], records, now_ms)
    delimiter = b"" if plan["delimiter"] is None else bytes.fromhex(plan["delimiter"])
    body = codec.compress(delimiter.join(datas), entry_name=plan["zip_entry"])
    return Built(body, codec.content_encoding, [])


def _converted(conversion: dict[str, Any], records: list[SourceRecord], now_ms: int) -> Built:
    table = error_records.CatalogTable(**conversion["table"])
    failed: list[tuple[SourceRecord, str, str]]
    body: bytes | None = None
    if conversion["columns"] is None:
        failed = [(record, ENTITY_NOT_FOUND, conversion["error"]) for record in records]
    else:
        arguments = {
            python: conversion["options"][name]
            for name, python in _OPENX_OPTIONS.items()
            if name in conversion["options"]
        }
        arguments |= {
            python: conversion["serializer"][name]
            for name, python in _PARQUET_OPTIONS.items()
            if name in conversion["serializer"]
        }
        if "TimestampFormats" in conversion["options"]:
            arguments["timestamp_formats"] = conversion["options"]["TimestampFormats"]
        # Imported here: pyarrow takes about a third of a second to load, and only delivery
        # streams that convert records need it, so a server starts without it.
        from lakehose.services.firehose.conversion import convert_to_parquet

        try:
            result = convert_to_parquet(
                records, conversion["columns"], deserializer=conversion["deserializer"], **arguments
            )
            body, failed = result.parquet, result.failed
        except ValueError as error:
            failed = [
                (record, INVALID_SCHEMA, f"The schema is invalid. {error}") for record in records
            ]
    lines = [
        (
            error_records.FORMAT_CONVERSION_FAILED_TYPE,
            replace(
                record,
                data=error_records.format_conversion_failed_line(
                    record, error_code=code, error_message=message, ending_ms=now_ms, table=table
                ),
            ),
        )
        for record, code, message in failed
    ]
    return Built(body, codecs.PARQUET_CONTENT_ENCODING, lines)
