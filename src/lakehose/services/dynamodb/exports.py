"""ExportTableToPointInTime, DescribeExport and ListExports: a table's items into lakehose's S3.

An export is a full export in DynamoDB JSON of the table as it is when the request arrives
(``export_files`` has the layout). The steps, so that an acknowledged export is never lost and a
half-written one is never reported COMPLETED:

1. in one SQLite transaction: check the table and its point-in-time recovery, record the export
   IN_PROGRESS, and read every item (a consistent snapshot);
2. write ``_started``, the data files, ``manifest-files.json`` and last
   ``manifest-summary.json`` to S3 through the ``ExportObjectSink`` port;
3. record the export COMPLETED with its counts, or FAILED with S3's reason
   (``S3NoSuchBucket`` for a missing bucket, as AWS reports it).

The answer is the IN_PROGRESS description, as AWS answers; DescribeExport then shows the outcome.
An export a crash interrupted between steps 1 and 3 is marked FAILED when the engine starts.
"""

from __future__ import annotations

import itertools
import sqlite3
from datetime import UTC, datetime
from typing import Any

from lakehose.arns import InvalidArn, parse_arn
from lakehose.services.dynamodb import export_files, export_store, store
from lakehose.services.dynamodb.attributes import item_size
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import (
    ExportNotFoundException,
    InvalidExportTimeException,
    PointInTimeRecoveryUnavailableException,
    TableNotFoundException,
    ValidationException,
)
from lakehose.services.dynamodb.export_files import ExportObject
from lakehose.services.dynamodb.ports import ExportDestinationError
from lakehose.services.dynamodb.store import StoredTable

_TIMES = ("StartTime", "EndTime", "ExportTime")
MAX_LIST_RESULTS = 25


