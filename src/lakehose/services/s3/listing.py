"""ListObjectsV2 and ListObjects: prefix, delimiter, pages, markers, URL encoding.

A listing walks keys in UTF-8 byte order from an inclusive lower bound. With a delimiter, every
key whose remainder after the prefix contains it rolls up into a common prefix; the prefix counts
as one entry against MaxKeys, and the walk jumps past all keys that share it. A page ends after
MaxKeys entries; the continuation token is the next lower bound, so a page never repeats an entry
and never skips one, even while keys are written between pages.

Bounds are bytes: "just after key k" is ``k + b"\\0"``, and "after everything that starts with
p" is p with its last byte incremented (UTF-8 never contains 0xFF, so that never carries).
"""

from __future__ import annotations

import base64
import binascii
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from lakehose.services.s3 import store
from lakehose.services.s3.base import S3Base, quoted
from lakehose.services.s3.errors import InvalidArgument
from lakehose.services.s3.names import decode_key
from lakehose.services.s3.store import ObjectRow

MAX_KEYS = 1000
_TOKEN_VERSION = b"\x01"
_MAX_INT = 2**31 - 1


def successor(prefix: bytes) -> bytes | None:
    """The least byte string greater than every string that starts with ``prefix``."""
    trimmed = prefix.rstrip(b"\xff")
    return trimmed[:-1] + bytes([trimmed[-1] + 1]) if trimmed else None


def common_prefix(key: bytes, prefix: bytes, delimiter: bytes | None) -> bytes | None:
    """The common prefix ``key`` rolls up into, or ``None`` when it is listed itself."""
    if not delimiter:
        return None
    found = key.find(delimiter, len(prefix))
    return key[: found + len(delimiter)] if found >= 0 else None


def encoder(encoding_type: str | None) -> Any:
    """How names appear in a listing: as they are, or URL-encoded when asked (``url``)."""
    if encoding_type is None:
        return lambda text: text
    if encoding_type != "url":
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request", "encoding-type", encoding_type
        )
    # S3 writes a space as %20 (never "+") and leaves "/" as it is.
    return lambda text: quote(text, safe="/")


def check_max(name: str, value: int | None, default: int, wire: str) -> int:
    if value is None:
        return default
    if not 0 <= value <= _MAX_INT:
        raise InvalidArgument(
            f"Argument {name} must be an integer between 0 and {_MAX_INT}", wire, value
        )
    return value


@dataclass
class Page:
    """One page of a listing: objects and common prefixes in order, and where to go on."""

    entries: list[ObjectRow | bytes]
    truncated: bool
    next_low: bytes | None


def walk(
    connection: sqlite3.Connection,
    bucket_id: int,
    *,
    prefix: bytes,
    delimiter: bytes | None,
    low: bytes,
    limit: int,
    marker: bytes | None = None,
) -> Page:
    """Up to ``limit`` entries from ``low`` on; common prefixes not past ``marker`` are skipped."""
    high = successor(prefix) if prefix else None
    entries: list[ObjectRow | bytes] = []
    current: bytes | None = max(low, prefix)
    while current is not None and len(entries) < limit:
        rows = store.scan_objects(connection, bucket_id, current, high, limit - len(entries) + 1)
        if not rows:
            current = None
            break
        for row in rows:
            rolled = common_prefix(row.key, prefix, delimiter)
            if rolled is not None:
                if marker is None or rolled > marker:
                    entries.append(rolled)
                current = successor(rolled)
                break  # the keys after it in this batch may share the prefix: ask again
            entries.append(row)
            current = row.key + b"\0"
            if len(entries) == limit:
                break
    # MaxKeys=0 asks for nothing and gets a complete (empty) answer, as S3 gives it.
    truncated = (
        limit > 0
        and current is not None
        and bool(store.scan_objects(connection, bucket_id, current, high, 1))
    )
    return Page(entries, truncated, current if truncated else None)


def encode_token(low: bytes) -> str:
    return base64.urlsafe_b64encode(_TOKEN_VERSION + low).decode("ascii")


