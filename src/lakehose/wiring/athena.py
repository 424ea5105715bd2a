"""Athena's ports fulfilled by the Glue and S3 engines (part of ``runtime.py``'s wiring).

Both adapters look the engine up on every call, because ``Lakehose.register`` may replace it.
The catalog is the Glue of Athena's own account and region; buckets are global.
They translate the engines' AWS errors into the port's own exceptions: Glue's
``EntityNotFoundException`` and ``AlreadyExistsException`` into ``CatalogMissing`` and
``CatalogConflict``, S3's ``NoSuchBucket`` into ``BucketMissing``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from lakehose.errors import ServiceError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.scopes import Scope
from lakehose.services.athena.ports import (
    BucketMissing,
    CatalogConflict,
    CatalogMissing,
    ObjectInfo,
)
from lakehose.services.glue import GlueEngine
from lakehose.services.s3 import S3Engine

T = TypeVar("T")
_NOT_FOUND = "EntityNotFoundException"
_EXISTS = "AlreadyExistsException"
_PARTITION_BATCH = 100  # BatchCreatePartition's limit (BatchDeletePartition takes 25)


def _translated(error: ServiceError) -> Exception:
    if error.error_code == _NOT_FOUND:
        return CatalogMissing(error.message)
    if error.error_code == _EXISTS:
        return CatalogConflict(error.message)
    return error


def _pages(call: Callable[..., dict[str, Any]], member: str, **arguments: Any) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = call(**arguments, next_token=token)
        yield from page.get(member, [])
        token = page.get("NextToken")
        if not token:
            return


class GlueCatalog:
    """``ports.CatalogPort`` over the Glue engine's Data Catalog."""

    def __init__(self, engines: EngineSource, scope: Scope | None = None) -> None:
        self.scope = scope or engines.scope
        self._lookup = EngineLookup(
            engines,
            "glue",
            GlueEngine,
            missing=lambda: CatalogMissing("the Glue Data Catalog is not available"),
        )

    def _glue(self) -> GlueEngine:
        return self._lookup(self.scope)

    def get_database(self, name: str) -> dict[str, Any] | None:
        with contextlib.suppress(CatalogMissing):
            found = self._call(lambda glue: glue.get_database(name=name))
            return dict(found["Database"])
        return None

    def list_databases(self) -> list[dict[str, Any]]:
        return list(_pages(self._glue().get_databases, "DatabaseList"))

    def create_database(self, database_input: dict[str, Any]) -> None:
        self._call(lambda glue: glue.create_database(database_input=database_input))

    def delete_database(self, name: str) -> None:
        self._call(lambda glue: glue.delete_database(name=name))

    def get_table(self, database: str, name: str) -> dict[str, Any] | None:
        with contextlib.suppress(CatalogMissing):
            found = self._call(lambda glue: glue.get_table(database_name=database, name=name))
            return dict(found["Table"])
        return None

    def list_tables(self, database: str) -> list[dict[str, Any]]:
        with contextlib.suppress(CatalogMissing):
            return self._call(
                lambda glue: list(_pages(glue.get_tables, "TableList", database_name=database))
            )
        return []

    def create_table(self, database: str, table_input: dict[str, Any]) -> None:
        self._call(lambda glue: glue.create_table(database_name=database, table_input=table_input))

    def delete_table(self, database: str, name: str) -> None:
        self._call(lambda glue: glue.delete_table(database_name=database, name=name))

    def get_partitions(self, database: str, table: str) -> list[dict[str, Any]]:
        return self._call(
            lambda glue: list(
                _pages(glue.get_partitions, "Partitions", database_name=database, table_name=table)
            )
        )

    def create_partitions(
        self, database: str, table: str, partition_inputs: list[dict[str, Any]]
    ) -> None:
        # The port promises all or nothing; BatchCreatePartition adds what it can, so look first.
        existing = {tuple(p["Values"]) for p in self.get_partitions(database, table)}
        if any(tuple(p["Values"]) in existing for p in partition_inputs):
            raise CatalogConflict("Partition already exists.")
        for start in range(0, len(partition_inputs), _PARTITION_BATCH):
            chunk = partition_inputs[start : start + _PARTITION_BATCH]

            def create(glue: GlueEngine, chunk: list[dict[str, Any]] = chunk) -> dict[str, Any]:
                return glue.batch_create_partition(
                    database_name=database, table_name=table, partition_input_list=chunk
                )

            for error in self._call(create).get("Errors", []):
                detail = error["ErrorDetail"]
                raise _translated(ServiceError(detail["ErrorMessage"], code=detail["ErrorCode"]))

    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None:
        batch = 25
        for start in range(0, len(values), batch):
            chunk = [{"Values": v} for v in values[start : start + batch]]

            def delete(glue: GlueEngine, chunk: list[dict[str, Any]] = chunk) -> dict[str, Any]:
                # Per-partition "not found" errors are what the port says to ignore.
                return glue.batch_delete_partition(
                    database_name=database, table_name=table, partitions_to_delete=chunk
                )

            self._call(delete)

    def _call(self, action: Callable[[GlueEngine], T]) -> T:
        try:
            return action(self._glue())
        except ServiceError as error:
            raise _translated(error) from None


class S3Store:
    """``ports.ObjectStorePort`` over the S3 engine."""

    def __init__(self, engines: EngineSource) -> None:
        self._s3 = EngineLookup(
            engines, "s3", S3Engine, missing=lambda: BucketMissing("the S3 engine is not available")
        )

    def head_bucket(self, bucket: str) -> None:
        self._call(lambda s3: s3.head_bucket(bucket=bucket))

    def list_objects(self, bucket: str, prefix: str) -> list[ObjectInfo]:
        s3 = self._s3()
        found: list[ObjectInfo] = []
        for summary in self._call(lambda s3: s3.list_keys(bucket, prefix)):
            try:
                path = s3.object_path(bucket, summary.key)
            except ServiceError:
                continue  # deleted since the listing: not there any more
            modified = summary.last_modified.timestamp()
            found.append(ObjectInfo(summary.key, summary.size, path, modified))
        return found

    def put_object_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str | None = None
    ) -> None:
        self._call(lambda s3: s3.put_object_bytes(bucket, key, data, content_type=content_type))

    def _call(self, action: Callable[[S3Engine], T]) -> T:
        try:
            return action(self._s3())
        except ServiceError as error:
            if error.error_code == "NoSuchBucket":
                raise BucketMissing(error.message) from None
            raise