class ExportOperations(DynamoDBBase):
    def export_table_to_point_in_time(
        self,
        *,
        table_arn: str,
        s3_bucket: str,
        export_time: datetime | None = None,
        client_token: str | None = None,
        s3_bucket_owner: str | None = None,
        s3_prefix: str | None = None,
        s3_sse_algorithm: str | None = None,
        s3_sse_kms_key_id: str | None = None,
        export_format: str | None = None,
        export_type: str | None = None,
        incremental_export_specification: dict[str, Any] | None = None,
        filter_specification: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if export_type == "INCREMENTAL_EXPORT" or incremental_export_specification is not None:
            raise ValidationException("lakehose does not implement incremental exports")
        if export_format == "ION":
            raise ValidationException("lakehose does not implement exports in the ION format")
        if filter_specification is not None:
            raise ValidationException("lakehose does not implement export filters")
        now = self.clock.now()
        now_ms = int(now * 1000)
        with self.db.transaction() as connection:
            table = self._export_table(connection, table_arn)
            if client_token is not None:
                earlier = export_store.export_by_token(connection, table.meta.arn, client_token)
                if earlier is not None:
                    return {"ExportDescription": _shaped(earlier)}
            recovery_since = table.meta.pitr_since
            if recovery_since is None:
                raise PointInTimeRecoveryUnavailableException(
                    f"Point in time recovery is not enabled for table '{table.meta.name}'"
                )
            moment = _export_moment(export_time, now, recovery_since)
            identifier = export_files.export_id(now_ms, self.ids.hex(8))
            description: dict[str, Any] = {
                "ExportArn": f"{table.meta.arn}/export/{identifier}",
                "ExportStatus": "IN_PROGRESS",
                "StartTime": now,
                "TableArn": table.meta.arn,
                "TableId": table.meta.table_id,
                "ExportTime": moment,
                "S3Bucket": s3_bucket,
                "S3SseAlgorithm": s3_sse_algorithm or "AES256",
                "ExportFormat": "DYNAMODB_JSON",
                "ExportType": "FULL_EXPORT",
            }
            if client_token is not None:
                description["ClientToken"] = client_token
            if s3_bucket_owner is not None:
                description["S3BucketOwner"] = s3_bucket_owner
            if s3_prefix is not None:
                description["S3Prefix"] = s3_prefix
            if s3_sse_kms_key_id is not None:
                description["S3SseKmsKeyId"] = s3_sse_kms_key_id
            export_store.save_export(connection, description, client_token, now_ms)
            items = [
                row.item
                for row in store.walk(connection, store.RowRange(table.id, store.TABLE_ROWS))
            ]
        finished = self._write_export(description, identifier, items)
        with self.db.transaction() as connection:
            export_store.save_export(connection, finished, client_token, now_ms)
        return {"ExportDescription": _shaped(description)}

    def describe_export(self, *, export_arn: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = export_store.find_export(connection, export_arn)
        if found is None:
            raise ExportNotFoundException(f"Export not found: {export_arn}")
        return {"ExportDescription": _shaped(found)}

    def list_exports(
        self,
        *,
        table_arn: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        limit = max_results or MAX_LIST_RESULTS
        with self.db.read() as connection:
            page = export_store.list_exports(connection, table_arn, next_token, limit + 1)
        result: dict[str, Any] = {
            "ExportSummaries": [
                {
                    "ExportArn": found["ExportArn"],
                    "ExportStatus": found["ExportStatus"],
                    "ExportType": found["ExportType"],
                }
                for found in page[:limit]
            ]
        }
        if len(page) > limit:
            result["NextToken"] = page[limit - 1]["ExportArn"]
        return result

    # -- helpers ------------------------------------------------------------------------------

    def _interrupted_exports(self) -> None:
        """Exports a crash stopped before step 3 failed: their snapshot is gone."""
        with self.db.transaction() as connection:
            for description in export_store.unfinished_exports(connection):
                failed = {
                    **description,
                    "ExportStatus": "FAILED",
                    "EndTime": self.clock.now(),
                    "FailureCode": "UNKNOWN",
                    "FailureMessage": "The export was interrupted",
                }
                export_store.save_export(
                    connection,
                    failed,
                    description.get("ClientToken"),
                    int(description["StartTime"] * 1000),
                )

    def _export_table(self, connection: sqlite3.Connection, table_arn: str) -> StoredTable:
        try:
            arn = parse_arn(table_arn)
        except InvalidArn:
            raise TableNotFoundException.named(table_arn) from None
        name = arn.resource_id.split("/", 1)[0]
        table = store.find_table(connection, name) if arn.resource_type == "table" else None
        if (
            table is None
            or arn.service != "dynamodb"
            or arn.region != self.region
            or arn.account_id != self.account_id
        ):
            raise TableNotFoundException.named(table_arn)
        return table

    def _write_export(
        self, description: dict[str, Any], identifier: str, items: list[Item]
    ) -> dict[str, Any]:
        """Step 2: the export's objects into S3; the finished description."""
        bucket = description["S3Bucket"]
        base = export_files.directory(description.get("S3Prefix"), identifier)
        names = (export_files.data_file_name(self.ids.hex(32)) for _ in itertools.count())
        try:
            if self.exports is None:
                raise ExportDestinationError("InternalError", "no S3 is connected")
            self._put(bucket, ExportObject(f"{base}_started", b"", "application/octet-stream"))
            written = [
                (data, count, self._put(bucket, data))
                for data, count in export_files.data_files(items, base, names)
            ]
            files_key = f"{base}manifest-files.json"
            files_body = export_files.files_manifest(written)
            self._put(bucket, ExportObject(files_key, files_body, "application/json"))
            self._put(bucket, _checksum(f"{base}manifest-files.md5", files_body))
            finished = {
                **description,
                "ExportStatus": "COMPLETED",
                "EndTime": self.clock.now(),
                "ExportManifest": f"{base}manifest-summary.json",
                "BilledSizeBytes": sum(item_size(item) for item in items),
                "ItemCount": len(items),
            }
            summary = export_files.summary_manifest(finished, files_key)
            self._put(bucket, _checksum(f"{base}manifest-summary.md5", summary))
            self._put(
                bucket, ExportObject(f"{base}manifest-summary.json", summary, "application/json")
            )
        except ExportDestinationError as refused:
            return {
                **description,
                "ExportStatus": "FAILED",
                "EndTime": self.clock.now(),
                "FailureCode": f"S3{refused.code}",
                "FailureMessage": refused.message,
            }
        return finished

    def _put(self, bucket: str, written: ExportObject) -> str:
        assert self.exports is not None
        return self.exports.put_export_object(
            bucket, written.key, written.data, written.content_type
        )


def _checksum(key: str, body: bytes) -> ExportObject:
    return ExportObject(key, export_files.md5_base64(body).encode("ascii"), "text/plain")


def _export_moment(export_time: datetime | None, now: float, earliest: float) -> float:
    """The moment an export reads: now, or an ExportTime no later than now.

    lakehose keeps no history of items, so it can export only the table as it is: an ExportTime
    more than a second before the request is refused rather than answered with today's items.
    """
    if export_time is None:
        return now
    moment = export_time.timestamp()
    if moment > now + 1:
        raise InvalidExportTimeException("Export time is in the future")
    if moment < earliest:
        raise InvalidExportTimeException(
            "Export time is before the earliest point in time the table can be restored to"
        )
    if moment < now - 1:
        raise ValidationException(
            "lakehose exports a table as it is now; an ExportTime in the past is not supported"
        )
    return now


def _shaped(description: dict[str, Any]) -> dict[str, Any]:
    """A stored description as the API returns it (times as datetimes)."""
    return {
        key: datetime.fromtimestamp(value, tz=UTC) if key in _TIMES else value
        for key, value in description.items()
    }
