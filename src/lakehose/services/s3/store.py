"""SQLite persistence of buckets, object metadata, multipart uploads and their parts.

One database, ``s3.db`` in the engine's directory; object data lives in ``blobs.BlobStore``.
Keys are stored as their UTF-8 bytes in BLOB columns, so SQLite's ``ORDER BY key`` is S3's
listing order (lexicographic by UTF-8 bytes) and a prefix is a range of the primary key.
Standard headers (``ContentType``, ``CacheControl``, ...) are kept as one JSON object named by
their output members, so a GetObject result is built by copying them.

Functions take the connection of a transaction the engine opened, so every operation's reads and
writes commit together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from lakehose.services.s3.checksums import Checksum
from lakehose.storage import Migration

_SCHEMA = """
CREATE TABLE buckets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    region TEXT NOT NULL,
    created REAL NOT NULL,
    tags BLOB,
    policy TEXT
);
CREATE TABLE objects (
    bucket_id INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
    key BLOB NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified INTEGER NOT NULL,
    headers BLOB NOT NULL,
    metadata BLOB NOT NULL,
    checksum_algorithm TEXT,
    checksum_value TEXT,
    checksum_type TEXT,
    parts_count INTEGER,
    storage_class TEXT NOT NULL,
    PRIMARY KEY (bucket_id, key)
) WITHOUT ROWID;
CREATE TABLE uploads (
    upload_id TEXT PRIMARY KEY,
    bucket_id INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
    key BLOB NOT NULL,
    initiated REAL NOT NULL,
    headers BLOB NOT NULL,
    metadata BLOB NOT NULL,
    checksum_algorithm TEXT,
    checksum_type TEXT,
    storage_class TEXT NOT NULL
);
CREATE INDEX uploads_by_key ON uploads (bucket_id, key, initiated);
CREATE TABLE parts (
    upload_id TEXT NOT NULL REFERENCES uploads(upload_id) ON DELETE CASCADE,
    part_number INTEGER NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified INTEGER NOT NULL,
    checksum_algorithm TEXT,
    checksum_value TEXT,
    PRIMARY KEY (upload_id, part_number)
);
"""

# Buckets made before accounts were told apart have no owner until the engine adopts them.
_OWNERS = "ALTER TABLE buckets ADD COLUMN owner TEXT;"

# Bucket settings (ownership, public access block, encryption, versioning...) as JSON documents
# by name; object versions: ``version_id`` NULL is S3's "null" version, ``attributes`` holds
# the encryption, ACL and tags an object was written with. ``versions`` keeps what is not the
# current object of its key: noncurrent versions and delete markers, ordered by ``seq``.
_SETTINGS_AND_VERSIONS = """
CREATE TABLE bucket_settings (
    bucket_id INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value BLOB NOT NULL,
    PRIMARY KEY (bucket_id, name)
) WITHOUT ROWID;
ALTER TABLE objects ADD COLUMN version_id TEXT;
ALTER TABLE objects ADD COLUMN attributes BLOB;
ALTER TABLE uploads ADD COLUMN attributes BLOB;
CREATE TABLE versions (
    bucket_id INTEGER NOT NULL REFERENCES buckets(id) ON DELETE CASCADE,
    key BLOB NOT NULL,
    seq INTEGER NOT NULL,
    version_id TEXT,
    delete_marker INTEGER NOT NULL,
    blob TEXT,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified INTEGER NOT NULL,
    headers BLOB NOT NULL,
    metadata BLOB NOT NULL,
    checksum_algorithm TEXT,
    checksum_value TEXT,
    checksum_type TEXT,
    parts_count INTEGER,
    storage_class TEXT NOT NULL,
    attributes BLOB,
    PRIMARY KEY (bucket_id, key, seq)
) WITHOUT ROWID;
"""

MIGRATIONS = (
    Migration(1, _SCHEMA),
    Migration(2, _OWNERS),
    Migration(3, _SETTINGS_AND_VERSIONS),
)
_OBJECT_COLUMNS = (
    "bucket_id, key, blob, size, etag, modified, headers, metadata, checksum_algorithm, "
    "checksum_value, checksum_type, parts_count, storage_class, version_id, attributes"
)


@dataclass(frozen=True)
class BucketRow:
    id: int
    name: str
    region: str
    created: float
    tags: list[dict[str, str]] | None
    policy: str | None
    owner: str | None = None  # the owning account's id


@dataclass(frozen=True)
class ObjectRow:
    bucket_id: int
    key: bytes
    blob: str
    size: int
    etag: str  # without quotes; "<hex>" or "<hex>-<parts>"
    modified: int  # seconds since the epoch: S3's Last-Modified has no finer grain
    headers: dict[str, Any]
    metadata: dict[str, str]
    checksum: Checksum | None
    parts_count: int | None
    storage_class: str
    version_id: str | None = None  # None: S3's "null" version
    attributes: dict[str, Any] = field(default_factory=dict)  # sse, acl, tags
    delete_marker: bool = False  # only rows of the ``versions`` table can be delete markers

    @property
    def version(self) -> str:
        """The version id as S3 shows it."""
        return self.version_id or "null"


@dataclass(frozen=True)
class UploadRow:
    upload_id: str
    bucket_id: int
    key: bytes
    initiated: float
    headers: dict[str, Any]
    metadata: dict[str, str]
    checksum_algorithm: str | None
    checksum_type: str | None
    storage_class: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PartRow:
    part_number: int
    blob: str
    size: int
    etag: str
    modified: int
    checksum: Checksum | None


# -- buckets ----------------------------------------------------------------------------------


def _bucket(row: sqlite3.Row) -> BucketRow:
    tags = orjson.loads(row["tags"]) if row["tags"] is not None else None
    return BucketRow(
        row["id"], row["name"], row["region"], row["created"], tags, row["policy"], row["owner"]
    )


def find_bucket(connection: sqlite3.Connection, name: str) -> BucketRow | None:
    row = connection.execute("SELECT * FROM buckets WHERE name = ?", (name,)).fetchone()
    return _bucket(row) if row else None


def buckets(connection: sqlite3.Connection) -> list[BucketRow]:
    return [_bucket(row) for row in connection.execute("SELECT * FROM buckets ORDER BY name")]


def insert_bucket(
    connection: sqlite3.Connection, name: str, region: str, created: float, owner: str
) -> BucketRow:
    cursor = connection.execute(
        "INSERT INTO buckets (name, region, created, owner) VALUES (?, ?, ?, ?)",
        (name, region, created, owner),
    )
    return BucketRow(int(cursor.lastrowid or 0), name, region, created, None, None, owner)


def adopt_unowned(connection: sqlite3.Connection, owner: str) -> None:
    connection.execute("UPDATE buckets SET owner = ? WHERE owner IS NULL", (owner,))


def delete_bucket(connection: sqlite3.Connection, bucket_id: int) -> None:
    connection.execute("DELETE FROM buckets WHERE id = ?", (bucket_id,))


def set_tags(
    connection: sqlite3.Connection, bucket_id: int, tags: list[dict[str, str]] | None
) -> None:
    value = orjson.dumps(tags) if tags is not None else None
    connection.execute("UPDATE buckets SET tags = ? WHERE id = ?", (value, bucket_id))


def set_policy(connection: sqlite3.Connection, bucket_id: int, policy: str | None) -> None:
    connection.execute("UPDATE buckets SET policy = ? WHERE id = ?", (policy, bucket_id))


# -- objects ----------------------------------------------------------------------------------


def checksum_of(algorithm: str | None, value: str | None, kind: str | None) -> Checksum | None:
    if algorithm is None or value is None:
        return None
    return Checksum(algorithm, value, kind or "FULL_OBJECT")


def loads(value: bytes | None) -> dict[str, Any]:
    return dict(orjson.loads(value)) if value is not None else {}


def object_row(row: sqlite3.Row) -> ObjectRow:
    """An ``objects`` row, or a ``versions`` row (which may be a delete marker, without blob)."""
    # ``in`` on a sqlite3.Row looks at values; its column names are its keys().
    marker = "delete_marker" in row.keys() and bool(row["delete_marker"])  # noqa: SIM118
    return ObjectRow(
        bucket_id=row["bucket_id"],
        key=bytes(row["key"]),
        blob=row["blob"] or "",
        size=row["size"],
        etag=row["etag"],
        modified=row["modified"],
        headers=orjson.loads(row["headers"]),
        metadata=orjson.loads(row["metadata"]),
        checksum=checksum_of(
            row["checksum_algorithm"], row["checksum_value"], row["checksum_type"]
        ),
        parts_count=row["parts_count"],
        storage_class=row["storage_class"],
        version_id=row["version_id"],
        attributes=loads(row["attributes"]),
        delete_marker=marker,
    )


def find_object(connection: sqlite3.Connection, bucket_id: int, key: bytes) -> ObjectRow | None:
    row = connection.execute(
        f"SELECT {_OBJECT_COLUMNS} FROM objects WHERE bucket_id = ? AND key = ?", (bucket_id, key)
    ).fetchone()
    return object_row(row) if row else None


def put_object(connection: sqlite3.Connection, item: ObjectRow) -> str | None:
    """Insert or replace the object; returns the blob the key used to point at, if any."""
    previous = connection.execute(
        "SELECT blob FROM objects WHERE bucket_id = ? AND key = ?", (item.bucket_id, item.key)
    ).fetchone()
    connection.execute(
        f"INSERT OR REPLACE INTO objects ({_OBJECT_COLUMNS}) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        object_values(item),
    )
    return str(previous["blob"]) if previous else None


def object_values(item: ObjectRow) -> tuple[Any, ...]:
    """The row's values in ``_OBJECT_COLUMNS`` order."""
    checksum = item.checksum
    return (
        item.bucket_id,
        item.key,
        item.blob,
        item.size,
        item.etag,
        item.modified,
        orjson.dumps(item.headers),
        orjson.dumps(item.metadata),
        checksum.algorithm if checksum else None,
        checksum.value if checksum else None,
        checksum.type if checksum else None,
        item.parts_count,
        item.storage_class,
        item.version_id,
        orjson.dumps(item.attributes) if item.attributes else None,
    )


