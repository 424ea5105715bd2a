"""Object operations: PutObject, GetObject, HeadObject, DeleteObject(s), CopyObject.

Every write follows ``base.S3Base._publish``: the data becomes a durable blob first, then one
transaction checks the bucket and the write conditions and makes it the key's current version
(``versions``), then the blobs no version points at any more are unlinked. Reads open the blob
while holding the database lock, so a concurrent overwrite, which unlinks the old blob only after
its commit, can never pull it away.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lakehose.services.s3 import (
    bucket_settings,
    checksums,
    encryption,
    lifecycle,
    store,
    tags,
    versions,
    write_options,
)
from lakehose.services.s3.access import AccessOperations
from lakehose.services.s3.base import (
    STANDARD,
    quoted,
    refuse_unknown,
    standard_headers,
    storage_class_of,
    user_metadata,
)
from lakehose.services.s3.blobs import read_ranges
from lakehose.services.s3.checksums import Checksum
from lakehose.services.s3.conditions import (
    ByteRange,
    Conditions,
    check_write,
    parse_copy_source,
    parse_range,
)
from lakehose.services.s3.errors import (
    InvalidArgument,
    InvalidPartNumber,
    InvalidRequest,
    KeyTooLongError,
    MalformedXML,
    MethodNotAllowed,
    MissingContentLength,
    NoSuchBucket,
)
from lakehose.services.s3.names import encode_key
from lakehose.services.s3.store import BucketRow, ObjectRow

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


def describe(item: ObjectRow, *, versioned: bool) -> dict[str, Any]:
    """What GetObject and HeadObject say about an object, body aside."""
    result: dict[str, Any] = {
        "LastModified": datetime.fromtimestamp(item.modified, UTC),
        "ContentLength": item.size,
        "ETag": quoted(item.etag),
        "AcceptRanges": "bytes",
        **item.headers,
        **encryption.reported(item.attributes),
    }
    if item.metadata:
        result["Metadata"] = item.metadata
    if item.storage_class != STANDARD:
        result["StorageClass"] = item.storage_class  # S3 omits the header for STANDARD
    if versioned:
        result["VersionId"] = item.version
    if item.attributes.get("tags"):
        result["TagCount"] = len(item.attributes["tags"])
    return result


@dataclass(frozen=True)
class Stored:
    """A version just made current, and what a write's answer says of it besides."""

    row: ObjectRow
    versioned: bool  # the bucket has a versioning state: the answer names the version
    expiration: str | None  # x-amz-expiration, when a lifecycle rule will expire it

    def members(self) -> dict[str, Any]:
        """Encryption, version and expiration members of the write's answer."""
        result = encryption.reported(self.row.attributes)
        if self.versioned:
            result["VersionId"] = self.row.version
        if self.expiration is not None:
            result["Expiration"] = self.expiration
        return result


def stored_in(connection: sqlite3.Connection, row: ObjectRow) -> Stored:
    """``row`` as its bucket's versioning and lifecycle rules describe it (in a transaction)."""
    rules = bucket_settings.read(connection, row.bucket_id, bucket_settings.LIFECYCLE)
    expiration = lifecycle.expiration_header(rules["Rules"], row) if rules else None
    return Stored(row, versions.status(connection, row.bucket_id) is not None, expiration)


def written(stored: Stored) -> dict[str, Any]:
    """The output members of a PUT: ETag, checksum, encryption, version and expiration."""
    row = stored.row
    result = {"ETag": quoted(row.etag), **(row.checksum.members() if row.checksum else {})}
    return result | stored.members()


