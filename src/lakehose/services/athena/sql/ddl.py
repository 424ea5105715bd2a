"""Hive DDL as Athena runs it: each statement becomes Glue calls through the catalog port.

CREATE EXTERNAL TABLE, CREATE DATABASE / SCHEMA, CREATE [OR REPLACE] VIEW, DROP TABLE / VIEW /
DATABASE, ALTER TABLE ADD / DROP PARTITION and MSCK REPAIR TABLE. Names are lower-cased as Glue
keeps them; tables are written in Glue's shape (``TableType``, ``StorageDescriptor`` with
``SerdeInfo``, ``PartitionKeys`` and ``Parameters`` exactly as declared). Failures read as
Athena's Hive DDL task prints them (``FAILED: SemanticException [Error 10001]: Table not found
db.t``).
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlglot import exp

from lakehose.formats.hive_types import HiveTypeError, parse_hive_type
from lakehose.services.athena.ports import CatalogConflict, CatalogMissing
from lakehose.services.athena.sql.catalog import (
    LAZY_SIMPLE,
    OPENX_JSON,
    PARQUET,
    CatalogTable,
    encode_view,
)
from lakehose.services.athena.sql.context import Context, already_exists, done
from lakehose.services.athena.sql.duck_types import hive_type, trino_type
from lakehose.services.athena.sql.errors import (
    NOT_SUPPORTED,
    QueryFailed,
    ddl_failed,
    semantic_failed,
)
from lakehose.services.athena.sql.files import Location, is_visible
from lakehose.services.athena.sql.outcome import QueryOutcome
from lakehose.services.athena.sql.partitions import hive_path, hive_values
from lakehose.services.athena.sql.words import Words

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"
PARQUET_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
PARQUET_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
# STORED AS <format>: (input format, output format, SerDe).
STORED_AS = {
    "PARQUET": (PARQUET_INPUT, PARQUET_OUTPUT, PARQUET),
    "TEXTFILE": (TEXT_INPUT, TEXT_OUTPUT, LAZY_SIMPLE),
    "JSON": (TEXT_INPUT, TEXT_OUTPUT, OPENX_JSON),
    "ORC": (
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
    ),
}
_DELIMITERS = {
    "fields": "field.delim",
    "escaped": "escape.delim",
    "collection_items": "collection.delim",
    "map_keys": "mapkey.delim",
    "lines": "line.delim",
    "null": "serialization.null.format",
}


def _hive_text(kind: exp.DataType) -> str:
    try:
        return parse_hive_type(kind.sql(dialect="hive")).hive()
    except HiveTypeError as error:
        raise QueryFailed(NOT_SUPPORTED, f"Unsupported column type: {error}") from None


def _column(definition: exp.ColumnDef) -> dict[str, Any]:
    kind = definition.kind
    if kind is None:
        raise QueryFailed(NOT_SUPPORTED, f"Column {definition.name} needs a type")
    column: dict[str, Any] = {"Name": definition.name.lower(), "Type": _hive_text(kind)}
    for constraint in definition.constraints:
        if isinstance(constraint.kind, exp.CommentColumnConstraint):
            column["Comment"] = constraint.kind.this.name
    return column


def create_table(context: Context, create: exp.Create) -> QueryOutcome:
    """CREATE EXTERNAL TABLE: a Glue table of exactly the declared storage."""
    schema = create.this
    target = schema.this if isinstance(schema, exp.Schema) else schema
    properties = create.args.get("properties")
    entries = list(properties.expressions) if properties else []
    if not any(isinstance(p, exp.ExternalProperty) for p in entries):
        raise QueryFailed(
            NOT_SUPPORTED,
            "Only external table creation is supported. If this is an Iceberg table, "
            "specify table_type ='ICEBERG'",
        )
    database, name = context.table_name([p.name for p in target.parts])
    context.require_database(database)
    columns = [_column(c) for c in schema.expressions if isinstance(c, exp.ColumnDef)]
    input_format, output_format, serde = STORED_AS["TEXTFILE"]
    serde_parameters: dict[str, str] = {}
    table: dict[str, Any] = {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE"},
        "PartitionKeys": [],
    }
    location = None
    for prop in entries:
        if isinstance(prop, exp.PartitionedByProperty):
            keys = prop.this.expressions if isinstance(prop.this, exp.Schema) else []
            table["PartitionKeys"] = [_column(c) for c in keys if isinstance(c, exp.ColumnDef)]
        elif isinstance(prop, exp.RowFormatSerdeProperty):
            serde = prop.this.name
            found = prop.args.get("serde_properties")
            for pair in found.expressions if found else []:
                serde_parameters[pair.this.name] = pair.args["value"].name
        elif isinstance(prop, exp.RowFormatDelimitedProperty):
            serde = LAZY_SIMPLE
            for arg, key in _DELIMITERS.items():
                if prop.args.get(arg) is not None:
                    serde_parameters[key] = prop.args[arg].name
            if "field.delim" in serde_parameters:
                serde_parameters["serialization.format"] = serde_parameters["field.delim"]
        elif isinstance(prop, exp.FileFormatProperty):
            stored = prop.this
            if isinstance(stored, exp.InputOutputFormat):
                input_format = stored.args["input_format"].name
                output_format = stored.args["output_format"].name
            else:
                chosen = STORED_AS.get(stored.name.upper())
                if chosen is None:
                    raise QueryFailed(NOT_SUPPORTED, f"STORED AS {stored.name} is not supported")
                input_format, output_format, default_serde = chosen
                if not any(isinstance(p, exp.RowFormatSerdeProperty) for p in entries):
                    serde = default_serde
        elif isinstance(prop, exp.LocationProperty):
            location = Location.parse(prop.this.name).uri()
        elif isinstance(prop, exp.SchemaCommentProperty):
            table["Description"] = prop.this.name
        elif type(prop) is exp.Property:  # TBLPROPERTIES; its subclasses are handled above
            table["Parameters"][prop.this.name] = prop.args["value"].name
    if serde == LAZY_SIMPLE and "serialization.format" not in serde_parameters:
        serde_parameters["serialization.format"] = "1"
    table["StorageDescriptor"] = {
        "Columns": columns,
        "Location": location,
        "InputFormat": input_format,
        "OutputFormat": output_format,
        "Compressed": False,
        "NumberOfBuckets": -1,
        "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_parameters},
        "BucketColumns": [],
        "SortColumns": [],
        "StoredAsSubDirectories": False,
    }
    if location is None:
        del table["StorageDescriptor"]["Location"]
    _create(context, database, table, if_not_exists=bool(create.args.get("exists")))
    return done()


def _create(context: Context, database: str, table: dict[str, Any], if_not_exists: bool) -> None:
    try:
        context.catalog.create_table(database, table)
    except CatalogConflict:
        if not if_not_exists:
            raise already_exists("Table", table["Name"]) from None


def create_view(context: Context, create: exp.Create) -> QueryOutcome:
    """CREATE [OR REPLACE] VIEW: Glue's VIRTUAL_VIEW with the Presto view text Athena writes
    (the view's query exactly as written)."""
    database, name = context.table_name([p.name for p in create.this.parts])
    context.require_database(database)
    body = create.expression
    words = Words.of(context.query)
    while not words.done and not words.accept("AS"):
        words.position += 1
    start = words.tokens[words.position].start if not words.done else None
    sql = context.query[start:] if start is not None else body.sql(dialect="trino")
    selected = context.select(body.copy(), context.query, True)
    columns = [(n.lower(), t) for n, t in zip(selected.names, selected.types, strict=True)]
    table = {
        "Name": name,
        "TableType": "VIRTUAL_VIEW",
        "Parameters": {"presto_view": "true", "comment": "Presto View"},
        "PartitionKeys": [],
        "ViewOriginalText": encode_view(
            sql.strip().rstrip(";"), database, [(n, trino_type(t)) for n, t in columns]
        ),
        "ViewExpandedText": "/* Presto View */",
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": hive_type(t)} for n, t in columns],
            "SerdeInfo": {},
        },
    }
    existing = context.catalog.get_table(database, name)
    if existing is not None:
        if not create.args.get("replace") or existing.get("TableType") != "VIRTUAL_VIEW":
            raise QueryFailed(NOT_SUPPORTED, f"View already exists: '{database}.{name}'")
        context.catalog.delete_table(database, name)
    context.catalog.create_table(database, table)
    return done()