def set_object_attributes(
    connection: sqlite3.Connection, bucket_id: int, key: bytes, attributes: dict[str, Any]
) -> None:
    connection.execute(
        "UPDATE objects SET attributes = ? WHERE bucket_id = ? AND key = ?",
        (orjson.dumps(attributes), bucket_id, key),
    )


def delete_object(connection: sqlite3.Connection, bucket_id: int, key: bytes) -> str | None:
    """Delete the object; returns its blob, or ``None`` if there was no such key."""
    row = connection.execute(
        "DELETE FROM objects WHERE bucket_id = ? AND key = ? RETURNING blob", (bucket_id, key)
    ).fetchone()
    return str(row["blob"]) if row else None


def in_key_range(
    select: str, bucket_id: int, low: bytes, high: bytes | None
) -> tuple[str, list[Any]]:
    """``select`` (from one table) narrowed to a bucket's keys ``low <= key < high``."""
    sql = f"{select} WHERE bucket_id = ? AND key >= ?"
    parameters: list[Any] = [bucket_id, low]
    if high is not None:
        sql += " AND key < ?"
        parameters.append(high)
    return sql, parameters


def scan_objects(
    connection: sqlite3.Connection, bucket_id: int, low: bytes, high: bytes | None, limit: int
) -> list[ObjectRow]:
    """Objects with ``low <= key < high`` (no upper bound if ``None``), in key order."""
    sql, parameters = in_key_range(f"SELECT {_OBJECT_COLUMNS} FROM objects", bucket_id, low, high)
    sql += " ORDER BY key LIMIT ?"
    parameters.append(limit)
    return [object_row(row) for row in connection.execute(sql, parameters)]


