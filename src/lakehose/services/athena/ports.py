"""What Athena needs from other services: the Glue Data Catalog and the S3 object store.

``runtime.py`` fulfils both ports with adapters over the Glue and S3 engines; the SQL engine's
tests use in-memory and filesystem stand-ins. Every dictionary is in the Glue API's own shape
(``Database``, ``Table``, ``Partition`` as ``GetTable`` & co. return them; ``DatabaseInput``,
``TableInput``, ``PartitionInput`` as ``CreateTable`` & co. take them), so an adapter passes
them through unchanged.

Object keys are not paths: the S3 engine stores each object in a randomly named file. The SQL
engine therefore never globs; it lists objects through ``ObjectStorePort.list_objects`` and hands
DuckDB the ``ObjectInfo.path`` of each (DuckDB's sandbox reads only the local files it is
allowed), using the key only for what keys mean (partition values, the extension that names the
compression). ``path`` is the one local-file capability the port asks for: the S3 engine's
adapter gives the object's own file (no copy); an adapter over remote S3 would download each
listed object into a local cache and give that file. Everything else is by bucket and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol


class CatalogConflict(Exception):
    """The database, table or partition being created already exists (Glue's
    ``AlreadyExistsException``)."""


class CatalogMissing(Exception):
    """The database or table an operation needs does not exist (Glue's
    ``EntityNotFoundException``)."""


class BucketMissing(Exception):
    """The bucket a location names does not exist (S3's ``NoSuchBucket``)."""


@dataclass(frozen=True)
class ObjectInfo:
    """One object as a listing shows it, with a local file that holds its bytes now."""

    key: str
    size: int
    path: Path
    last_modified: float | None = None  # seconds since the epoch; None: the file's own time


class CatalogPort(Protocol):
    """The Glue Data Catalog of the query's account and region."""

    def get_database(self, name: str) -> dict[str, Any] | None:
        """The ``Database``, or None when there is none by that name."""
        ...

    def list_databases(self) -> list[dict[str, Any]]: ...

    def create_database(self, database_input: dict[str, Any]) -> None:
        """Raises ``CatalogConflict`` when it exists."""
        ...

    def delete_database(self, name: str) -> None:
        """Deletes the database and its tables; raises ``CatalogMissing`` when there is none."""
        ...

    def get_table(self, database: str, name: str) -> dict[str, Any] | None:
        """The ``Table``, or None when the database or the table does not exist."""
        ...

    def list_tables(self, database: str) -> list[dict[str, Any]]:
        """Every ``Table`` of the database (empty when it does not exist)."""
        ...

    def create_table(self, database: str, table_input: dict[str, Any]) -> None:
        """Raises ``CatalogConflict`` when it exists, ``CatalogMissing`` without the database."""
        ...

    def delete_table(self, database: str, name: str) -> None:
        """Raises ``CatalogMissing`` when there is no such table."""
        ...

    def get_partitions(self, database: str, table: str) -> list[dict[str, Any]]:
        """Every ``Partition`` of the table."""
        ...

    def create_partitions(
        self, database: str, table: str, partition_inputs: list[dict[str, Any]]
    ) -> None:
        """Adds partitions; raises ``CatalogConflict`` if one of them exists (none is added)."""
        ...

    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None:
        """Deletes the partitions with these ``Values``; missing ones are ignored."""
        ...


class ObjectStorePort(Protocol):
    """S3 objects as files, plus writes for results and CTAS data."""

    def head_bucket(self, bucket: str) -> None:
        """Returns when the bucket exists; raises ``BucketMissing`` (or ``KeyError``) when not."""
        ...

    def list_objects(self, bucket: str, prefix: str) -> list[ObjectInfo]:
        """Every object under ``prefix``, in key order; ``BucketMissing`` (or ``KeyError``)
        when there is no such bucket."""
        ...

    def put_object_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str | None = None
    ) -> None: ...
