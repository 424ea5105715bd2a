"""PutBucketVersioning, GetBucketVersioning and ListObjectVersions.

A version listing walks keys in UTF-8 byte order as ``listing`` does, each key's versions newest
first: its current object, then the rows of ``versions`` by descending ``seq``. ``KeyMarker``
alone resumes after that key; with ``VersionIdMarker`` it resumes after that version of it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from lakehose.services.s3 import bucket_settings, store, version_store, versions
from lakehose.services.s3.base import S3Base, quoted
from lakehose.services.s3.errors import (
    AccessDenied,
    IllegalVersioningConfigurationException,
    InvalidArgument,
    MalformedXML,
)
from lakehose.services.s3.listing import MAX_KEYS, check_max, common_prefix, encoder, successor
from lakehose.services.s3.names import decode_key
from lakehose.services.s3.store import ObjectRow

_STATES = (versions.ENABLED, versions.SUSPENDED)


def _keys(
    connection: sqlite3.Connection, bucket_id: int, low: bytes, high: bytes | None, limit: int
) -> list[bytes]:
    """Keys with a current object or any noncurrent row, ``low <= key < high``, in order."""
    found = {row.key for row in store.scan_objects(connection, bucket_id, low, high, limit)}
    found.update(version_store.scan(connection, bucket_id, low, high, limit))
    return sorted(found)[:limit]


class VersioningOperations(S3Base):
    """The bucket's versioning state and the listing of all versions."""

    def put_bucket_versioning(
        self,
        *,
        bucket: str,
        versioning_configuration: Mapping[str, Any] | None = None,
        mfa: str | None = None,
        content_md5: str | None = None,
        checksum_algorithm: str | None = None,
    ) -> dict[str, Any]:
        configuration = dict(versioning_configuration or {})
        state = configuration.get("Status")
        if state is None and configuration.get("MFADelete") is None:
            raise IllegalVersioningConfigurationException()
        if state is not None and state not in _STATES:
            raise MalformedXML()
        if configuration.get("MFADelete") not in (None, "Disabled", "Enabled"):
            raise MalformedXML()
        if configuration.get("MFADelete") == "Enabled" or mfa is not None:
            # There is no MFA device to authenticate against: MFA delete cannot be enabled.
            raise AccessDenied("Mfa Authentication must be used for this request")
        with self.db.transaction() as connection:
            found = self._locate_bucket(connection, bucket)
            # A document without a status keeps the bucket's (an unversioned one stays so).
            document = dict(
                bucket_settings.read(connection, found.id, bucket_settings.VERSIONING) or {}
            )
            if state is not None:
                document["Status"] = state
            if configuration.get("MFADelete") is not None:
                document["MFADelete"] = configuration["MFADelete"]
            bucket_settings.write(connection, found.id, bucket_settings.VERSIONING, document)
        return {}

    def get_bucket_versioning(self, *, bucket: str) -> dict[str, Any]:
        # A bucket that was never versioned answers an empty configuration.
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            stored = bucket_settings.read(connection, found.id, bucket_settings.VERSIONING)
        return dict(stored or {})

    def list_object_versions(
        self,
        *,
        bucket: str,
        prefix: str | None = None,
        delimiter: str | None = None,
        key_marker: str | None = None,
        version_id_marker: str | None = None,
        max_keys: int | None = None,
        encoding_type: str | None = None,
    ) -> dict[str, Any]:
        encode = encoder(encoding_type)
        limit = min(check_max("maxKeys", max_keys, MAX_KEYS, "max-keys"), MAX_KEYS)
        if version_id_marker and not key_marker:
            raise InvalidArgument(
                "A version-id marker cannot be specified without a key marker.",
                "version-id-marker",
                version_id_marker,
            )
        raw_prefix = (prefix or "").encode()
        raw_delimiter = delimiter.encode() if delimiter else None
        marker = key_marker.encode() if key_marker else None
        with self.db.read() as connection:
            found = self._locate_bucket(connection, bucket)
            entries, truncated = self._walk_versions(
                connection, found.id, raw_prefix, raw_delimiter, marker, version_id_marker, limit
            )
        owner = self._owner(found.owner)
        result: dict[str, Any] = {
            "Name": bucket,
            "Prefix": encode(prefix or ""),
            "KeyMarker": encode(key_marker or ""),
            "VersionIdMarker": version_id_marker or "",
            "MaxKeys": max_keys if max_keys is not None else MAX_KEYS,
            "IsTruncated": truncated,
        }
        listed = [entry for entry in entries if isinstance(entry, tuple)]
        result["Versions"] = [
            _version(row, latest, owner, encode) for row, latest in listed if not row.delete_marker
        ]
        result["DeleteMarkers"] = [
            _marker(row, latest, owner, encode) for row, latest in listed if row.delete_marker
        ]
        prefixes = [entry for entry in entries if isinstance(entry, bytes)]
        result["CommonPrefixes"] = [{"Prefix": encode(decode_key(item))} for item in prefixes]
        for name in ("Versions", "DeleteMarkers", "CommonPrefixes"):
            if not result[name]:
                del result[name]
        if truncated and entries:
            last = entries[-1]
            if isinstance(last, tuple):
                result["NextKeyMarker"] = encode(decode_key(last[0].key))
                result["NextVersionIdMarker"] = last[0].version
            else:
                result["NextKeyMarker"] = encode(decode_key(last))
        if delimiter:
            result["Delimiter"] = encode(delimiter)
        if encoding_type is not None:
            result["EncodingType"] = encoding_type
        return result

    @staticmethod
    def _walk_versions(
        connection: sqlite3.Connection,
        bucket_id: int,
        prefix: bytes,
        delimiter: bytes | None,
        key_marker: bytes | None,
        version_id_marker: str | None,
        limit: int,
    ) -> tuple[list[tuple[ObjectRow, bool] | bytes], bool]:
        """Up to ``limit`` entries (versions with their IsLatest, or common prefixes) and
        whether more follow."""
        high = successor(prefix) if prefix else None
        entries: list[tuple[ObjectRow, bool] | bytes] = []
        current: bytes | None = max(key_marker or b"", prefix)
        while current is not None:
            keys = _keys(connection, bucket_id, current, high, limit + 1)
            if not keys:
                return entries, False
            for key in keys:
                if key_marker is not None and key < key_marker:
                    continue
                rolled = common_prefix(key, prefix, delimiter)
                if rolled is not None:
                    if key_marker is None or rolled > key_marker:
                        if len(entries) == limit:
                            return entries, True
                        entries.append(rolled)
                    current = successor(rolled)
                    break
                full = _versions_of(connection, bucket_id, key)
                rows = _after_version(full, version_id_marker) if key == key_marker else full
                for row in rows:
                    if len(entries) == limit:
                        return entries, True
                    entries.append((row, row is full[0]))
                current = key + b"\0"
        return entries, False