def decode_token(token: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raw = b""
    if not raw.startswith(_TOKEN_VERSION):
        raise InvalidArgument(
            "The continuation token provided is incorrect", "continuation-token", token
        )
    return raw[len(_TOKEN_VERSION) :]


class ListingOperations(S3Base):
    """Listing the objects of a bucket."""

    def list_objects_v2(
        self,
        *,
        bucket: str,
        prefix: str | None = None,
        delimiter: str | None = None,
        max_keys: int | None = None,
        continuation_token: str | None = None,
        start_after: str | None = None,
        encoding_type: str | None = None,
        fetch_owner: bool | None = None,
    ) -> dict[str, Any]:
        encode = encoder(encoding_type)
        limit = check_max("maxKeys", max_keys, MAX_KEYS, "max-keys")
        low = (start_after or "").encode() + b"\0" if start_after else b""
        if continuation_token is not None:
            low = max(low, decode_token(continuation_token))
        page = self._page(bucket, prefix, delimiter, low, limit, None)
        result = self._listed(bucket, page, prefix, delimiter, limit, encode, bool(fetch_owner))
        result["KeyCount"] = len(page.entries)
        if page.next_low is not None:
            result["NextContinuationToken"] = encode_token(page.next_low)
        if continuation_token is not None:
            result["ContinuationToken"] = continuation_token
        if start_after is not None:
            result["StartAfter"] = encode(start_after)
        if encoding_type is not None:
            result["EncodingType"] = encoding_type
        return result

    def list_objects(
        self,
        *,
        bucket: str,
        prefix: str | None = None,
        delimiter: str | None = None,
        marker: str | None = None,
        max_keys: int | None = None,
        encoding_type: str | None = None,
    ) -> dict[str, Any]:
        encode = encoder(encoding_type)
        limit = check_max("maxKeys", max_keys, MAX_KEYS, "max-keys")
        raw_marker = marker.encode() if marker else None
        low = raw_marker + b"\0" if raw_marker else b""
        page = self._page(bucket, prefix, delimiter, low, limit, raw_marker)
        result = self._listed(bucket, page, prefix, delimiter, limit, encode, True)
        # ListObjects (v1) sends the top-level Prefix as it was given, even with encoding-type.
        result["Prefix"] = prefix or ""
        result["Marker"] = encode(marker or "")
        # S3 sends NextMarker only with a delimiter; without one, the last key is the marker.
        if page.truncated and delimiter and page.entries:
            last = page.entries[-1]
            result["NextMarker"] = encode(decode_key(last if isinstance(last, bytes) else last.key))
        if encoding_type is not None:
            result["EncodingType"] = encoding_type
        return result

    def _page(
        self,
        bucket: str,
        prefix: str | None,
        delimiter: str | None,
        low: bytes,
        max_keys: int,
        marker: bytes | None,
    ) -> Page:
        with self.db.read() as connection:
            target = self._locate_bucket(connection, bucket)
            return walk(
                connection,
                target.id,
                prefix=(prefix or "").encode(),
                delimiter=delimiter.encode() if delimiter else None,
                low=low,
                limit=min(max_keys, MAX_KEYS),
                marker=marker,
            )

    def _listed(
        self,
        bucket: str,
        page: Page,
        prefix: str | None,
        delimiter: str | None,
        max_keys: int,
        encode: Any,
        with_owner: bool,
    ) -> dict[str, Any]:
        """The members both listing versions share."""
        # Objects belong to the bucket's owner (S3's default, BucketOwnerEnforced).
        owner = self._owner(self._bucket_named(bucket).owner) if with_owner else None
        contents = [
            self._content(entry, encode, owner)
            for entry in page.entries
            if isinstance(entry, ObjectRow)
        ]
        prefixes = [
            {"Prefix": encode(decode_key(item))} for item in page.entries if isinstance(item, bytes)
        ]
        result: dict[str, Any] = {
            "Name": bucket,
            "Prefix": encode(prefix or ""),
            "MaxKeys": max_keys,
            "IsTruncated": page.truncated,
        }
        if delimiter:
            result["Delimiter"] = encode(delimiter)
        if contents:
            result["Contents"] = contents
        if prefixes:
            result["CommonPrefixes"] = prefixes
        return result

    def _content(self, row: ObjectRow, encode: Any, owner: dict[str, str] | None) -> dict[str, Any]:
        content: dict[str, Any] = {
            "Key": encode(decode_key(row.key)),
            "LastModified": datetime.fromtimestamp(row.modified, UTC),
            "ETag": quoted(row.etag),
            "Size": row.size,
            "StorageClass": row.storage_class,
        }
        if row.checksum is not None:
            content["ChecksumAlgorithm"] = [row.checksum.algorithm]
            content["ChecksumType"] = row.checksum.type
        if owner is not None:
            content["Owner"] = owner
        return content
