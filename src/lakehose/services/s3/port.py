"""The port other engines use: objects in and out without HTTP.

Firehose writes its delivery objects here, Athena reads tables and writes results, Lambda reads
deployment packages. Methods raise the same ``ServiceError`` subclasses the API does
(``NoSuchBucket``, ``NoSuchKey``), so a consumer can report them as AWS would.

``object_path`` exposes the filesystem for readers that want files (DuckDB): the files are
immutable and must be treated as read-only. An overwrite of the key writes a new file and unlinks
the old one, so a reader that opened the old path keeps a consistent copy, and a reader that had
not opened it yet gets ``FileNotFoundError`` and should ask again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from lakehose.services.s3.base import quoted
from lakehose.services.s3.listing import MAX_KEYS, walk
from lakehose.services.s3.names import decode_key
from lakehose.services.s3.objects import ObjectOperations
from lakehose.services.s3.store import ObjectRow


@dataclass(frozen=True)
class ObjectSummary:
    """One object as a listing shows it."""

    key: str
    size: int
    etag: str  # quoted, as S3 shows it
    last_modified: datetime


class ObjectPort(ObjectOperations):
    """Typed object access for the other engines (through ``runtime.py`` adapters)."""

    def put_object_bytes(
        self,
        bucket: str,
        key: str,
        data: bytes,
        content_type: str | None = None,
        content_encoding: str | None = None,
        metadata: Mapping[str, str] | None = None,
    ) -> str:
        """Store ``data`` at ``key`` durably; returns the ETag (quoted, as S3 returns it)."""
        result = self.put_object(
            bucket=bucket,
            key=key,
            body=data,
            content_length=len(data),
            content_type=content_type,
            content_encoding=content_encoding,
            metadata=metadata,
        )
        return str(result["ETag"])

    def get_object_bytes(self, bucket: str, key: str) -> bytes:
        return bytes(self.get_object(bucket=bucket, key=key)["Body"])

    def list_keys(self, bucket: str, prefix: str = "") -> list[ObjectSummary]:
        """Every object under ``prefix``, in S3's listing order."""
        summaries: list[ObjectSummary] = []
        low: bytes | None = b""
        while low is not None:
            with self.db.read() as connection:
                found = self._locate_bucket(connection, bucket)
                page = walk(
                    connection,
                    found.id,
                    prefix=prefix.encode(),
                    delimiter=None,
                    low=low,
                    limit=MAX_KEYS,
                )
            summaries += [_summary(row) for row in page.entries if isinstance(row, ObjectRow)]
            low = page.next_low
        return summaries

    def object_path(self, bucket: str, key: str) -> Path:
        """The file holding the object's bytes now (read-only; see the module docstring)."""
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            item = self._locate_object(connection, found, key)
        return self.blobs.path(found.id, item.blob)


def _summary(row: ObjectRow) -> ObjectSummary:
    modified = datetime.fromtimestamp(row.modified, UTC)
    return ObjectSummary(decode_key(row.key), row.size, quoted(row.etag), modified)
