"""What every group of S3 operations shares: storage, lookups, and the write protocol.

The operations live in mixins by noun (``buckets``, ``objects``, ``listing``, ``multipart``,
``port``) that ``engine.S3Engine`` combines; each derives from ``S3Base`` for these helpers.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Protocol, TypeVar

from lakehose.services.engine import EngineEnvironment, SqliteEngine
from lakehose.services.s3 import store, version_store, versions
from lakehose.services.s3.blobs import BlobStore
from lakehose.services.s3.errors import (
    InvalidStorageClass,
    MetadataTooLarge,
    MethodNotAllowed,
    NoSuchBucket,
    NoSuchKey,
    NoSuchUpload,
    NoSuchVersion,
    UnsupportedHeader,
)
from lakehose.services.s3.names import encode_key
from lakehose.services.s3.store import BucketRow, ObjectRow, UploadRow
from lakehose.storage import Migration

T = TypeVar("T")

DEFAULT_CONTENT_TYPE = "binary/octet-stream"  # what S3 stores when a PUT names none
MAX_METADATA_BYTES = 2048
STANDARD = "STANDARD"
# Classes whose objects read back at once; the archive classes would need RestoreObject.
_READABLE_CLASSES = frozenset(
    {STANDARD, "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING"}
    | {"GLACIER_IR"}
)
_OTHER_CLASSES = frozenset(
    {"GLACIER", "DEEP_ARCHIVE", "OUTPOSTS", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS"}
    | {"FSX_ONTAP", "AWS_BACKUP_WARM", "AWS_BACKUP_LOW_COST_WARM"}
)


class Requester(Protocol):
    """What S3 operations read from the gateway's request context (engines do not import it)."""

    @property
    def region(self) -> str: ...

    @property
    def host(self) -> str: ...

    @property
    def account_id(self) -> str: ...


def quoted(etag: str) -> str:
    return f'"{etag}"'


def unquoted(etag: str) -> str:
    text = etag.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def standard_headers(
    *,
    content_type: str | None,
    content_encoding: str | None = None,
    content_disposition: str | None = None,
    content_language: str | None = None,
    cache_control: str | None = None,
    expires: Any = None,
) -> dict[str, Any]:
    """The standard headers an object keeps, by output member name."""
    headers: dict[str, Any] = {
        "ContentType": content_type or DEFAULT_CONTENT_TYPE,
        "ContentEncoding": content_encoding,
        "ContentDisposition": content_disposition,
        "ContentLanguage": content_language,
        "CacheControl": cache_control,
        "Expires": expires.timestamp() if hasattr(expires, "timestamp") else expires,
    }
    return {name: value for name, value in headers.items() if value is not None}


def mail_safe(value: str) -> str:
    """A metadata value as S3 keeps and returns it: non-ASCII values RFC 2047 Q-encoded.

    Header values reach the engine decoded as ISO-8859-1, so their bytes are the bytes sent
    (UTF-8, as clients send them); values already RFC 2047-encoded are ASCII and kept as given.
    """
    if value.isascii():
        return value
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:  # given as text, not as header bytes
        raw = value.encode()
    encoded = "".join(
        "_"
        if byte == 0x20
        else chr(byte)
        if 0x21 <= byte <= 0x7E and chr(byte) not in "=?_"
        else f"={byte:02X}"
        for byte in raw
    )
    return f"=?UTF-8?Q?{encoded}?="


def user_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """``x-amz-meta-*`` values, with names lower-cased as S3 returns them (2 KB at most)."""
    result = {str(name).lower(): mail_safe(str(value)) for name, value in (metadata or {}).items()}
    size = sum(len(name.encode()) + len(value.encode()) for name, value in result.items())
    if size > MAX_METADATA_BYTES:
        raise MetadataTooLarge(size, MAX_METADATA_BYTES)
    return result


def refuse_unknown(options: Mapping[str, Any], supported: Collection[str]) -> None:
    """Options an engine method gathered with ``**`` must all be ones it implements; the one
    that is not is named as the API names it (``expected_bucket_owner``: ExpectedBucketOwner)."""
    for name, value in options.items():
        if name not in supported and value is not None:
            member = name if name[:1].isupper() else name.title().replace("_", "")
            raise UnsupportedHeader(member)


