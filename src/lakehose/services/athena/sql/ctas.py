"""CREATE TABLE AS SELECT and INSERT INTO: rows written as files through the object store
port, the table (and its partitions) registered in Glue.

CTAS takes Athena's table properties: ``format`` (PARQUET, the default, or JSON),
``external_location`` (which must be empty; by default ``<output location>tables/<query id>/``),
``partitioned_by`` (the SELECT's last columns, in order) and ``write_compression``. Files are
named ``<query id>_<n>`` (``.gz`` for JSON, which is gzip-compressed as Athena writes it), one
per partition. ``WITH NO DATA`` registers the table only. INSERT INTO appends files to an
existing Parquet or JSON table, adding the partitions it creates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from duckdb.sqltypes import SQLNULL, DuckDBPyType
from sqlglot import exp

from lakehose.formats.hive_types import HiveType, parse_hive_type
from lakehose.services.athena.ports import CatalogConflict
from lakehose.services.athena.sql.catalog import CatalogTable
from lakehose.services.athena.sql.context import Context, Selected, done
from lakehose.services.athena.sql.ddl import STORED_AS
from lakehose.services.athena.sql.duck_types import hive_type, trino_type
from lakehose.services.athena.sql.errors import (
    HIVE_PATH_ALREADY_EXISTS,
    HIVE_TOO_MANY_OPEN_PARTITIONS,
    INVALID_TABLE_PROPERTY,
    NOT_SUPPORTED,
    TYPE_MISMATCH,
    QueryFailed,
)
from lakehose.services.athena.sql.files import Location, is_empty, put_object
from lakehose.services.athena.sql.outcome import QueryOutcome
from lakehose.services.athena.sql.partitions import HIVE_DEFAULT_PARTITION, hive_path
from lakehose.services.athena.sql.render import render_value
from lakehose.services.athena.sql.serde_text import TextOptions
from lakehose.services.athena.sql.writers import FileFormat, encode

# Trino's hive.max-partitions-per-writers, which Athena keeps at 100 for CTAS, INSERT INTO and
# UNLOAD ("the maximum number of partitions ... is 100").
MAX_PARTITIONS_WRITTEN = 100


@dataclass(frozen=True)
class Target:
    """Where and how rows are written."""

    location: Location
    file_format: FileFormat
    columns: list[tuple[str, HiveType]]  # data columns
    keys: list[tuple[str, HiveType]]  # partition columns (the rows' last columns)


def _property(value: exp.Expr) -> Any:
    if isinstance(value, exp.Array):
        return [v.name for v in value.expressions]
    return value.name


def properties(create: exp.Create) -> dict[str, Any]:
    """A CTAS's ``WITH (...)`` properties by lower-case name (``format``, ``partitioned_by``,
    ``external_location``, ``no_data`` and the others as written)."""
    found: dict[str, Any] = {}
    properties = create.args.get("properties")
    for prop in properties.expressions if properties else []:
        if isinstance(prop, exp.FileFormatProperty):
            found["format"] = prop.this.name
        elif isinstance(prop, exp.PartitionedByProperty):
            found["partitioned_by"] = _property(prop.this)
        elif isinstance(prop, exp.WithDataProperty):
            found["no_data"] = bool(prop.args.get("no"))
        elif type(prop) is exp.Property:  # WITH (name = value); its subclasses are above
            found[prop.this.name.lower()] = _property(prop.args["value"])
        elif isinstance(prop, exp.LocationProperty):
            found["external_location"] = prop.this.name
    return found


def create_table_as(context: Context, create: exp.Create) -> QueryOutcome:
    database, name = context.table_name([p.name for p in create.this.parts])
    context.require_database(database)
    options = properties(create)
    if str(options.get("table_type", "HIVE")).upper() != "HIVE":
        raise QueryFailed(NOT_SUPPORTED, f"table_type {options['table_type']} is not supported")
    if options.get("bucketed_by"):
        raise QueryFailed(NOT_SUPPORTED, "bucketed_by is not supported")
    if context.catalog.get_table(database, name) is not None:
        if create.args.get("exists"):
            return done("DDL")
        raise QueryFailed(
            INVALID_TABLE_PROPERTY, f"Table 'awsdatacatalog.{database}.{name}' already exists"
        )
    location = _location(context, options, database, name)
    selected = context.select(create.expression, context.query, bool(options.get("no_data")))
    target = _target(selected, options, location)
    keys = [n for n, _ in target.keys]
    written = [] if options.get("no_data") else write(context, target, selected)
    table = _table_input(name, target)
    try:
        context.catalog.create_table(database, table)
    except CatalogConflict:
        raise QueryFailed(
            INVALID_TABLE_PROPERTY, f"Table 'awsdatacatalog.{database}.{name}' already exists"
        ) from None
    if keys and written:
        registered = context.resolver.lookup(database, name)
        _register_partitions(context, registered, list(_partitions(selected, len(keys))))
    outcome = done("DDL")
    outcome.update_count = selected.table.num_rows if written else 0
    outcome.written_files = written
    outcome.data_scanned_bytes = selected.scanned
    outcome.files_opened = selected.files
    return outcome


def _location(context: Context, options: dict[str, Any], database: str, name: str) -> Location:
    given = options.get("external_location")
    if given:
        location = Location.parse(str(given))
        if not is_empty(context.store, location):
            raise QueryFailed(
                HIVE_PATH_ALREADY_EXISTS,
                f"Target directory for table '{database}.{name}' already exists: {given}",
            )
        return location
    if not context.output_location:
        raise QueryFailed(
            INVALID_TABLE_PROPERTY, "external_location or an output location is required"
        )
    base = Location.parse(context.output_location)
    return base.child(f"tables/{context.query_id}")


def _target(selected: Selected, options: dict[str, Any], location: Location) -> Target:
    stored = str(options.get("format", "PARQUET")).upper()
    if stored not in ("PARQUET", "JSON", "TEXTFILE"):
        # ORC and AVRO tables could be written but not read back by lakehose.
        raise QueryFailed(NOT_SUPPORTED, f"format {stored} is not supported for writing")
    compression = options.get("write_compression")
    return target_of(selected, location, _file_format(stored, compression, options), options)


def _file_format(stored: str, compression: Any, options: dict[str, Any]) -> FileFormat:
    delimiter = options.get("field_delimiter")
    text = {"delimiter": str(delimiter)} if delimiter and stored == "TEXTFILE" else {}
    return FileFormat.of(stored, str(compression) if compression else None, **text)


def target_of(
    selected: Selected, location: Location, file_format: FileFormat, options: dict[str, Any]
) -> Target:
    """Where and how a SELECT's rows are written, its last columns the ``partitioned_by``."""
    columns = [
        (n.lower(), parse_hive_type(hive_type(t)))
        for n, t in zip(selected.names, selected.types, strict=True)
    ]
    wanted = [str(k).lower() for k in options.get("partitioned_by") or []]
    if wanted and [n for n, _ in columns[-len(wanted) :]] != wanted:
        raise QueryFailed(
            INVALID_TABLE_PROPERTY,
            "Partition keys must be the last columns in the table and in the same order as the "
            f"table properties: {wanted}",
        )
    split = len(columns) - len(wanted)
    return Target(location, file_format, columns[:split], columns[split:])


