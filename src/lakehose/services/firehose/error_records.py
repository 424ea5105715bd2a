"""The JSON lines Firehose writes to the error output, one per failed record.

Each line is compact JSON followed by ``\\n``; ``rawData`` is the base64 of the record's
*original* bytes (before any Lambda), timestamps are epoch milliseconds as numbers. Key order
matters to anyone diffing objects, so each kind's order is a constant:

* ``processing-failed`` (Lambda): recent real objects use ``PROCESSING_FAILED_KEYS``, ending in
  ``lambdaARN`` with that casing (the docs say ``lambdaArn``); 2019-2022 objects used
  ``LEGACY_PROCESSING_FAILED_KEYS``, without the ARN.
* ``format-conversion-failed``: the 2023 docs' schema (``lastErrorCode``/``lastErrorMessage``),
  which emulators also write; current docs name them ``ErrorCode``/``ErrorMessage``
  (``CURRENT_DOCS_FORMAT_CONVERSION_KEYS``) [sources disagree].
* ``metadata-extraction-failed`` (dynamic partitioning): error code and type are observed, the
  fields are not; the processing-failed shape without the ARN is assumed [unconfirmed].
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from lakehose.services.firehose.records import SourceRecord
from lakehose.services.firehose.transform import Failed

__all__ = [
    "CURRENT_DOCS_FORMAT_CONVERSION_KEYS",
    "FORMAT_CONVERSION_FAILED_KEYS",
    "FORMAT_CONVERSION_FAILED_TYPE",
    "LEGACY_PROCESSING_FAILED_KEYS",
    "METADATA_EXTRACTION_FAILED_KEYS",
    "METADATA_EXTRACTION_FAILED_TYPE",
    "PROCESSING_FAILED_KEYS",
    "PROCESSING_FAILED_TYPE",
    "CatalogTable",
    "format_conversion_failed_line",
    "partitioning_failed_line",
    "processing_failed_line",
]

# Values of !{firehose:error-output-type}.
PROCESSING_FAILED_TYPE = "processing-failed"
FORMAT_CONVERSION_FAILED_TYPE = "format-conversion-failed"
METADATA_EXTRACTION_FAILED_TYPE = "metadata-extraction-failed"

PROCESSING_FAILED_KEYS = (
    "rawData",
    "errorCode",
    "errorMessage",
    "attemptsMade",
    "arrivalTimestamp",
    "attemptEndingTimestamp",
    "lambdaARN",
)
LEGACY_PROCESSING_FAILED_KEYS = (
    "attemptsMade",
    "arrivalTimestamp",
    "errorCode",
    "errorMessage",
    "attemptEndingTimestamp",
    "rawData",
)
FORMAT_CONVERSION_FAILED_KEYS = (
    "attemptsMade",
    "arrivalTimestamp",
    "lastErrorCode",
    "lastErrorMessage",
    "attemptEndingTimestamp",
    "rawData",
    "sequenceNumber",
    "subSequenceNumber",
    "dataCatalogTable",
)
CURRENT_DOCS_FORMAT_CONVERSION_KEYS = tuple(
    {"lastErrorCode": "ErrorCode", "lastErrorMessage": "ErrorMessage"}.get(key, key)
    for key in FORMAT_CONVERSION_FAILED_KEYS
)
METADATA_EXTRACTION_FAILED_KEYS = PROCESSING_FAILED_KEYS[:-1]


@dataclass(frozen=True)
class CatalogTable:
    """The Glue table a conversion used, as ``dataCatalogTable`` reports it."""

    catalog_id: str | None
    database_name: str
    table_name: str
    region: str | None
    version_id: str | None = "LATEST"
    catalog_arn: str | None = None


def processing_failed_line(
    failed: Failed, *, lambda_arn: str, keys: Sequence[str] = PROCESSING_FAILED_KEYS
) -> bytes:
    """The line for a record the Lambda processor failed."""
    return _line(
        failed.record,
        keys,
        code=failed.error_code,
        message=failed.error_message,
        attempts_made=failed.attempts_made,
        ending_ms=failed.ending_ms,
        extra={"lambdaARN": lambda_arn, "lambdaArn": lambda_arn},
    )


def format_conversion_failed_line(
    record: SourceRecord,
    *,
    error_code: str,
    error_message: str,
    ending_ms: int,
    table: CatalogTable,
    attempts_made: int = 1,
    keys: Sequence[str] = FORMAT_CONVERSION_FAILED_KEYS,
) -> bytes:
    """The line for a record that could not be converted to Parquet. ``sequenceNumber`` and
    ``subSequenceNumber`` appear for Kinesis records only."""
    extra: dict[str, Any] = {
        "dataCatalogTable": {
            "catalogId": table.catalog_id,
            "databaseName": table.database_name,
            "tableName": table.table_name,
            "region": table.region,
            "versionId": table.version_id,
            "catalogArn": table.catalog_arn,
        }
    }
    if record.sequence_number is not None:
        extra |= {
            "sequenceNumber": record.sequence_number,
            "subSequenceNumber": record.subsequence_number,
        }
    return _line(
        record,
        keys,
        code=error_code,
        message=error_message,
        attempts_made=attempts_made,
        ending_ms=ending_ms,
        extra=extra,
    )


def partitioning_failed_line(
    record: SourceRecord,
    *,
    error_code: str,
    error_message: str,
    ending_ms: int,
    attempts_made: int = 1,
    keys: Sequence[str] = METADATA_EXTRACTION_FAILED_KEYS,
) -> bytes:
    """The line for a record whose partition keys could not be extracted."""
    return _line(
        record,
        keys,
        code=error_code,
        message=error_message,
        attempts_made=attempts_made,
        ending_ms=ending_ms,
        extra={},
    )


def _line(
    record: SourceRecord,
    keys: Sequence[str],
    *,
    code: str,
    message: str,
    attempts_made: int,
    ending_ms: int,
    extra: Mapping[str, Any],
) -> bytes:
    values: dict[str, Any] = {
        "rawData": base64.b64encode(record.data).decode("ascii"),
        "errorCode": code,
        "errorMessage": message,
        "lastErrorCode": code,
        "lastErrorMessage": message,
        "ErrorCode": code,
        "ErrorMessage": message,
        "attemptsMade": attempts_made,
        "arrivalTimestamp": record.arrival_ms,
        "attemptEndingTimestamp": ending_ms,
        **extra,
    }
    return orjson.dumps({key: values[key] for key in keys if key in values}) + b"\n"
