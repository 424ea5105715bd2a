"""The SQL engine's public API, pinned: the Athena API engine codes against exactly this."""

from __future__ import annotations

import dataclasses
import inspect

import lakehose.services.athena.sql as sql
from lakehose.services.athena.sql import QueryCancelled, QueryFailed, QueryOutcome, ResultColumn
from tests.athena.sql.conftest import Lake


def test_exports() -> None:
    assert sorted(sql.__all__) == [
        "QueryCancelled",
        "QueryFailed",
        "QueryOutcome",
        "ResultColumn",
        "SqlEngine",
    ]
    assert issubclass(QueryCancelled, QueryFailed)


def test_result_shapes() -> None:
    assert [f.name for f in dataclasses.fields(ResultColumn)] == [
        "name",
        "type",
        "precision",
        "scale",
        "nullable",
    ]
    assert [f.name for f in dataclasses.fields(QueryOutcome)][:5] == [
        "columns",
        "rows",
        "data_scanned_bytes",
        "statement_type",
        "update_count",
    ]


def test_execute_signature() -> None:
    parameters = inspect.signature(sql.SqlEngine.execute).parameters
    assert list(parameters)[:8] == [
        "self",
        "query",
        "database",
        "catalog",
        "parameters",
        "output_location",
        "bytes_scanned_cutoff",
        "cancel",
    ]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(parameters.values())[2:])


def test_base_types_are_what_column_info_shows() -> None:
    signatures = {
        "decimal(10,2)": "decimal",
        "array(row(a integer))": "array",
        "map(varchar, integer)": "map",
        "timestamp(3)": "timestamp",
        "timestamp(3) with time zone": "timestamp with time zone",
        "varchar": "varchar",
    }
    for signature, base in signatures.items():
        assert ResultColumn("c", signature).base_type == base


def test_column_info_values(lake: Lake) -> None:
    outcome = lake.run("SELECT 'x' AS v, 1 AS i, CAST(1 AS decimal(10,2)) AS d, ARRAY[1] AS a")
    assert outcome.columns == [
        ResultColumn("v", "varchar", 2147483647, 0, "UNKNOWN"),
        ResultColumn("i", "integer", 10, 0, "UNKNOWN"),
        ResultColumn("d", "decimal(10,2)", 10, 2, "UNKNOWN"),
        ResultColumn("a", "array(integer)", 0, 0, "UNKNOWN"),
    ]