def _table_input(name: str, target: Target) -> dict[str, Any]:
    stored = target.file_format
    input_format, output_format, serde = STORED_AS[stored.name]
    parameters = {"has_encrypted_data": "false", "EXTERNAL": "TRUE"}
    if stored.name == "PARQUET":
        parameters["parquet.compression"] = stored.compression
    serde_parameters = {"serialization.format": "1"}
    if stored.name == "TEXTFILE":
        serde_parameters["field.delim"] = stored.delimiter
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": parameters,
        "PartitionKeys": [{"Name": n, "Type": t.hive()} for n, t in target.keys],
        "StorageDescriptor": {
            "Columns": [{"Name": n, "Type": t.hive()} for n, t in target.columns],
            "Location": target.location.uri(),
            "InputFormat": input_format,
            "OutputFormat": output_format,
            "Compressed": False,
            "NumberOfBuckets": -1,
            "SerdeInfo": {
                "SerializationLibrary": serde,
                "Parameters": serde_parameters,
            },
            "StoredAsSubDirectories": False,
        },
    }


def _partitions(selected: Selected, count: int) -> dict[tuple[str, ...], list[int]]:
    """The rows of each partition (its values as folder text), in order of appearance."""
    if count == 0:
        return {(): list(range(selected.table.num_rows))}
    columns = selected.table.columns[-count:]
    kinds = selected.types[-count:]
    texts = [
        [_folder_text(v, kind) for v in column.to_pylist()]
        for column, kind in zip(columns, kinds, strict=True)
    ]
    groups: dict[tuple[str, ...], list[int]] = {}
    for row, values in enumerate(zip(*texts, strict=True)):
        groups.setdefault(values, []).append(row)
    return groups


def _folder_text(value: Any, kind: Any) -> str:
    text = render_value(value, kind)
    return HIVE_DEFAULT_PARTITION if text is None else text


def write(context: Context, target: Target, selected: Selected) -> list[str]:
    """Write the rows, one file per partition; returns the files' ``s3://`` URIs (the lines
    of Athena's ``<query id>-manifest.csv``)."""
    data_schema = pa.schema([pa.field(n, t.arrow()) for n, t in target.columns])
    table = selected.table
    count = len(target.keys)
    written: list[str] = []
    if table.num_rows == 0:
        return written  # Athena writes no file for no rows
    groups = _partitions(selected, count)
    if len(groups) > MAX_PARTITIONS_WRITTEN:
        raise QueryFailed(
            HIVE_TOO_MANY_OPEN_PARTITIONS,
            f"Exceeded limit of {MAX_PARTITIONS_WRITTEN} open writers for partitions/buckets",
        )
    kinds = selected.types[: len(target.columns)]
    extension = target.file_format.extension
    for index, (values, indexes) in enumerate(groups.items()):
        rows = table.take(pa.array(indexes, pa.int64())) if count else table
        data = _conform(rows.select(list(range(len(target.columns)))), data_schema)
        folder = target.location
        if count:
            folder = folder.child(
                "/".join(f"{n}={v}" for (n, _), v in zip(target.keys, values, strict=True))
            )
        key = f"{folder.prefix}{context.query_id}_{index:05d}{extension}"
        put_object(context.store, folder.bucket, key, encode(data, kinds, target.file_format))
        written.append(f"s3://{folder.bucket}/{key}")
    return written


