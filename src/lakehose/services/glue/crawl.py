"""One crawl of one S3 target: from the objects under a path to a table and its partitions.

Steps, as a Glue crawler takes them for a path it treats as one table:

1. List the objects under the target's folder; skip folder markers, empty objects, hidden paths
   (a segment starting with ``_`` or ``.``, Hive's convention) and the target's ``Exclusions``
   (globs relative to the path: ``*`` within a segment, ``**`` across, ``?``, ``[...]``, ``{a,b}``).
2. Partition levels are the folders every object has below the path (the shallowest object
   decides). A level whose folders are all ``key=value`` with one key is named ``key``; any other
   level is ``partition_0``, ``partition_1``, ... after its depth. Partition keys are ``string``.
3. Read each object (``SampleSize`` limits the objects read per folder) and classify it
   (``inference``); the table takes the classification of the first object recognised, and the
   union of the schemas of the objects of that classification.
4. The table is named after the path's last folder (the bucket's name at its root), prefixed
   with ``TablePrefix``, lowercased, other characters than ``a-z0-9_`` as ``_``; its statistics
   (``sizeKey``, ``objectCount``, ``recordCount``, ``averageRecordSize``) are written in the
   ``Parameters`` of the table and of each partition's storage descriptor, as Glue writes them.

Nothing here touches the catalog: ``crawlers`` applies the plan in one transaction.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from lakehose.services.glue.errors import InvalidInputException
from lakehose.services.glue.expressions import regex_full_matches
from lakehose.services.glue.inference import NULL, FileSchema, HiveType, classify, merge, render
from lakehose.services.glue.ports import ObjectInfo, ObjectSource

JSON_SERDE = "org.openx.data.jsonserde.JsonSerDe"
PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
_FORMATS = {
    "json": (
        "org.apache.hadoop.mapred.TextInputFormat",
        "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
    ),
    "parquet": (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    ),
}


@dataclass(frozen=True)
class Target:
    """An S3 target as a crawl reads it."""

    bucket: str
    prefix: str  # "" (bucket root) or a folder ending in "/"
    exclusions: tuple[str, ...] = ()
    sample_size: int | None = None

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    @classmethod
    def parse(cls, s3_target: dict[str, Any]) -> Target:
        path = str(s3_target.get("Path", ""))
        found = re.fullmatch(r"s3a?://([^/]+)/?(.*)", path)
        if found is None:
            raise InvalidInputException(f"Invalid S3 target path: {path}")
        prefix = found.group(2)
        if prefix and not prefix.endswith("/"):
            prefix += "/"  # a path names a folder: s3://bucket/data is s3://bucket/data/
        return cls(
            found.group(1),
            prefix,
            tuple(s3_target.get("Exclusions", [])),
            s3_target.get("SampleSize"),
        )


@dataclass
class Stats:
    size: int = 0
    objects: int = 0
    records: int = 0

    def add(self, info: ObjectInfo, schema: FileSchema) -> None:
        self.size += info.size
        self.objects += 1
        self.records += schema.records


@dataclass
class TablePlan:
    """A crawled table: its TableInput and the PartitionInput of each partition found."""

    name: str
    table_input: dict[str, Any]
    partitions: list[dict[str, Any]] = field(default_factory=list)


def plan_table(
    objects: ObjectSource,
    target: Target,
    *,
    crawler: str,
    table_prefix: str,
    now: float,
    sample_records: int,
) -> TablePlan | None:
    """The table the objects under ``target`` make, or None when none is recognised."""
    files = _files(objects, target)
    if not files:
        return None
    depth = min(len(parts) - 1 for parts, _ in files)
    keys = _partition_keys([parts[:depth] for parts, _ in files])
    schemas = _read(objects, target, files, sample_records)
    if not schemas:
        return None
    classification = schemas[0][2].classification
    chosen = [entry for entry in schemas if entry[2].classification == classification]
    compression = chosen[0][2].compression
    columns: dict[str, HiveType] = {}
    paths: set[str] = set()
    table_stats = Stats()
    partition_stats: dict[tuple[str, ...], Stats] = {}
    for parts, info, schema in chosen:
        for name, kind in schema.columns.items():
            # Hive folds column names to lowercase; the SerDe's "paths" keeps the keys as found.
            columns[name.lower()] = merge(columns.get(name.lower(), NULL), kind)
            paths.add(name)
        table_stats.add(info, schema)
        partition_stats.setdefault(tuple(parts[:depth]), Stats()).add(info, schema)
    serde: dict[str, Any] = (
        {"SerializationLibrary": JSON_SERDE, "Parameters": {"paths": ",".join(sorted(paths))}}
        if classification == "json"
        else {"SerializationLibrary": PARQUET_SERDE, "Parameters": {"serialization.format": "1"}}
    )

    def descriptor(location: str, stats: Stats) -> dict[str, Any]:
        return {
            "Columns": [{"Name": name, "Type": render(kind)} for name, kind in columns.items()],
            "Location": location,
            "InputFormat": _FORMATS[classification][0],
            "OutputFormat": _FORMATS[classification][1],
            "Compressed": compression != "none",
            "NumberOfBuckets": -1,
            "SerdeInfo": serde,
            "BucketColumns": [],
            "SortColumns": [],
            "Parameters": _parameters(crawler, classification, compression, stats),
            "StoredAsSubDirectories": False,
        }

    name = _table_name(table_prefix, target)
    plan = TablePlan(
        name,
        {
            "Name": name,
            "Owner": "owner",
            "LastAccessTime": now,
            "Retention": 0,
            "StorageDescriptor": descriptor(target.location, table_stats),
            "PartitionKeys": [{"Name": key, "Type": "string"} for key in keys],
            "TableType": "EXTERNAL_TABLE",
            "Parameters": _parameters(crawler, classification, compression, table_stats),
        },
    )
    for folders, stats in partition_stats.items():
        location = target.location + "".join(f"{folder}/" for folder in folders)
        values = [_value(folder, key) for folder, key in zip(folders, keys, strict=True)]
        plan.partitions.append(
            {
                "Values": values,
                "LastAccessTime": now,
                "StorageDescriptor": descriptor(location, stats),
            }
        )
    return plan


def _files(objects: ObjectSource, target: Target) -> list[tuple[list[str], ObjectInfo]]:
    """Objects the crawl considers, as (path segments below the target, listing entry)."""
    files = []
    for info in objects.list_keys(target.bucket, target.prefix):
        relative = info.key[len(target.prefix) :]
        parts = relative.split("/")
        if not parts[-1] or info.size == 0:
            continue  # a folder marker or an empty object
        if any(part.startswith(("_", ".")) for part in parts):
            continue
        files.append((parts, info))
    for pattern in target.exclusions:
        # By RE2: a glob's stars and alternatives would make Python's re backtrack
        # exponentially ("**a**a**a...b" against a long key).
        try:
            excluded = regex_full_matches(
                glob_regex(pattern), ["/".join(parts) for parts, _ in files], ignore_case=False
            )
        except ValueError:
            raise InvalidInputException(f"Invalid exclusion pattern: {pattern}") from None
        files = [entry for entry, out in zip(files, excluded, strict=True) if not out]
    return sorted(files, key=lambda entry: entry[1].key)


def _read(
    objects: ObjectSource,
    target: Target,
    files: list[tuple[list[str], ObjectInfo]],
    sample_records: int,
) -> list[tuple[list[str], ObjectInfo, FileSchema]]:
    read_per_folder: Counter[tuple[str, ...]] = Counter()
    schemas = []
    for parts, info in files:
        folder = tuple(parts[:-1])
        if target.sample_size is not None and read_per_folder[folder] >= target.sample_size:
            continue
        read_per_folder[folder] += 1
        schema = classify(
            info.key, objects.get_object_bytes(target.bucket, info.key), sample_records
        )
        if schema is not None:
            schemas.append((parts, info, schema))
    return schemas


def _partition_keys(folders: Sequence[Sequence[str]]) -> list[str]:
    if not folders:
        return []
    keys = []
    for level in range(len(folders[0])):
        names = {
            segment.split("=", 1)[0] if "=" in segment else None
            for segment in (path[level] for path in folders)
        }
        name = next(iter(names)) if len(names) == 1 else None
        keys.append(name.lower() if name else f"partition_{level}")
    return keys


def _value(folder: str, key: str) -> str:
    """A partition value from its folder: ``year=2024`` is ``2024`` (Hive unescapes ``%XX``)."""
    if not key.startswith("partition_") and "=" in folder:
        return unquote(folder.split("=", 1)[1])
    return folder


def _table_name(table_prefix: str, target: Target) -> str:
    folder = target.prefix.rstrip("/").rsplit("/", 1)[-1] or target.bucket
    return re.sub(r"[^a-z0-9_]", "_", f"{table_prefix}{folder}".lower())


def _parameters(
    crawler: str, classification: str, compression: str, stats: Stats
) -> dict[str, str]:
    average = stats.size // stats.records if stats.records else 0
    return {
        "CrawlerSchemaDeserializerVersion": "1.0",
        "CrawlerSchemaSerializerVersion": "1.0",
        "UPDATED_BY_CRAWLER": crawler,
        "averageRecordSize": str(average),
        "classification": classification,
        "compressionType": compression,
        "objectCount": str(stats.objects),
        "recordCount": str(stats.records),
        "sizeKey": str(stats.size),
        "typeOfData": "file",
    }


def glob_regex(pattern: str) -> str:
    """A Glue exclusion glob as a regular expression over the key below the target."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        end = pattern.find("}" if char == "{" else "]", index + 1) if char in "{[" else -1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "{" and end > 0:
            alternatives = pattern[index + 1 : end].split(",")
            out.append("(?:" + "|".join(glob_regex(item) for item in alternatives) + ")")
            index = end
        elif char == "[" and end > 0:
            body = pattern[index + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)