def storage_class_of(requested: str | None) -> str:
    if requested is None:
        return STANDARD
    if requested in _READABLE_CLASSES:
        return requested
    if requested in _OTHER_CLASSES:
        raise UnsupportedHeader("x-amz-storage-class")
    raise InvalidStorageClass(requested)


def canonical_user_id(account_id: str) -> str:
    """S3 canonical user ids are 64 hex digits; derive a stable one from the account."""
    return hashlib.sha256(f"lakehose:{account_id}".encode()).hexdigest()


class S3Base(SqliteEngine):
    """Shared state and helpers of the S3 operation mixins."""

    service_name: ClassVar[str] = "s3"
    database_file: ClassVar[str] = "s3.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def __init__(self, environment: EngineEnvironment) -> None:
        super().__init__(environment)
        self.blobs = BlobStore(environment.directory)
        self.owner_id = canonical_user_id(self.account_id)

    def _now_seconds(self) -> int:
        return int(self.clock.now())

    def _owner(self, account_id: str | None = None) -> dict[str, str]:
        """The ``Owner`` of ``account_id``'s resources (default: the configured account's)."""
        return {"ID": canonical_user_id(account_id) if account_id else self.owner_id}

    @staticmethod
    def _locate_bucket(connection: sqlite3.Connection, name: str) -> BucketRow:
        """The named bucket, or S3's ``NoSuchBucket``."""
        bucket = store.find_bucket(connection, name)
        if bucket is None:
            raise NoSuchBucket(name)
        return bucket

    @staticmethod
    def _locate_object(connection: sqlite3.Connection, bucket: BucketRow, key: str) -> ObjectRow:
        """The object at ``key``, or ``NoSuchKey`` (``KeyTooLongError`` for keys past 1 KiB)."""
        item = store.find_object(connection, bucket.id, encode_key(key))
        if item is None:
            raise NoSuchKey(key)
        return item

    @staticmethod
    def _locate_version(
        connection: sqlite3.Connection,
        bucket: BucketRow,
        key: str,
        version_id: str | None,
        *,
        method: str,
    ) -> ObjectRow:
        """The version a request names (the current object when it names none).

        Errors as S3 gives them: ``NoSuchKey`` (with the delete marker's headers when one is the
        latest version), ``NoSuchVersion`` for an id of this bucket's making that is gone,
        ``InvalidArgument`` for any other id, ``MethodNotAllowed`` for a delete marker.
        """
        raw_key = encode_key(key)
        current = store.find_object(connection, bucket.id, raw_key)
        if version_id is None:
            if current is not None:
                return current
            newest = version_store.newest(connection, bucket.id, raw_key)
            if newest is not None and newest.delete_marker:
                raise NoSuchKey(key, DeleteMarker=True, VersionId=newest.version)
            raise NoSuchKey(key)
        wanted = versions.parse(version_id)
        if current is not None and current.version_id == wanted:
            return current
        found = version_store.find(connection, bucket.id, raw_key, wanted)
        if found is None:
            raise NoSuchVersion(key, version_id)
        if found.delete_marker:
            raise MethodNotAllowed(
                method,
                "DeleteMarker",
                DeleteMarker=True,
                VersionId=found.version,
                LastModified=datetime.fromtimestamp(found.modified, UTC),
            )
        return found

    @staticmethod
    def _locate_upload(
        connection: sqlite3.Connection, bucket: BucketRow, key: bytes, upload_id: str
    ) -> UploadRow:
        """The upload ``upload_id`` of this bucket and key, or ``NoSuchUpload``."""
        upload = store.find_upload(connection, upload_id)
        if upload is None or upload.bucket_id != bucket.id or upload.key != key:
            raise NoSuchUpload(upload_id)
        return upload

    def _bucket_named(self, name: str) -> BucketRow:
        with self.db.read() as connection:
            return self._locate_bucket(connection, name)

    def _publish(
        self,
        bucket_id: int,
        blob: str,
        commit: Callable[[sqlite3.Connection], tuple[T, list[str]]],
    ) -> T:
        """Point rows at a freshly written ``blob``, then drop the blobs they replaced.

        ``commit`` runs in one transaction and returns its result and the blobs no row points
        at any more; if it raises, the new blob is discarded and nothing changed.
        """
        try:
            with self.db.transaction() as connection:
                result, replaced = commit(connection)
        except BaseException:
            self.blobs.discard(bucket_id, [blob])
            raise
        self.blobs.discard(bucket_id, replaced)
        return result
