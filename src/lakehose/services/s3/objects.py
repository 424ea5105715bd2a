"""Object operations: PutObject, GetObject, HeadObject, DeleteObject(s), CopyObject.

Every write follows ``base.S3Base._publish``: the data becomes a durable blob first, then one
transaction checks the bucket and the write conditions and points the key at it, then the blob
it replaced is unlinked. Reads open the blob while holding the database lock, so a concurrent
overwrite, which unlinks the old blob only after its commit, can never pull it away.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lakehose.services.s3 import checksums, store
from lakehose.services.s3.base import (
    STANDARD,
    S3Base,
    quoted,
    refuse_unknown,
    standard_headers,
    storage_class_of,
    user_metadata,
)
from lakehose.services.s3.blobs import read_ranges
from lakehose.services.s3.checksums import Checksum
from lakehose.services.s3.conditions import Conditions, check_write, parse_copy_source, parse_range
from lakehose.services.s3.errors import (
    InvalidArgument,
    InvalidRequest,
    KeyTooLongError,
    MalformedXML,
    NoSuchBucket,
)
from lakehose.services.s3.names import encode_key
from lakehose.services.s3.store import ObjectRow

MAX_DELETE_KEYS = 1000
_OVERRIDES = {
    "response_cache_control": "CacheControl",
    "response_content_disposition": "ContentDisposition",
    "response_content_encoding": "ContentEncoding",
    "response_content_language": "ContentLanguage",
    "response_content_type": "ContentType",
    "response_expires": "Expires",
}
_SELF_COPY = (
    "This copy request is illegal because it is trying to copy an object to itself without "
    "changing the object's metadata, storage class, website redirect location or encryption "
    "attributes."
)


def describe(item: ObjectRow) -> dict[str, Any]:
    """What GetObject and HeadObject say about an object, body aside."""
    result: dict[str, Any] = {
        "LastModified": datetime.fromtimestamp(item.modified, UTC),
        "ContentLength": item.size,
        "ETag": quoted(item.etag),
        "AcceptRanges": "bytes",
        **item.headers,
    }
    if item.metadata:
        result["Metadata"] = item.metadata
    if item.storage_class != STANDARD:
        result["StorageClass"] = item.storage_class  # S3 omits the header for STANDARD
    return result


class ObjectOperations(S3Base):
    """Single-object reads and writes."""

    def put_object(
        self,
        *,
        bucket: str,
        key: str,
        body: bytes = b"",
        content_length: int | None = None,
        content_md5: str | None = None,
        content_type: str | None = None,
        content_encoding: str | None = None,
        content_disposition: str | None = None,
        content_language: str | None = None,
        cache_control: str | None = None,
        expires: datetime | None = None,
        metadata: Mapping[str, str] | None = None,
        storage_class: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        checksum_algorithm: str | None = None,
        **checksum_values: str,
    ) -> dict[str, Any]:
        target = self._bucket_named(bucket)
        raw_key = encode_key(key)
        declared = checksums.requested(checksum_algorithm, checksum_values)
        headers = standard_headers(
            content_type=content_type,
            content_encoding=content_encoding,
            content_disposition=content_disposition,
            content_language=content_language,
            cache_control=cache_control,
            expires=expires,
        )
        metadata = user_metadata(metadata)
        stored_class = storage_class_of(storage_class)
        md5 = hashlib.md5(body).digest()
        checksums.check_content_md5(content_md5, md5)
        checksum = checksums.verify(declared, body)
        row = ObjectRow(
            bucket_id=target.id,
            key=raw_key,
            blob=self.blobs.write(target.id, [body]),
            size=len(body),
            etag=md5.hex(),
            modified=self._now_seconds(),
            headers=headers,
            metadata=metadata,
            checksum=checksum,
            parts_count=None,
            storage_class=stored_class,
        )
        self._store_object(bucket, row, if_match, if_none_match)
        return {"ETag": quoted(row.etag), **(checksum.members() if checksum else {})}

    def get_object(self, *, bucket: str, key: str, **options: Any) -> dict[str, Any]:
        return self._read(bucket, key, with_body=True, **options)

    def head_object(self, *, bucket: str, key: str, **options: Any) -> dict[str, Any]:
        return self._read(bucket, key, with_body=False, **options)

    def delete_object(self, *, bucket: str, key: str) -> dict[str, Any]:
        # Deleting a key that does not exist succeeds: S3's DELETE is idempotent.
        raw_key = encode_key(key)
        with self.db.transaction() as connection:
            target = self._locate_bucket(connection, bucket)
            blob = store.delete_object(connection, target.id, raw_key)
        if blob is not None:
            self.blobs.discard(target.id, [blob])
        return {}

    def delete_objects(
        self, *, bucket: str, delete: Mapping[str, Any], checksum_algorithm: str | None = None
    ) -> dict[str, Any]:
        # checksum_algorithm: the body's checksum is the transport's business (see deviations).
        listed = delete.get("Objects") or []
        if len(listed) > MAX_DELETE_KEYS:
            raise MalformedXML()
        deleted: list[dict[str, str]] = []
        errors: list[dict[str, str]] = []
        blobs: list[str] = []
        with self.db.transaction() as connection:
            target = self._locate_bucket(connection, bucket)
            for entry in listed:
                name = str(entry.get("Key", ""))
                if entry.get("VersionId") not in (None, "null"):
                    errors.append(_delete_error(name, "NoSuchVersion", _NO_SUCH_VERSION))
                    continue
                try:
                    raw_key = encode_key(name)
                except KeyTooLongError as error:
                    errors.append(_delete_error(name, error.error_code, error.message))
                    continue
                if (blob := store.delete_object(connection, target.id, raw_key)) is not None:
                    blobs.append(blob)
                deleted.append({"Key": name})
        self.blobs.discard(target.id, blobs)
        result: dict[str, Any] = {}
        if deleted and not delete.get("Quiet"):
            result["Deleted"] = deleted
        if errors:
            result["Errors"] = errors
        return result

    def copy_object(
        self,
        *,
        bucket: str,
        key: str,
        copy_source: str,
        metadata_directive: str | None = None,
        metadata: Mapping[str, str] | None = None,
        content_type: str | None = None,
        content_encoding: str | None = None,
        content_disposition: str | None = None,
        content_language: str | None = None,
        cache_control: str | None = None,
        expires: datetime | None = None,
        storage_class: str | None = None,
        checksum_algorithm: str | None = None,
        copy_source_if_match: str | None = None,
        copy_source_if_none_match: str | None = None,
        copy_source_if_modified_since: datetime | None = None,
        copy_source_if_unmodified_since: datetime | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
    ) -> dict[str, Any]:
        source_bucket, source_key = parse_copy_source(copy_source)
        directive = metadata_directive or "COPY"
        if directive not in ("COPY", "REPLACE"):
            raise InvalidArgument(
                "Unknown metadata directive.", "x-amz-metadata-directive", directive
            )
        algorithm = checksums.algorithm_named(checksum_algorithm) if checksum_algorithm else None
        raw_key, raw_source = encode_key(key), encode_key(source_key)
        conditions = Conditions(
            copy_source_if_match,
            copy_source_if_none_match,
            copy_source_if_modified_since,
            copy_source_if_unmodified_since,
        )
        with self.db.read() as connection:
            target = self._locate_bucket(connection, bucket)
            origin = self._locate_bucket(connection, source_bucket)
            source = self._locate_object(connection, origin, source_key)
            conditions.check(source, copy=True)
            unchanged = directive == "COPY" and storage_class is None and algorithm is None
            if (origin.id, raw_source) == (target.id, raw_key) and unchanged:
                raise InvalidRequest(_SELF_COPY)
            # Linked while the lock keeps the source blob from being replaced and unlinked.
            blob = self.blobs.clone(self.blobs.path(origin.id, source.blob), target.id)
        if directive == "REPLACE":
            headers = standard_headers(
                content_type=content_type,
                content_encoding=content_encoding,
                content_disposition=content_disposition,
                content_language=content_language,
                cache_control=cache_control,
                expires=expires,
            )
            metadata = user_metadata(metadata)
        else:
            headers, metadata = source.headers, source.metadata
        try:
            etag, checksum = self._copied_digests(source, target.id, blob, algorithm)
            row = ObjectRow(
                bucket_id=target.id,
                key=raw_key,
                blob=blob,
                size=source.size,
                etag=etag,
                modified=self._now_seconds(),
                headers=headers,
                metadata=metadata,
                checksum=checksum,
                parts_count=None,
                storage_class=storage_class_of(storage_class),
            )
        except BaseException:
            self.blobs.discard(target.id, [blob])
            raise
        self._store_object(bucket, row, if_match, if_none_match)
        result = {"ETag": quoted(etag), "LastModified": datetime.fromtimestamp(row.modified, UTC)}
        return {"CopyObjectResult": result | (checksum.members() if checksum else {})}

    # -- shared -----------------------------------------------------------------------------

    def _store_object(
        self, bucket: str, row: ObjectRow, if_match: str | None, if_none_match: str | None
    ) -> None:
        """Commit ``row`` (its blob already durable) if the bucket and the conditions allow."""

        def commit(connection: sqlite3.Connection) -> tuple[None, list[str]]:
            return None, self._put_row(connection, bucket, row, if_match, if_none_match)

        self._publish(row.bucket_id, row.blob, commit)

    def _put_row(
        self,
        connection: sqlite3.Connection,
        bucket: str,
        row: ObjectRow,
        if_match: str | None,
        if_none_match: str | None,
    ) -> list[str]:
        """Point the key at ``row`` inside a transaction; returns the blob it replaced, if any."""
        if self._locate_bucket(connection, bucket).id != row.bucket_id:
            raise NoSuchBucket(bucket)  # deleted (and perhaps re-created) meanwhile
        current = store.find_object(connection, row.bucket_id, row.key)
        check_write(current, row.key.decode(), if_match, if_none_match)
        replaced = store.put_object(connection, row)
        return [replaced] if replaced else []

    def _copied_digests(
        self, source: ObjectRow, bucket_id: int, blob: str, algorithm: str | None
    ) -> tuple[str, Checksum | None]:
        """The copy's ETag and checksum: the source's when they describe the whole object."""
        wanted = algorithm or (source.checksum.algorithm if source.checksum else None)
        keep_checksum = source.checksum is not None and (
            source.checksum.algorithm == wanted and source.checksum.type == checksums.FULL_OBJECT
        )
        if "-" not in source.etag and (wanted is None or keep_checksum):
            return source.etag, source.checksum
        # A multipart source: the copy is one new object with a plain MD5 and full checksum.
        digester = checksums.Digester(wanted)
        for _ in digester.feed(read_ranges([(self.blobs.path(bucket_id, blob), 0, source.size)])):
            pass
        return digester.etag, digester.checksum

    def _read(
        self,
        bucket: str,
        key: str,
        *,
        with_body: bool,
        range: str | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: datetime | None = None,
        if_unmodified_since: datetime | None = None,
        checksum_mode: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        refuse_unknown(overrides, _OVERRIDES)
        conditions = Conditions(if_match, if_none_match, if_modified_since, if_unmodified_since)
        with self.db.read() as connection:
            target = self._locate_bucket(connection, bucket)
            item = self._locate_object(connection, target, key)
            conditions.check(item)
            selected = parse_range(range, item.size)
            handle = self.blobs.open(target.id, item.blob) if with_body else None
        result = describe(item)
        start, length = (selected.start, selected.length) if selected else (0, item.size)
        if handle is not None:
            with handle:
                handle.seek(start)
                result["Body"] = handle.read(length)
        if selected is not None:
            result["ContentRange"] = selected.content_range(item.size)
            result["ContentLength"] = length
        elif checksum_mode == "ENABLED" and item.checksum is not None:
            # A checksum describes the whole object; S3 sends none with a part of it.
            result.update(item.checksum.members())
        for name, value in overrides.items():
            if value is not None:
                result[_OVERRIDES[name]] = value
        return result


_NO_SUCH_VERSION = "The specified version does not exist."


def _delete_error(key: str, code: str, message: str) -> dict[str, str]:
    return {"Key": key, "Code": code, "Message": message}