def _conform(rows: pa.Table, schema: pa.Schema) -> pa.Table:
    arrays = []
    for column, field in zip(rows.columns, schema, strict=True):
        if pa.types.is_timestamp(column.type) and column.type.tz is not None:
            column = column.cast(pa.timestamp("us", tz="UTC")).cast(pa.timestamp("us"))
        try:
            arrays.append(column.cast(field.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as error:
            raise QueryFailed(TYPE_MISMATCH, f"Cannot write column {field.name}: {error}") from None
    return pa.Table.from_arrays(arrays, schema=schema)


def _register_partitions(
    context: Context, table: CatalogTable, values: list[tuple[str, ...]]
) -> None:
    existing = {
        tuple(p.get("Values") or [])
        for p in context.catalog.get_partitions(table.database, table.name)
    }
    fresh = []
    for partition in values:
        if partition in existing:
            continue
        descriptor = dict(table.descriptor)
        descriptor["Location"] = table.location.child(hive_path(table, partition)).uri()
        fresh.append({"Values": list(partition), "StorageDescriptor": descriptor})
    if fresh:
        context.catalog.create_partitions(table.database, table.name, fresh)


def insert_into(context: Context, insert: exp.Insert) -> QueryOutcome:
    target_node = insert.this
    named = target_node.expressions if isinstance(target_node, exp.Schema) else []
    table_node = target_node.this if isinstance(target_node, exp.Schema) else target_node
    table = context.resolver.table([p.name for p in table_node.parts])
    file_format = _table_format(table)  # before the SELECT runs: refuse early
    selected = context.select(insert.expression, context.query, False)
    columns = [(c.name, c.type) for c in table.all_columns()]
    chosen = [n.name.lower() for n in named] or [n for n, _ in columns]
    if len(chosen) != len(selected.names):
        raise QueryFailed(
            TYPE_MISMATCH,
            "Insert query has mismatched column types: Table: "
            f"[{', '.join(t.trino() for n, t in columns if n in chosen)}], "
            f"Query: [{', '.join(trino_type(t) for t in selected.types)}]",
        )
    by_name = dict(zip(chosen, range(len(chosen)), strict=True))
    arrays: list[pa.Array | pa.ChunkedArray] = []
    kinds: list[DuckDBPyType] = []
    for name, kind in columns:
        if name in by_name:
            arrays.append(selected.table.column(by_name[name]))
            kinds.append(selected.types[by_name[name]])
        else:
            arrays.append(pa.nulls(selected.table.num_rows, kind.arrow()))
            kinds.append(SQLNULL)  # not given: NULL (its partition is the default one)
    keys = [(k.name, k.type) for k in table.partition_keys]
    aligned = Selected(
        names=[n for n, _ in columns],
        types=kinds,
        table=pa.Table.from_arrays(arrays, names=[n for n, _ in columns]),
        scanned=selected.scanned,
        files=selected.files,
    )
    data_columns = [(c.name, c.type) for c in table.columns]
    target = Target(table.location, file_format, data_columns, keys)
    written = write(context, target, aligned)
    if keys and written:
        _register_partitions(context, table, list(_partitions(aligned, len(keys))))
    outcome = done("DML")
    outcome.update_count = aligned.table.num_rows
    outcome.written_files = written
    outcome.data_scanned_bytes = selected.scanned
    outcome.files_opened = selected.files
    return outcome


def _table_format(table: CatalogTable) -> FileFormat:
    """How INSERT INTO writes a table's files: its SerDe's format; text compressed with GZIP,
    Parquet with the table's ``parquet.compression`` (else GZIP, Athena's default)."""
    if table.format == "parquet":
        return FileFormat.of("PARQUET", table.parameters.get("parquet.compression"))
    if table.format == "json":
        return FileFormat.of("JSON", None)
    if table.format in ("text", "csv"):
        options = TextOptions.from_table(table.format, table.serde_parameters, table.parameters)
        if options.skip_lines:
            raise QueryFailed(
                NOT_SUPPORTED,
                "Inserting into a table with skip.header.line.count is not supported",
            )
        if options.csv:
            return FileFormat.csv(options.delimiter, options.quote, options.escape)
        return FileFormat.of(
            "TEXTFILE",
            None,
            delimiter=options.delimiter,
            escape=options.escape,
            null_text=options.null_format or "\\N",
        )
    raise QueryFailed(NOT_SUPPORTED, f"Inserting into {table.format} tables is not supported")