class ObjectOperations(AccessOperations):
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
        **options: Any,
    ) -> dict[str, Any]:
        if content_length is None:
            raise MissingContentLength()  # S3 reads no body of unknown length
        write = write_options.split(options)
        target = self._bucket_named(bucket)
        raw_key = encode_key(key)
        declared = checksums.requested(checksum_algorithm, write.checksum_values)
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
        attributes = self._attributes(target, write)
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
            attributes=attributes,
        )
        return written(self._store_object(bucket, row, if_match, if_none_match))

    def get_object(self, *, bucket: str, key: str, **options: Any) -> dict[str, Any]:
        return self._read(bucket, key, with_body=True, **options)

    def head_object(self, *, bucket: str, key: str, **options: Any) -> dict[str, Any]:
        return self._read(bucket, key, with_body=False, **options)

    def delete_object(
        self,
        *,
        bucket: str,
        key: str,
        version_id: str | None = None,
        bypass_governance_retention: bool | None = None,
    ) -> dict[str, Any]:
        # bypass_governance_retention: no object is ever locked here, so there is nothing to
        # bypass. Deleting a key that does not exist succeeds: S3's DELETE is idempotent.
        raw_key = encode_key(key)
        wanted = versions.parse(version_id) if version_id is not None else None
        with self.db.transaction() as connection:
            target = self._locate_bucket(connection, bucket)
            result, dropped = self._delete_one(connection, target.id, raw_key, version_id, wanted)
        self.blobs.discard(target.id, dropped)
        return result

    def delete_objects(
        self,
        *,
        bucket: str,
        delete: Mapping[str, Any],
        checksum_algorithm: str | None = None,
        bypass_governance_retention: bool | None = None,
    ) -> dict[str, Any]:
        # checksum_algorithm: the body's checksum is the transport's business (see deviations).
        listed = delete.get("Objects") or []
        if len(listed) > MAX_DELETE_KEYS:
            raise MalformedXML()
        deleted: list[dict[str, Any]] = []
        errors: list[dict[str, str]] = []
        blobs: list[str] = []
        with self.db.transaction() as connection:
            target = self._locate_bucket(connection, bucket)
            for entry in listed:
                name = str(entry.get("Key", ""))
                version_id = entry.get("VersionId")
                try:
                    raw_key = encode_key(name)
                except KeyTooLongError as error:
                    errors.append(_delete_error(name, error.error_code, error.message))
                    continue
                if (
                    version_id is not None
                    and version_id != "null"
                    and not versions.issued(version_id)
                ):
                    errors.append(
                        {
                            **_delete_error(name, "NoSuchVersion", _NO_SUCH_VERSION),
                            "VersionId": version_id,
                        }
                    )
                    continue
                wanted = versions.parse(version_id) if version_id is not None else None
                result, dropped = self._delete_one(
                    connection, target.id, raw_key, version_id, wanted
                )
                blobs += dropped
                entry_result: dict[str, Any] = {"Key": name}
                if version_id is not None:
                    entry_result["VersionId"] = version_id
                if result.get("DeleteMarker"):
                    entry_result["DeleteMarker"] = True
                    entry_result["DeleteMarkerVersionId"] = result["VersionId"]
                deleted.append(entry_result)
        self.blobs.discard(target.id, blobs)
        response: dict[str, Any] = {}
        if deleted and not delete.get("Quiet"):
            response["Deleted"] = deleted
        if errors:
            response["Errors"] = errors
        return response

    def copy_object(
        self,
        *,
        bucket: str,
        key: str,
        copy_source: str,
        metadata_directive: str | None = None,
        tagging_directive: str | None = None,
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
        **options: Any,
    ) -> dict[str, Any]:
        write = write_options.split(options)
        source_bucket, source_key, source_version = parse_copy_source(copy_source)
        directive = _directive(metadata_directive, "metadata")
        tags_directive = _directive(tagging_directive, "tagging")
        algorithm = checksums.algorithm_named(checksum_algorithm) if checksum_algorithm else None
        raw_key, raw_source = encode_key(key), encode_key(source_key)
        conditions = Conditions(
            copy_source_if_match,
            copy_source_if_none_match,
            copy_source_if_modified_since,
            copy_source_if_unmodified_since,
        )
        target = self._bucket_named(bucket)
        attributes = self._attributes(target, write, tagged=tags_directive == "REPLACE")
        with self.db.read() as connection:
            target = self._locate_bucket(connection, bucket)
            origin = self._locate_bucket(connection, source_bucket)
            source = self._copy_source(connection, origin, source_key, source_version)
            source_versioned = versions.status(connection, origin.id) is not None
            conditions.check(source, copy=True)
            unchanged = (
                directive == "COPY"
                and storage_class is None
                and algorithm is None
                and not write.sse
            )
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
        if tags_directive == "COPY" and source.attributes.get("tags"):
            attributes["tags"] = source.attributes["tags"]
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
                attributes=attributes,
            )
        except BaseException:
            self.blobs.discard(target.id, [blob])
            raise
        stored = self._store_object(bucket, row, if_match, if_none_match)
        result = {"ETag": quoted(etag), "LastModified": datetime.fromtimestamp(row.modified, UTC)}
        answer: dict[str, Any] = {
            "CopyObjectResult": result | (checksum.members() if checksum else {}),
            **stored.members(),
        }
        if source_versioned or source_version is not None:
            answer["CopySourceVersionId"] = source.version
        return answer

    def _attributes(
        self, target: BucketRow, write: write_options.WriteOptions, *, tagged: bool = True
    ) -> dict[str, Any]:
        """What a new object keeps of its write's options: encryption, ACL and tags."""
        with self.db.read() as connection:
            configuration = bucket_settings.read(connection, target.id, bucket_settings.ENCRYPTION)
            grants = self._acl_for_write(connection, target, write.acl)
        owner = target.owner or self.account_id
        attributes: dict[str, Any] = {
            "sse": encryption.requested(write.sse, configuration, target.region, owner)
        }
        if grants is not None:
            attributes["acl"] = grants
        if tagged and write.tagging is not None:
            tag_set = tags.from_header(write.tagging)
            if tag_set:
                attributes["tags"] = tag_set
        return attributes

    def _copy_source(
        self, connection: sqlite3.Connection, origin: BucketRow, key: str, version: str | None
    ) -> ObjectRow:
        try:
            return self._locate_version(connection, origin, key, version, method="GET")
        except MethodNotAllowed:
            raise InvalidRequest(
                "The source of a copy request may not specifically refer to a delete marker by "
                "version id."
            ) from None

    def _delete_one(
        self,
        connection: sqlite3.Connection,
        bucket_id: int,
        raw_key: bytes,
        version_id: str | None,
        wanted: str | None,
    ) -> tuple[dict[str, Any], list[str]]:
        """One key's delete inside a transaction: its output members and the blobs it freed."""
        if version_id is None:
            marker, dropped = versions.delete(connection, bucket_id, raw_key, self._now_seconds())
            if marker is None:
                return {}, dropped
            return {"DeleteMarker": True, "VersionId": marker.version}, dropped
        removed, dropped = versions.delete_version(connection, bucket_id, raw_key, wanted)
        result: dict[str, Any] = {"VersionId": version_id}
        if removed is not None and removed.delete_marker:
            result["DeleteMarker"] = True
        return result, dropped

    # -- shared -----------------------------------------------------------------------------

    def _store_object(
        self, bucket: str, row: ObjectRow, if_match: str | None, if_none_match: str | None
    ) -> Stored:
        """Commit ``row`` (its blob already durable) if the bucket and the conditions allow."""

        def commit(connection: sqlite3.Connection) -> tuple[Stored, list[str]]:
            stored, dropped = self._put_row(connection, bucket, row, if_match, if_none_match)
            return stored_in(connection, stored), dropped

        return self._publish(row.bucket_id, row.blob, commit)

    def _put_row(
        self,
        connection: sqlite3.Connection,
        bucket: str,
        row: ObjectRow,
        if_match: str | None,
        if_none_match: str | None,
    ) -> tuple[ObjectRow, list[str]]:
        """Make ``row`` the key's current version inside a transaction; returns it as stored and
        the blobs no version points at any more."""
        if self._locate_bucket(connection, bucket).id != row.bucket_id:
            raise NoSuchBucket(bucket)  # deleted (and perhaps re-created) meanwhile
        current = store.find_object(connection, row.bucket_id, row.key)
        check_write(current, row.key.decode(), if_match, if_none_match)
        return versions.write(connection, row)

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
        version_id: str | None = None,
        part_number: int | None = None,
        if_match: str | None = None,
        if_none_match: str | None = None,
        if_modified_since: datetime | None = None,
        if_unmodified_since: datetime | None = None,
        checksum_mode: str | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        encryption.refuse_customer_keys(overrides)
        overrides = {k: v for k, v in overrides.items() if k not in encryption.SSE_C_OPTIONS}
        refuse_unknown(overrides, _OVERRIDES)
        conditions = Conditions(if_match, if_none_match, if_modified_since, if_unmodified_since)
        method = "GET" if with_body else "HEAD"
        with self.db.read() as connection:
            target = self._locate_bucket(connection, bucket)
            item = self._locate_version(connection, target, key, version_id, method=method)
            versioned = versions.status(connection, target.id) is not None
            rules = bucket_settings.read(connection, target.id, bucket_settings.LIFECYCLE)
            conditions.check(item)
            selected = _part_range(item, part_number, range)
            if selected is None:
                selected = parse_range(range, item.size)
            handle = self.blobs.open(target.id, item.blob) if with_body else None
        result = describe(item, versioned=versioned)
        if rules and version_id is None:
            result["Expiration"] = lifecycle.expiration_header(rules["Rules"], item)
        start, length = (selected.start, selected.length) if selected else (0, item.size)
        if handle is not None:
            with handle:
                handle.seek(start)
                result["Body"] = handle.read(length)
        if part_number is not None and item.parts_count:
            result["PartsCount"] = item.parts_count
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


def _directive(value: str | None, what: str) -> str:
    """``x-amz-metadata-directive`` / ``x-amz-tagging-directive``: COPY (default) or REPLACE."""
    directive = value or "COPY"
    if directive not in ("COPY", "REPLACE"):
        raise InvalidArgument(f"Unknown {what} directive.", f"x-amz-{what}-directive", directive)
    return directive


def _part_range(item: ObjectRow, part_number: int | None, header: str | None) -> ByteRange | None:
    """The bytes ``?partNumber=`` selects: a part of a multipart object, else part 1, the whole."""
    if part_number is None:
        return None
    if header is not None:
        raise InvalidRequest("Cannot specify both Range header and partNumber query parameter")
    sizes = list(item.attributes.get("parts") or [item.size])
    if not 1 <= part_number <= len(sizes) or sizes[part_number - 1] == 0:
        raise InvalidPartNumber(part_number, len(sizes))
    start = sum(sizes[: part_number - 1])
    return ByteRange(start, start + sizes[part_number - 1] - 1)