def _versions_of(connection: sqlite3.Connection, bucket_id: int, key: bytes) -> list[ObjectRow]:
    current = store.find_object(connection, bucket_id, key)
    return ([current] if current is not None else []) + version_store.of_key(
        connection, bucket_id, key
    )


def _after_version(rows: list[ObjectRow], version_id_marker: str | None) -> list[ObjectRow]:
    """A key-marker key's versions after the version id marker (none without one)."""
    if version_id_marker is None:
        return []
    ids = [row.version for row in rows]
    return rows[ids.index(version_id_marker) + 1 :] if version_id_marker in ids else []


def _version(row: ObjectRow, latest: bool, owner: dict[str, str], encode: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "ETag": quoted(row.etag),
        "Size": row.size,
        "StorageClass": row.storage_class,
        "Key": encode(decode_key(row.key)),
        "VersionId": row.version,
        "IsLatest": latest,
        "LastModified": datetime.fromtimestamp(row.modified, UTC),
        "Owner": owner,
    }
    if row.checksum is not None:
        entry["ChecksumAlgorithm"] = [row.checksum.algorithm]
        entry["ChecksumType"] = row.checksum.type
    return entry


def _marker(row: ObjectRow, latest: bool, owner: dict[str, str], encode: Any) -> dict[str, Any]:
    return {
        "Owner": owner,
        "Key": encode(decode_key(row.key)),
        "VersionId": row.version,
        "IsLatest": latest,
        "LastModified": datetime.fromtimestamp(row.modified, UTC),
    }
