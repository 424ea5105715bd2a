"""The objects of a table export, in AWS's layout (DynamoDB developer guide, "Export output").

Under ``<S3Prefix>/AWSDynamoDB/<ExportId>/``:

- ``_started``: empty, written first, proving the bucket writable;
- ``data/<name>.json.gz``: gzip JSON lines, one ``{"Item": <AttributeValue map>}`` per item
  (binary values base64), items in the table's hash order;
- ``manifest-files.json``: JSON lines, one ``{"itemCount", "md5Checksum", "etag",
  "dataFileS3Key"}`` per data file, and ``manifest-files.md5``;
- ``manifest-summary.json``: the export's summary (version ``2020-06-30``), and
  ``manifest-summary.md5``; written last, so a summary's presence means the export is whole.

The ExportId is the start time in milliseconds, zero-padded to 14 digits, a dash and 8 hex
digits, as AWS forms it.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from lakehose.services.dynamodb.codec import Item, to_json

SUMMARY_VERSION = "2020-06-30"
# Items per data file: AWS writes at least one file per partition; one file per this many items
# keeps each file small enough to read back in one piece.
ITEMS_PER_FILE = 100_000


@dataclass(frozen=True)
class ExportObject:
    key: str
    data: bytes
    content_type: str


def export_id(started_ms: int, suffix: str) -> str:
    return f"{started_ms:014d}-{suffix}"


def data_file_name(random_hex: str) -> str:
    """A data file's name: 26 lowercase base32 characters, as AWS names them."""
    return base64.b32encode(bytes.fromhex(random_hex)).decode("ascii")[:26].lower()


def directory(prefix: str | None, identifier: str) -> str:
    """The export's directory key, ending in ``/``."""
    lead = f"{prefix.rstrip('/')}/" if prefix else ""
    return f"{lead}AWSDynamoDB/{identifier}/"


def iso_moment(seconds: float) -> str:
    """``2020-11-04T07:28:34.028Z``, as the summary manifest writes times."""
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def md5_base64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode("ascii")


def data_files(
    items: Iterable[Item], base: str, names: Iterable[str]
) -> list[tuple[ExportObject, int]]:
    """The gzip data files (with their item counts): at least one, even for an empty table."""
    files: list[tuple[ExportObject, int]] = []
    lines: list[bytes] = []
    name_iterator = iter(names)

    def close() -> None:
        body = gzip.compress(b"".join(lines), mtime=0)
        key = f"{base}data/{next(name_iterator)}.json.gz"
        files.append((ExportObject(key, body, "application/x-gzip"), len(lines)))
        lines.clear()

    for item in items:
        lines.append(to_json({"Item": item}) + b"\n")
        if len(lines) == ITEMS_PER_FILE:
            close()
    if lines or not files:
        close()
    return files


def files_manifest(entries: list[tuple[ExportObject, int, str]]) -> bytes:
    """``manifest-files.json`` for the data files ``(object, item count, etag)``."""
    return b"".join(
        orjson.dumps(
            {
                "itemCount": count,
                "md5Checksum": md5_base64(written.data),
                "etag": etag.strip('"'),
                "dataFileS3Key": written.key,
            }
        )
        + b"\n"
        for written, count, etag in entries
    )


def summary_manifest(description: dict[str, Any], manifest_files_key: str) -> bytes:
    """``manifest-summary.json`` of a finished export (``description`` times in epoch seconds)."""
    return orjson.dumps(
        {
            "version": SUMMARY_VERSION,
            "exportArn": description["ExportArn"],
            "startTime": iso_moment(description["StartTime"]),
            "endTime": iso_moment(description["EndTime"]),
            "tableArn": description["TableArn"],
            "tableId": description["TableId"],
            "exportTime": iso_moment(description["ExportTime"]),
            "s3Bucket": description["S3Bucket"],
            "s3Prefix": description.get("S3Prefix"),
            "s3SseAlgorithm": description["S3SseAlgorithm"],
            "s3SseKmsKeyId": description.get("S3SseKmsKeyId"),
            "manifestFilesS3Key": manifest_files_key,
            "billedSizeBytes": description["BilledSizeBytes"],
            "itemCount": description["ItemCount"],
            "outputFormat": description["ExportFormat"],
        }
    )