def has_objects(connection: sqlite3.Connection, bucket_id: int) -> bool:
    """Whether any object, noncurrent version or delete marker is left in the bucket."""
    row = connection.execute(
        "SELECT 1 FROM objects WHERE bucket_id = ? UNION ALL "
        "SELECT 1 FROM versions WHERE bucket_id = ? LIMIT 1",
        (bucket_id, bucket_id),
    )
    return row.fetchone() is not None


# -- multipart uploads ------------------------------------------------------------------------


def _upload(row: sqlite3.Row) -> UploadRow:
    return UploadRow(
        upload_id=row["upload_id"],
        bucket_id=row["bucket_id"],
        key=bytes(row["key"]),
        initiated=row["initiated"],
        headers=orjson.loads(row["headers"]),
        metadata=orjson.loads(row["metadata"]),
        checksum_algorithm=row["checksum_algorithm"],
        checksum_type=row["checksum_type"],
        storage_class=row["storage_class"],
        attributes=loads(row["attributes"]),
    )


def insert_upload(connection: sqlite3.Connection, upload: UploadRow) -> None:
    connection.execute(
        "INSERT INTO uploads (upload_id, bucket_id, key, initiated, headers, metadata, "
        "checksum_algorithm, checksum_type, storage_class, attributes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            upload.upload_id,
            upload.bucket_id,
            upload.key,
            upload.initiated,
            orjson.dumps(upload.headers),
            orjson.dumps(upload.metadata),
            upload.checksum_algorithm,
            upload.checksum_type,
            upload.storage_class,
            orjson.dumps(upload.attributes) if upload.attributes else None,
        ),
    )


