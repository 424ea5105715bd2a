"""Query results: the files Athena writes to the output location, and GetQueryResults.

What goes to S3, as Athena writes it (measured by aoyagikouhei/athena-local, 2026-09-16/17):

* ``<id>.csv``: a header row of column labels, then one line per row; every non-NULL value
  double-quoted with ``"`` doubled, NULL an empty unquoted field, ``\\n`` after every line,
  UTF-8 without BOM. A query without rows writes only the header line.
* ``<id>.txt`` (DDL, SHOW, DESCRIBE, EXPLAIN): the rows joined by ``\\n`` with no header and no
  trailing newline, columns joined by a tab (Athena pads one pre-joined column with spaces).
* ``<result>.metadata`` next to it whenever the statement has columns: Athena's binary protobuf
  (no published schema; field numbers as Athena JDBC readers parse them): field 1 the query id,
  then one field 4 per column holding 1 catalog, 4 name, 5 label, 6 type, 7 precision, 8 scale,
  9 nullability (1 NOT_NULL, 2 NULLABLE, 3 UNKNOWN) and 10 case sensitivity.

GetQueryResults does not parse those files back: the engine keeps its own copy of the result
rows (``results/<id>.jsonl`` in its directory, one JSON array per row, NULL as ``null``), which
pages by byte offset and keeps NULL apart from the empty string.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Protocol

import orjson

from lakehose.services.athena import store
from lakehose.services.athena.base import AthenaBase, decode_token, encode_token
from lakehose.services.athena.errors import InvalidRequestException
from lakehose.services.athena.statuses import QueryExecutionState

Row = Sequence[str | None]
MAX_PAGE = 1000
_NULLABILITY = {"NOT_NULL": 1, "NULLABLE": 2, "UNKNOWN": 3}


class Column(Protocol):
    """A result column as the SQL engine describes it (``sql.ResultColumn``)."""

    @property
    def name(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def base_type(self) -> str: ...
    @property
    def precision(self) -> int: ...
    @property
    def scale(self) -> int: ...
    @property
    def nullable(self) -> str: ...


def column_info(column: Column) -> dict[str, Any]:
    """GetQueryResults' ``ColumnInfo``: ``Type`` is the base type name (``decimal``, ``row``)."""
    base = column.base_type
    return {
        "CatalogName": "hive",
        "SchemaName": "",
        "TableName": "",
        "Name": column.name,
        "Label": column.name,
        "Type": base,
        "Precision": column.precision,
        "Scale": column.scale,
        "Nullable": column.nullable,
        "CaseSensitive": base in ("varchar", "char"),
    }


# -- the files in the output location ---------------------------------------------------------


def render_csv(rows: Iterable[Row]) -> bytes:
    """Rows (header first) as Athena's result CSV."""
    return "".join(",".join(map(_csv_field, row)) + "\n" for row in rows).encode()


def _csv_field(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def render_text(rows: Iterable[Row]) -> bytes:
    """Rows as Athena's ``.txt`` result of DDL and utility statements."""
    return "\n".join("\t".join(value or "" for value in row) for row in rows).encode()


def render_metadata(execution_id: str, columns: Iterable[dict[str, Any]]) -> bytes:
    """The ``.metadata`` companion: the query id and each column's ``ColumnInfo``, as protobuf."""
    message = _text_field(1, execution_id)
    for info in columns:
        column = b"".join(
            (
                _text_field(1, info["CatalogName"]),
                _text_field(4, info["Name"]),
                _text_field(5, info["Label"]),
                _text_field(6, info["Type"]),
                _varint_field(7, info["Precision"]),
                _varint_field(8, info["Scale"]),
                _varint_field(9, _NULLABILITY.get(info["Nullable"], 3)),
                _varint_field(10, int(info["CaseSensitive"])),
            )
        )
        message += _bytes_field(4, column)
    return message


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1  # protobuf encodes negative int32/int64 as ten-byte two's complement
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _bytes_field(number: int, data: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def _text_field(number: int, text: str) -> bytes:
    return _bytes_field(number, text.encode())


# -- the engine's own copy, for GetQueryResults -------------------------------------------------


class ResultSets:
    """Result rows per execution in ``directory``, written once, read a page at a time."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, execution_id: str) -> Path:
        return self.directory / f"{execution_id}.jsonl"

    def write(self, execution_id: str, rows: Iterable[Row]) -> None:
        """Store the rows durably before the execution may be reported SUCCEEDED."""
        target = self.path(execution_id)
        temporary = target.with_suffix(".tmp")
        with temporary.open("wb") as handle:
            for row in rows:
                handle.write(orjson.dumps(list(row)) + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)

    def page(self, execution_id: str, offset: int, limit: int) -> tuple[list[Row], int | None]:
        """Up to ``limit`` rows from byte ``offset``, and the offset of the rest (if any)."""
        rows: list[Row] = []
        with self.path(execution_id).open("rb") as handle:
            handle.seek(offset)
            while len(rows) < limit and (line := handle.readline()):
                rows.append(orjson.loads(line))
            position = handle.tell()
            more = bool(handle.read(1))
        return rows, position if more else None

    def delete(self, execution_id: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(execution_id).unlink()


def _datum(value: str | None) -> dict[str, str]:
    return {} if value is None else {"VarCharValue": value}


class ResultOperations(AthenaBase):
    _result_sets: ResultSets | None = None

    @property
    def result_sets(self) -> ResultSets:
        if self._result_sets is None:
            raise RuntimeError("the athena engine is not started")
        return self._result_sets

    def _forget_results(self, execution_id: str) -> None:
        self.result_sets.delete(execution_id)

    def get_query_results(
        self,
        *,
        query_execution_id: str,
        next_token: str | None = None,
        max_results: int | None = None,
        query_result_type: str | None = None,
    ) -> dict[str, Any]:
        if query_result_type == "DATA_MANIFEST":
            raise InvalidRequestException.unsupported("QueryResultType DATA_MANIFEST")
        with self.db.read() as connection:
            found = store.find_execution(connection, query_execution_id)
        if found is None:
            raise InvalidRequestException.execution_not_found(query_execution_id)
        if found.state in store.ACTIVE_STATES:
            raise InvalidRequestException.not_finished(found.state)
        if found.state == QueryExecutionState.CANCELLED:
            raise InvalidRequestException.results_missing()
        if found.state == QueryExecutionState.FAILED:
            raise InvalidRequestException.did_not_succeed(found.state)
        position = decode_token(next_token, "id", "offset")
        if position is not None and position["id"] != found.id:
            raise InvalidRequestException.malformed_token(str(next_token))
        try:
            rows, rest = self.result_sets.page(
                found.id, position["offset"] if position else 0, max_results or MAX_PAGE
            )
        except FileNotFoundError:
            raise InvalidRequestException.results_missing() from None  # removed from the disk
        result: dict[str, Any] = {
            "ResultSet": {
                "Rows": [{"Data": [_datum(value) for value in row]} for row in rows],
                "ResultSetMetadata": {"ColumnInfo": found.columns or []},
            }
        }
        if found.update_count is not None:
            result["UpdateCount"] = found.update_count
        elif found.request["StatementType"] != "DDL":
            result["UpdateCount"] = 0  # queries and SHOW say 0; DDL leaves it out (measured)
        if rest is not None:
            result["NextToken"] = encode_token({"id": found.id, "offset": rest})
        return result
