"""The Hive connector's hidden columns: ``"$path"``, ``"$file_size"``, ``"$file_modified_time"``.

Every row of a table answers them for the file it was read from: the object's ``s3://`` URI
(varchar), its stored size (bigint) and when it was last written (timestamp(3) with time zone).
They are hidden: a relation carries them only when the query names them, and ``*`` leaves them
out (``* EXCLUDE``), as Trino's ``SELECT *`` does.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
from sqlglot import exp

from lakehose.services.athena.sql.files import DataFile

PATH, FILE_SIZE, FILE_MODIFIED_TIME = "$path", "$file_size", "$file_modified_time"
TYPES = {
    PATH: pa.string(),
    FILE_SIZE: pa.int64(),
    FILE_MODIFIED_TIME: pa.timestamp("ms", tz="UTC"),
}
_DUCKDB_TYPES = {PATH: "VARCHAR", FILE_SIZE: "BIGINT", FILE_MODIFIED_TIME: "TIMESTAMPTZ"}


def used(names: set[str]) -> list[str]:
    """The hidden columns among the (lower-case) names a query uses, in a fixed order."""
    return [name for name in TYPES if name in names]


def _modified(data_file: DataFile) -> datetime:
    info = data_file.info
    seconds = info.last_modified if info.last_modified is not None else info.path.stat().st_mtime
    # Athena shows millisecond precision.
    return datetime.fromtimestamp(int(seconds * 1000) / 1000, UTC)


def _value(name: str, data_file: DataFile) -> object:
    if name == PATH:
        return f"s3://{data_file.bucket}/{data_file.info.key}"
    if name == FILE_SIZE:
        return data_file.size
    return _modified(data_file)


def arrays(names: list[str], data_file: DataFile, rows: int) -> list[pa.Array]:
    """The hidden columns of a file's ``rows`` rows."""
    return [pa.repeat(pa.scalar(_value(n, data_file), TYPES[n]), rows) for n in names]


def empty(names: list[str]) -> list[pa.Array]:
    return [pa.array([], TYPES[name]) for name in names]


def fields(names: list[str]) -> list[pa.Field]:
    return [pa.field(name, TYPES[name]) for name in names]


def sql_items(names: list[str], data_file: DataFile | None) -> list[str]:
    """The hidden columns as SELECT items of one file's rows (NULL without a file)."""
    items = []
    for name in names:
        if data_file is None:
            value = "NULL"
        elif name == FILE_MODIFIED_TIME:
            value = f"'{_modified(data_file).isoformat()}'"
        elif name == PATH:
            value = "'" + str(_value(name, data_file)).replace("'", "''") + "'"
        else:
            value = str(_value(name, data_file))
        items.append(f'CAST({value} AS {_DUCKDB_TYPES[name]}) AS "{name}"')
    return items


def hide_from_stars(tree: exp.Expr, hidden: dict[str, list[str]]) -> None:
    """``*`` of a SELECT reading a relation with hidden columns excludes them.

    ``hidden`` maps the name a relation is referred to by (its alias) to its hidden columns.
    """
    for star in list(tree.find_all(exp.Star)):
        select = star.find_ancestor(exp.Select, exp.Func)
        if not isinstance(select, exp.Select):
            continue  # count(*) and the like
        parent = star.parent
        if isinstance(parent, exp.Column) and parent.table:
            names = hidden.get(parent.table.lower(), [])
        else:
            sources = [select.args.get("from_"), *(select.args.get("joins") or [])]
            names = []
            for source in sources:
                for table in source.find_all(exp.Table) if source is not None else []:
                    if table.find_ancestor(exp.Select) is select:
                        names += hidden.get(table.alias_or_name.lower(), [])
        if names and not star.args.get("except_"):
            star.set("except_", [exp.column(name, quoted=True) for name in dict.fromkeys(names)])