def find_upload(connection: sqlite3.Connection, upload_id: str) -> UploadRow | None:
    row = connection.execute("SELECT * FROM uploads WHERE upload_id = ?", (upload_id,)).fetchone()
    return _upload(row) if row else None


def uploads_in(
    connection: sqlite3.Connection, bucket_id: int, low: bytes, high: bytes | None
) -> list[UploadRow]:
    """Uploads with ``low <= key < high``, by key, then oldest first (S3's listing order)."""
    sql, parameters = in_key_range("SELECT * FROM uploads", bucket_id, low, high)
    sql += " ORDER BY key, initiated, upload_id"
    return [_upload(row) for row in connection.execute(sql, parameters)]


def delete_upload(connection: sqlite3.Connection, upload_id: str) -> list[str]:
    """Delete the upload and its parts; returns the parts' blobs."""
    blobs = [part.blob for part in parts(connection, upload_id)]
    connection.execute("DELETE FROM uploads WHERE upload_id = ?", (upload_id,))
    return blobs


def _part(row: sqlite3.Row) -> PartRow:
    return PartRow(
        part_number=row["part_number"],
        blob=row["blob"],
        size=row["size"],
        etag=row["etag"],
        modified=row["modified"],
        checksum=checksum_of(row["checksum_algorithm"], row["checksum_value"], None),
    )


def put_part(connection: sqlite3.Connection, upload_id: str, part: PartRow) -> str | None:
    """Insert or replace a part; returns the blob of the part it replaced, if any."""
    previous = connection.execute(
        "SELECT blob FROM parts WHERE upload_id = ? AND part_number = ?",
        (upload_id, part.part_number),
    ).fetchone()
    checksum = part.checksum
    connection.execute(
        "INSERT OR REPLACE INTO parts (upload_id, part_number, blob, size, etag, modified, "
        "checksum_algorithm, checksum_value) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            upload_id,
            part.part_number,
            part.blob,
            part.size,
            part.etag,
            part.modified,
            checksum.algorithm if checksum else None,
            checksum.value if checksum else None,
        ),
    )
    return str(previous["blob"]) if previous else None


def parts(connection: sqlite3.Connection, upload_id: str, after: int = 0) -> list[PartRow]:
    rows = connection.execute(
        "SELECT * FROM parts WHERE upload_id = ? AND part_number > ? ORDER BY part_number",
        (upload_id, after),
    )
    return [_part(row) for row in rows]


# -- garbage collection -----------------------------------------------------------------------


def referenced_blobs(connection: sqlite3.Connection) -> dict[int, set[str]]:
    """Every blob a row points at, by bucket id (buckets without blobs map to empty sets)."""
    referenced: dict[int, set[str]] = {
        row["id"]: set() for row in connection.execute("SELECT id FROM buckets")
    }
    rows: Iterator[sqlite3.Row] = connection.execute(
        "SELECT bucket_id, blob FROM objects UNION ALL "
        "SELECT bucket_id, blob FROM versions WHERE blob IS NOT NULL UNION ALL "
        "SELECT u.bucket_id, p.blob FROM parts p JOIN uploads u USING (upload_id)"
    )
    for row in rows:
        referenced.setdefault(row["bucket_id"], set()).add(row["blob"])
    return referenced