def create_database(context: Context, words: Words) -> QueryOutcome:
    """CREATE DATABASE|SCHEMA [IF NOT EXISTS] name [COMMENT ..] [LOCATION ..] [WITH
    DBPROPERTIES (..)]."""
    exists_ok = words.accept("IF", "NOT", "EXISTS")
    name = words.name()[-1].lower()
    database: dict[str, Any] = {"Name": name}
    while not words.done:
        if words.accept("COMMENT"):
            database["Description"] = words.string()
        elif words.accept("LOCATION"):
            database["LocationUri"] = words.string()
        elif words.accept("WITH", "DBPROPERTIES"):
            database["Parameters"] = words.pairs()
        else:
            raise words.fail("COMMENT, LOCATION, WITH DBPROPERTIES")
    try:
        context.catalog.create_database(database)
    except CatalogConflict:
        if not exists_ok:
            raise already_exists("Database", name) from None
    return done()


def drop(context: Context, words: Words) -> QueryOutcome:
    """DROP TABLE|VIEW|DATABASE|SCHEMA [IF EXISTS] name [CASCADE|RESTRICT]."""
    kind = "DATABASE" if words.accept("SCHEMA") else ""
    for candidate in ("TABLE", "VIEW", "DATABASE"):
        if not kind and words.accept(candidate):
            kind = candidate
    if not kind:
        raise words.fail("TABLE, VIEW, DATABASE, SCHEMA")
    if_exists = words.accept("IF", "EXISTS")
    parts = words.name()
    cascade = words.accept("CASCADE")
    words.accept("RESTRICT")
    words.end()
    if kind == "DATABASE":
        return _drop_database(context, parts[-1].lower(), if_exists, cascade)
    database, name = context.table_name(parts)
    raw = context.catalog.get_table(database, name)
    if raw is None:
        if if_exists:
            return done()
        if context.catalog.get_database(database) is None:
            raise semantic_failed(10072, f"Database does not exist: {database}")
        raise semantic_failed(10001, f"Table not found {database}.{name}")
    is_view = raw.get("TableType") == "VIRTUAL_VIEW"
    if is_view != (kind == "VIEW"):
        wanted = "view" if kind == "VIEW" else "table"
        raise QueryFailed(
            NOT_SUPPORTED,
            f"{database}.{name} is not a {wanted}; use DROP {'TABLE' if is_view else 'VIEW'}",
        )
    context.catalog.delete_table(database, name)
    return done()


