"""Stand-ins for the SQL engine's ports: an in-memory Glue catalog and an object store that,
like the S3 engine, keeps each object in a randomly named file (keys are never paths)."""

from __future__ import annotations

import copy
import secrets
from pathlib import Path
from typing import Any

from lakehose.services.athena.ports import (
    BucketMissing,
    CatalogConflict,
    CatalogMissing,
    ObjectInfo,
)


class FakeCatalog:
    """Glue's Data Catalog in memory: names lower-cased, inputs kept exactly as given."""

    def __init__(self) -> None:
        self.databases: dict[str, dict[str, Any]] = {}
        self.tables: dict[str, dict[str, dict[str, Any]]] = {}
        self.partitions: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def get_database(self, name: str) -> dict[str, Any] | None:
        found = self.databases.get(name.lower())
        return copy.deepcopy(found) if found else None

    def list_databases(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(d) for d in self.databases.values()]

    def create_database(self, database_input: dict[str, Any]) -> None:
        name = database_input["Name"].lower()
        if name in self.databases:
            raise CatalogConflict(name)
        self.databases[name] = {**copy.deepcopy(database_input), "Name": name}
        self.tables[name] = {}

    def delete_database(self, name: str) -> None:
        if name.lower() not in self.databases:
            raise CatalogMissing(name)
        del self.databases[name.lower()]
        del self.tables[name.lower()]

    def get_table(self, database: str, name: str) -> dict[str, Any] | None:
        found = self.tables.get(database.lower(), {}).get(name.lower())
        return copy.deepcopy(found) if found else None

    def list_tables(self, database: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(t) for t in self.tables.get(database.lower(), {}).values()]

    def create_table(self, database: str, table_input: dict[str, Any]) -> None:
        tables = self.tables.get(database.lower())
        if tables is None:
            raise CatalogMissing(database)
        name = table_input["Name"].lower()
        if name in tables:
            raise CatalogConflict(name)
        tables[name] = {**copy.deepcopy(table_input), "Name": name, "DatabaseName": database}

    def delete_table(self, database: str, name: str) -> None:
        tables = self.tables.get(database.lower(), {})
        if name.lower() not in tables:
            raise CatalogMissing(name)
        del tables[name.lower()]
        self.partitions.pop((database.lower(), name.lower()), None)

    def get_partitions(self, database: str, table: str) -> list[dict[str, Any]]:
        return copy.deepcopy(self.partitions.get((database.lower(), table.lower()), []))

    def create_partitions(
        self, database: str, table: str, partition_inputs: list[dict[str, Any]]
    ) -> None:
        existing = self.partitions.setdefault((database.lower(), table.lower()), [])
        known = {tuple(p["Values"]) for p in existing}
        if any(tuple(p["Values"]) in known for p in partition_inputs):
            raise CatalogConflict(table)
        existing.extend(copy.deepcopy(partition_inputs))

    def delete_partitions(self, database: str, table: str, values: list[list[str]]) -> None:
        key = (database.lower(), table.lower())
        doomed = {tuple(v) for v in values}
        self.partitions[key] = [
            p for p in self.partitions.get(key, []) if tuple(p["Values"]) not in doomed
        ]


class FileStore:
    """Buckets of objects, each object's bytes in a randomly named file under the bucket."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.objects: dict[str, dict[str, Path]] = {}

    def create_bucket(self, bucket: str) -> None:
        (self.root / bucket).mkdir(parents=True, exist_ok=True)
        self.objects.setdefault(bucket, {})

    def head_bucket(self, bucket: str) -> None:
        if bucket not in self.objects:
            raise BucketMissing(bucket)

    def list_objects(self, bucket: str, prefix: str) -> list[ObjectInfo]:
        if bucket not in self.objects:
            raise BucketMissing(bucket)
        return [
            ObjectInfo(key, path.stat().st_size, path)
            for key, path in sorted(self.objects[bucket].items())
            if key.startswith(prefix)
        ]

    def put_object_bytes(
        self, bucket: str, key: str, data: bytes, content_type: str | None = None
    ) -> None:
        self.head_bucket(bucket)
        path = self.root / bucket / secrets.token_hex(16)
        path.write_bytes(data)
        old = self.objects[bucket].get(key)
        self.objects[bucket][key] = path
        if old is not None:
            old.unlink()

    def get_bytes(self, bucket: str, key: str) -> bytes:
        return self.objects[bucket][key].read_bytes()
