"""A table's data files: which objects belong to a location, and how their bytes are read.

As in Trino's Hive connector (which Athena runs):

* a location is a folder: ``s3://b/data`` lists the keys under ``data/``, recursively;
* objects whose name, or a folder on the way to them, starts with ``_`` or ``.`` are hidden
  (``_SUCCESS``, ``.metadata``), and zero-byte folder markers (keys ending in ``/``) are skipped;
* text files are decompressed by the key's extension only: ``.gz`` is gzip, ``.bz2`` bzip2,
  ``.deflate`` zlib; any other key is plain text, even if its bytes are gzip (Athena does not
  sniff magic bytes, so a ``.gz``-less gzip object reads as binary garbage: NULL rows);
* lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``, like Hadoop's ``LineReader``; a final
  terminator does not start another line.
"""

from __future__ import annotations

import bz2
import gzip
import os
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from lakehose.services.athena.ports import BucketMissing, ObjectInfo, ObjectStorePort
from lakehose.services.athena.sql.errors import (
    BUCKET_NOT_FOUND,
    HIVE_UNSUPPORTED_FORMAT,
    INVALID_TABLE_PROPERTY,
    QueryFailed,
)

_CODECS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.decompress,
    ".bz2": bz2.decompress,
    ".deflate": zlib.decompress,
}
_UNSUPPORTED = (".lz4", ".snappy", ".zst", ".lzo", ".lzo_deflate", ".zip")


@dataclass(frozen=True)
class Location:
    """An ``s3://bucket/prefix/`` folder; ``prefix`` is empty or ends with ``/``."""

    bucket: str
    prefix: str

    @classmethod
    def parse(cls, uri: str) -> Location:
        parts = urlsplit(uri)
        if parts.scheme not in ("s3", "s3a", "s3n") or not parts.netloc:
            raise QueryFailed(INVALID_TABLE_PROPERTY, f"Invalid location URI: {uri}")
        prefix = parts.path.lstrip("/")
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        return cls(parts.netloc, prefix)

    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def child(self, relative: str) -> Location:
        return Location(self.bucket, f"{self.prefix}{relative.strip('/')}/")


@dataclass(frozen=True)
class DataFile:
    """One object to read: where it lives and the file holding it."""

    bucket: str
    info: ObjectInfo

    @property
    def size(self) -> int:
        return self.info.size


def is_visible(relative_key: str) -> bool:
    """Whether a key (relative to the table or partition folder) is a data file."""
    if not relative_key or relative_key.endswith("/"):
        return False
    return not any(part.startswith(("_", ".")) for part in relative_key.split("/"))


def _no_bucket(bucket: str) -> QueryFailed:
    return QueryFailed(BUCKET_NOT_FOUND, f"The specified bucket does not exist: {bucket}")


def _objects(store: ObjectStorePort, location: Location) -> list[ObjectInfo]:
    try:
        return store.list_objects(location.bucket, location.prefix)
    except (BucketMissing, KeyError):
        raise _no_bucket(location.bucket) from None


def is_empty(store: ObjectStorePort, location: Location) -> bool:
    """Whether no object at all (hidden ones included) is under the location."""
    return not _objects(store, location)


def put_object(store: ObjectStorePort, bucket: str, key: str, data: bytes) -> None:
    """Write a data file; a missing bucket is Athena's error, not an internal one."""
    try:
        store.put_object_bytes(bucket, key, data)
    except (BucketMissing, KeyError):
        raise _no_bucket(bucket) from None


def list_files(store: ObjectStorePort, location: Location) -> list[DataFile]:
    """The visible objects under a location, in key order."""
    objects = _objects(store, location)
    return [
        DataFile(location.bucket, info)
        for info in objects
        if is_visible(info.key[len(location.prefix) :])
    ]


# Above this many locations one listing of their shared prefix beats one listing each: partition
# projection can name tens of thousands of hourly locations, almost all of them empty.
LIST_EACH_UP_TO = 32


def list_files_of(
    store: ObjectStorePort, locations: Sequence[Location]
) -> dict[Location, list[DataFile]]:
    """The visible objects under each of ``locations``, listing as few times as it can."""
    if len(locations) <= LIST_EACH_UP_TO or len({loc.bucket for loc in locations}) != 1:
        return {location: list_files(store, location) for location in locations}
    # A character-wise common prefix, then cut back to the last folder boundary in it.
    shared = os.path.commonprefix([location.prefix for location in locations])  # noqa: RUF071
    shared = shared[: shared.rfind("/") + 1]
    found: dict[Location, list[DataFile]] = {location: [] for location in locations}
    by_prefix = {location.prefix: location for location in locations}
    for data_file in list_files(store, Location(locations[0].bucket, shared)):
        key = data_file.info.key
        # The folders on the way to the key, deepest first: a nested location wins.
        for end in reversed([i + 1 for i, char in enumerate(key) if char == "/"]):
            location = by_prefix.get(key[:end])
            if location is not None:
                if is_visible(key[end:]):
                    found[location].append(data_file)
                break
    return found


def read_bytes(store: ObjectStorePort, data_file: DataFile) -> bytes:
    """The object's bytes as stored (compressed or not).

    An overwrite replaces the object's file (the old one is unlinked), so a file listed a
    moment ago may be gone: ask the store where the key lives now, once.
    """
    try:
        return data_file.info.path.read_bytes()
    except FileNotFoundError:
        current = [
            o
            for o in store.list_objects(data_file.bucket, data_file.info.key)
            if o.key == data_file.info.key
        ]
        if not current:
            return b""  # deleted while the query ran: it is no longer part of the table
        return current[0].path.read_bytes()


def decompress(key: str, data: bytes) -> bytes:
    """Text bytes of an object, decompressed by its key's extension."""
    suffix = PurePosixPath(key).suffix
    codec = _CODECS.get(suffix)
    if codec is not None:
        try:
            return codec(data)
        except (OSError, EOFError, zlib.error, ValueError) as error:
            raise QueryFailed(
                HIVE_UNSUPPORTED_FORMAT, f"Error reading compressed file {key}: {error}"
            ) from None
    if suffix in _UNSUPPORTED:
        raise QueryFailed(
            HIVE_UNSUPPORTED_FORMAT, f"Compression of {key} ({suffix}) is not supported"
        )
    return data


def split_lines(text: bytes) -> list[bytes]:
    """Lines as Hadoop's ``LineReader`` cuts them (``bytes.splitlines`` splits exactly on
    ``\\n``, ``\\r\\n`` and ``\\r`` and drops a final terminator)."""
    return text.splitlines()