def _drop_database(context: Context, name: str, if_exists: bool, cascade: bool) -> QueryOutcome:
    if context.catalog.get_database(name) is None:
        if if_exists:
            return done()
        raise semantic_failed(10072, f"Database does not exist: {name}")
    if context.catalog.list_tables(name) and not cascade:
        raise ddl_not_empty(name)
    with contextlib.suppress(CatalogMissing):
        context.catalog.delete_database(name)
    return done()


def ddl_not_empty(name: str) -> QueryFailed:
    return ddl_failed(
        f"InvalidOperationException(message:Database {name} is not empty. "
        "One or more tables exist.)"
    )


def alter_table(context: Context, words: Words) -> QueryOutcome:
    """ALTER TABLE t ADD [IF NOT EXISTS] PARTITION (..) [LOCATION '..'] [PARTITION ..]..., or
    ALTER TABLE t DROP [IF EXISTS] PARTITION (..)[, PARTITION (..)]..."""
    table = context.existing_table(words.name())
    if words.accept("ADD"):
        exists_ok = words.accept("IF", "NOT", "EXISTS")
        specs: list[tuple[dict[str, str], str | None]] = []
        while words.accept("PARTITION"):
            spec = words.pairs()
            location = words.string() if words.accept("LOCATION") else None
            specs.append((spec, location))
        if not specs:
            raise words.fail("PARTITION")
        words.end()
        partitions = [_partition_input(table, spec, location) for spec, location in specs]
        _add_partitions(context, table, partitions, exists_ok)
        return done()
    if words.accept("DROP"):
        missing_ok = words.accept("IF", "EXISTS")
        values = []
        while words.accept("PARTITION"):
            values.append(_values(table, words.pairs()))
            words.accept(",")
        if not values:
            raise words.fail("PARTITION")
        words.end()
        existing = {
            tuple(p.get("Values") or [])
            for p in context.catalog.get_partitions(table.database, table.name)
        }
        absent = [v for v in values if tuple(v) not in existing]
        if absent and not missing_ok:
            raise semantic_failed(10006, f"Partition not found {_spec_text(table, absent[0])}")
        context.catalog.delete_partitions(table.database, table.name, values)
        return done()
    raise words.fail("ADD, DROP")


