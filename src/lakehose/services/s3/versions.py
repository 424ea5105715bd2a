"""Bucket versioning: version ids, the versioning state, and what writes and deletes do to it.

A bucket is unversioned until ``PutBucketVersioning`` first names a status; from then on it is
``Enabled`` or ``Suspended``, never unversioned again. S3's rules (user guide, "Working with
objects in a versioning-enabled bucket" and "...versioning-suspended bucket"):

- Enabled: every write and every delete without a version id adds a version (a delete adds a
  delete marker); nothing is lost.
- Suspended: writes and deletes make the key's ``null`` version (an object or a delete marker),
  replacing the previous ``null`` version wherever it is in the key's history.
- Unversioned: a write replaces the key's only (``null``) version; a delete removes it.

Version ids are 32 URL-safe characters whose last four are a digest of the first 28, so an id
this runtime never issued is told apart from one it issued that is gone (``InvalidArgument`` as
against ``NoSuchVersion``, as S3 answers).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sqlite3
from dataclasses import replace

from lakehose.services.s3 import bucket_settings, store, version_store
from lakehose.services.s3.errors import InvalidArgument
from lakehose.services.s3.store import ObjectRow

ENABLED = "Enabled"
SUSPENDED = "Suspended"
_BODY = 28


def _digest(body: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body.encode()).digest())[:4].decode()


def new_id() -> str:
    body = secrets.token_urlsafe(21)
    return body + _digest(body)


def issued(version_id: str) -> bool:
    return len(version_id) == _BODY + 4 and _digest(version_id[:_BODY]) == version_id[_BODY:]


def parse(version_id: str) -> str | None:
    """The stored form of a version id a request names: ``None`` for ``null``."""
    if version_id == "null":
        return None
    if not issued(version_id):
        raise InvalidArgument("Invalid version id specified", "versionId", version_id)
    return version_id


def status(connection: sqlite3.Connection, bucket_id: int) -> str | None:
    """``Enabled``, ``Suspended``, or ``None`` for a bucket that was never versioned."""
    stored = bucket_settings.read(connection, bucket_id, bucket_settings.VERSIONING) or {}
    return str(stored["Status"]) if stored.get("Status") else None


def write(connection: sqlite3.Connection, row: ObjectRow) -> tuple[ObjectRow, list[str]]:
    """Make ``row`` the key's current object as the bucket's versioning state says.

    Returns the row as stored (with its version id) and the blobs no row points at any more.
    """
    state = status(connection, row.bucket_id)
    row = replace(row, version_id=new_id() if state == ENABLED else None)
    current = store.find_object(connection, row.bucket_id, row.key)
    dropped = _retire(connection, row.bucket_id, row.key, current, state)
    store.put_object(connection, row)
    return row, dropped


def delete(
    connection: sqlite3.Connection, bucket_id: int, key: bytes, now: int
) -> tuple[ObjectRow | None, list[str]]:
    """A delete without a version id: the delete marker it left (if any), and dropped blobs."""
    state = status(connection, bucket_id)
    current = store.find_object(connection, bucket_id, key)
    if state is None:
        blob = store.delete_object(connection, bucket_id, key)
        return None, [blob] if blob else []
    dropped = _retire(connection, bucket_id, key, current, state)
    if current is not None:
        store.delete_object(connection, bucket_id, key)
    marker = ObjectRow(
        bucket_id=bucket_id,
        key=key,
        blob="",
        size=0,
        etag="",
        modified=now,
        headers={},
        metadata={},
        checksum=None,
        parts_count=None,
        storage_class="STANDARD",
        version_id=new_id() if state == ENABLED else None,
        delete_marker=True,
    )
    version_store.push(connection, marker)
    return marker, dropped


def _retire(
    connection: sqlite3.Connection,
    bucket_id: int,
    key: bytes,
    current: ObjectRow | None,
    state: str | None,
) -> list[str]:
    """Move the current object out of the way of a new current version (or delete marker);
    returns the blobs that are no longer any version's."""
    if state is None:
        return [current.blob] if current is not None else []
    dropped: list[str] = []
    if state == SUSPENDED:
        # The key's null version is replaced, wherever in its history it is.
        old = version_store.remove(connection, bucket_id, key, None)
        dropped += [old] if old else []
    if current is not None:
        if state == SUSPENDED and current.version_id is None:
            dropped.append(current.blob)
        else:
            version_store.push(connection, current)
    return dropped


def delete_version(
    connection: sqlite3.Connection, bucket_id: int, key: bytes, version_id: str | None
) -> tuple[ObjectRow | None, list[str]]:
    """Remove one version for good; returns what it was (``None`` if absent) and its blob.

    When the current object goes, the newest noncurrent object, if newer than any delete
    marker, becomes current again.
    """
    current = store.find_object(connection, bucket_id, key)
    if current is not None and current.version_id == version_id:
        store.delete_object(connection, bucket_id, key)
        removed: ObjectRow | None = current
        blobs = [current.blob]
    else:
        removed = version_store.find(connection, bucket_id, key, version_id)
        blob = version_store.remove(connection, bucket_id, key, version_id)
        blobs = [blob] if blob else []
    _promote(connection, bucket_id, key)
    return removed, blobs


def _promote(connection: sqlite3.Connection, bucket_id: int, key: bytes) -> None:
    """Without a current object, the newest version becomes current unless it is a marker."""
    if store.find_object(connection, bucket_id, key) is not None:
        return
    newest = version_store.newest(connection, bucket_id, key)
    if newest is not None and not newest.delete_marker:
        version_store.remove(connection, bucket_id, key, newest.version_id)
        store.put_object(connection, newest)
