"""Planned scans made into DuckDB relations, with the Glue schema applied.

* JSON (and delimited text) files are read in Python, line by line as the SerDe reads them
  (``serde_json``, ``serde_text``), and registered as Arrow tables.
* Parquet files are read by DuckDB's ``read_parquet`` over the listed file paths (which are
  the only paths the sandbox lets it open), columns matched by name ignoring case, as Athena
  matches them, and cast to the Glue types; a column no file has is NULL.

Partition columns are constants per file, typed as their keys declare. Every file opened goes
through ``Meter.open``, which counts files and bytes (Athena's DataScannedInBytes: the stored,
compressed size), enforces the workgroup's cutoff and notices a cancellation between files.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from lakehose.services.athena.ports import ObjectStorePort
from lakehose.services.athena.sql import pseudo_columns
from lakehose.services.athena.sql.catalog import Column
from lakehose.services.athena.sql.duck_columns import duckdb_type, quote
from lakehose.services.athena.sql.errors import (
    HIVE_BAD_DATA,
    HIVE_CURSOR_ERROR,
    HIVE_INVALID_PARTITION_VALUE,
    QueryFailed,
    cancelled_by_user,
    scan_limit_exceeded,
)
from lakehose.services.athena.sql.files import DataFile, decompress, read_bytes, split_lines
from lakehose.services.athena.sql.json_values import BadValue
from lakehose.services.athena.sql.partitions import HIVE_DEFAULT_PARTITION
from lakehose.services.athena.sql.planner import Scan
from lakehose.services.athena.sql.serde_json import (
    JsonColumn,
    JsonOptions,
    JsonReader,
    MalformedJson,
)
from lakehose.services.athena.sql.serde_text import TextOptions, decode_text

ROW_MARKER = "__lh_row"  # keeps the row count of a relation no column of which is read


@dataclass
class Meter:
    """Files and bytes a query has opened, against its cutoff and cancel flag."""

    cutoff: int | None = None
    cancel: threading.Event | None = None
    scanned: int = 0
    files: int = 0

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise cancelled_by_user()

    def open(self, data_file: DataFile) -> None:
        self.check_cancel()
        self.files += 1
        self.scanned += data_file.size
        if self.cutoff is not None and self.scanned > self.cutoff:
            raise scan_limit_exceeded(self.scanned)


def register(
    connection: duckdb.DuckDBPyConnection, scan: Scan, store: ObjectStorePort, meter: Meter
) -> None:
    """Make ``scan.relation`` readable on the connection."""
    if scan.table.format == "parquet":
        for data_file, _ in scan.files:
            meter.open(data_file)
        connection.execute(_parquet_view(scan))
        return
    connection.register(scan.relation, _read_text(scan, store, meter))


def _partition_value(key: Column, value: str, rows: int) -> pa.Array:
    """A partition column's constant value for a file's rows, typed as its key declares."""
    text = None if value == HIVE_DEFAULT_PARTITION else value
    try:
        typed = pa.array([text], pa.string()).cast(key.type.arrow())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        raise QueryFailed(
            HIVE_INVALID_PARTITION_VALUE,
            f"Invalid partition value '{value}' for {key.type.trino().upper()} "
            f"partition key: {key.name}={value}",
        ) from None
    return pa.repeat(typed[0], rows)


def _marked(scan: Scan) -> bool:
    """Whether the relation needs a marker column: it has no other column to hold its rows."""
    return not scan.columns and not scan.table.partition_keys


def _schema(scan: Scan) -> pa.Schema:
    fields = [pa.field(c.name, c.type.arrow()) for c in (*scan.columns, *scan.table.partition_keys)]
    marker = [pa.field(ROW_MARKER, pa.null())] if _marked(scan) else []
    return pa.schema([*fields, *pseudo_columns.fields(scan.hidden), *marker])


def _read_text(scan: Scan, store: ObjectStorePort, meter: Meter) -> pa.Table:
    """Every file of a JSON or text table, decoded into one Arrow table."""
    table = scan.table
    wanted = {c.name for c in scan.columns}
    ordinals = [(i, c) for i, c in enumerate(table.columns) if c.name in wanted]
    json = JsonReader(
        [JsonColumn(c.name, c.type, i) for i, c in ordinals],
        JsonOptions.from_serde(table.serde_parameters),
    )
    text_options = TextOptions.from_table(table.format, table.serde_parameters, table.parameters)
    pieces: list[list[pa.Array]] = [[pa.array([], c.type.arrow()) for _, c in ordinals]]
    counts: list[tuple[tuple[str, ...], int]] = []
    hidden: list[list[pa.Array]] = [pseudo_columns.empty(scan.hidden)]
    for data_file, values in scan.files:
        meter.open(data_file)
        text = decompress(data_file.info.key, read_bytes(store, data_file))
        if table.format == "json":
            lines = split_lines(text)
            _read_json(json, lines)
            rows = len(lines)
        else:
            arrays, rows = decode_text(text, [(i, c.type) for i, c in ordinals], text_options)
            pieces.append(arrays)
        counts.append((values, rows))
        hidden.append(pseudo_columns.arrays(scan.hidden, data_file, rows))
        meter.check_cancel()
    if table.format == "json":
        pieces.append(json.finish())
    data = [pa.concat_arrays([piece[i] for piece in pieces]) for i in range(len(ordinals))]
    keys = [
        pa.concat_arrays(
            [pa.array([], key.type.arrow())]
            + [_partition_value(key, values[k], rows) for values, rows in counts]
        )
        for k, key in enumerate(table.partition_keys)
    ]
    extra = [pa.concat_arrays([piece[i] for piece in hidden]) for i in range(len(scan.hidden))]
    total = sum(rows for _, rows in counts)
    marker = [pa.nulls(total)] if _marked(scan) else []
    return pa.Table.from_arrays([*data, *keys, *extra, *marker], schema=_schema(scan))


def _read_json(reader: JsonReader, lines: list[bytes]) -> None:
    try:
        reader.read(lines)
    except MalformedJson as error:
        raise QueryFailed(
            HIVE_CURSOR_ERROR, f"Row is not a valid JSON Object - JSONException: {error}"
        ) from None
    except BadValue as error:
        raise QueryFailed(HIVE_BAD_DATA, str(error)) from None


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _parquet_view(scan: Scan) -> str:
    groups: dict[tuple[str, ...], list[DataFile]] = defaultdict(list)
    selects: list[str] = []
    for data_file, values in scan.files:
        if scan.hidden:  # one SELECT a file, to give each its own hidden values
            selects.append(_parquet_select(scan, values, [data_file]))
        else:
            groups[values].append(data_file)
    selects += [_parquet_select(scan, values, files) for values, files in groups.items()]
    if not selects:
        selects = [_parquet_select(scan, (), [])]
    return f"CREATE VIEW {quote(scan.relation)} AS " + " UNION ALL ".join(selects)


def _parquet_select(scan: Scan, values: tuple[str, ...], files: list[DataFile]) -> str:
    present: set[str] = set()
    for data_file in files:
        present.update(n.lower() for n in pq.read_schema(data_file.info.path).names)

    def cast(column: Column, source: str) -> str:
        return f"CAST({source} AS {duckdb_type(column.type)}) AS {quote(column.name)}"

    items = [cast(c, quote(c.name) if c.name in present else "NULL") for c in scan.columns]
    keys = scan.table.partition_keys
    for key, value in zip(keys, values or [None] * len(keys), strict=False):
        text = "NULL" if value in (None, HIVE_DEFAULT_PARTITION) else _literal(str(value))
        items.append(cast(key, text))
    items += pseudo_columns.sql_items(scan.hidden, files[0] if len(files) == 1 else None)
    if _marked(scan):
        items.append(f"NULL AS {ROW_MARKER}")
    if not files:
        return f"SELECT {', '.join(items)} WHERE false"
    paths = ", ".join(_literal(str(f.info.path)) for f in files)
    return f"SELECT {', '.join(items)} FROM read_parquet([{paths}], union_by_name = true)"