def _spec_text(table: CatalogTable, values: list[str]) -> str:
    return (
        "("
        + ", ".join(f"{k.name} = '{v}'" for k, v in zip(table.partition_keys, values, strict=False))
        + ")"
    )


def _values(table: CatalogTable, spec: dict[str, str]) -> list[str]:
    given = {k.lower(): v for k, v in spec.items()}
    keys = [k.name for k in table.partition_keys]
    if set(given) != set(keys):
        raise semantic_failed(
            10098,
            f"Non-Partition column appears in the partition specification: {spec}"
            if set(given) - set(keys)
            else f"Partition spec {spec} contains non-partition columns or misses some",
        )
    return [given[k] for k in keys]


def _partition_input(
    table: CatalogTable, spec: dict[str, str], location: str | None
) -> dict[str, Any]:
    values = _values(table, spec)
    uri = location or table.location.child(hive_path(table, values)).uri()
    descriptor = dict(table.descriptor)
    descriptor["Location"] = uri
    return {"Values": values, "StorageDescriptor": descriptor}


def _add_partitions(
    context: Context, table: CatalogTable, partitions: list[dict[str, Any]], exists_ok: bool
) -> int:
    existing = {
        tuple(p.get("Values") or [])
        for p in context.catalog.get_partitions(table.database, table.name)
    }
    fresh = [p for p in partitions if tuple(p["Values"]) not in existing]
    if len(fresh) < len(partitions) and not exists_ok:
        raise already_exists("Partition", "")
    if fresh:
        context.catalog.create_partitions(table.database, table.name, fresh)
    return len(fresh)


def msck_repair(context: Context, words: Words) -> QueryOutcome:
    """MSCK REPAIR TABLE t: add the partitions whose Hive folders exist but are not in Glue
    (never removes any)."""
    words.expect("REPAIR", "TABLE")
    table = context.existing_table(words.name())
    words.end()
    if not table.partition_keys:
        return done()
    keys = [k.name for k in table.partition_keys]
    location = table.location
    found: dict[tuple[str, ...], None] = {}
    for info in context.store.list_objects(location.bucket, location.prefix):
        relative = info.key[len(location.prefix) :]
        values = hive_values(relative, keys)
        if values is not None and is_visible(relative.split("/")[-1]):
            found.setdefault(values)
    partitions = [_partition_input(table, dict(zip(keys, v, strict=False)), None) for v in found]
    existing = {
        tuple(p.get("Values") or [])
        for p in context.catalog.get_partitions(table.database, table.name)
    }
    added = [p for p in partitions if tuple(p["Values"]) not in existing]
    if added:
        context.catalog.create_partitions(table.database, table.name, added)
    return done()
