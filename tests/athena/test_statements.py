"""Statement kinds and result file names, decided from the query text at submission."""

from __future__ import annotations

import pytest

from lakehose.services.athena.statements import ResultFile, classify

# (query, StatementType, SubstatementType, result file) as athena-local measured them on Athena.
CASES = [
    ("SELECT 1", "DML", "SELECT", ResultFile.ROWS_CSV),
    ("  with x AS (SELECT 1 AS n) SELECT * FROM x", "DML", "SELECT", ResultFile.ROWS_CSV),
    ("VALUES 1", "DML", "SELECT", ResultFile.ROWS_CSV),
    ("(SELECT 1) UNION (SELECT 2)", "DML", "SELECT", ResultFile.ROWS_CSV),
    ("-- note\n/* block */ select 1", "DML", "SELECT", ResultFile.ROWS_CSV),
    ("INSERT INTO t SELECT 1", "DML", "INSERT", ResultFile.INSERT),
    ("DELETE FROM t", "DML", "DELETE", ResultFile.COUNT_CSV),
    ("EXPLAIN SELECT 1", "DML", "EXPLAIN", ResultFile.TEXT),
    ("CREATE EXTERNAL TABLE t (a int) LOCATION 's3://b/'", "DDL", "CREATE_TABLE", ResultFile.TEXT),
    (
        "CREATE TABLE c WITH (format='PARQUET') AS SELECT 1",
        "DDL",
        "CREATE_TABLE_AS_SELECT",
        ResultFile.CTAS,
    ),
    ("CREATE DATABASE IF NOT EXISTS d", "DDL", "CREATE_DATABASE", ResultFile.TEXT),
    ("CREATE SCHEMA d", "DDL", "CREATE_DATABASE", ResultFile.TEXT),
    ("CREATE OR REPLACE VIEW v AS SELECT 1", "DDL", "CREATE_VIEW", ResultFile.TEXT),
    ("DROP TABLE IF EXISTS t", "DDL", "DROP_TABLE", ResultFile.TEXT),
    ("ALTER TABLE t ADD COLUMNS (c string)", "DDL", "ALTER_TABLE_ADD_COLUMN", ResultFile.TEXT),
    ("ALTER TABLE t ADD PARTITION (y='1')", "DDL", None, ResultFile.TEXT),
    ("MSCK REPAIR TABLE t", "DDL", None, ResultFile.TEXT),
    ("SHOW TABLES IN d", "UTILITY", "SHOW_TABLES", ResultFile.TEXT),
    ("SHOW SCHEMAS", "UTILITY", "SHOW_DATABASES", ResultFile.TEXT),
    ("SHOW CREATE TABLE t", "UTILITY", "SHOW_CREATE_TABLE", ResultFile.TEXT),
    ("SHOW PARTITIONS t", "UTILITY", None, ResultFile.TEXT),
    ("DESCRIBE t", "UTILITY", "DESCRIBE_TABLE", ResultFile.TEXT),
    ("", "UTILITY", None, ResultFile.TEXT),
]


@pytest.mark.parametrize(("query", "statement_type", "substatement", "result_file"), CASES)
def test_classification(
    query: str, statement_type: str, substatement: str | None, result_file: ResultFile
) -> None:
    statement = classify(query)
    assert (statement.statement_type, statement.substatement_type) == (
        statement_type,
        substatement,
    )
    assert statement.result_file is result_file


@pytest.mark.parametrize(
    ("result_file", "prefix", "key"),
    [
        (ResultFile.ROWS_CSV, "athena-output", "athena-output/q.csv"),
        (ResultFile.ROWS_CSV, "results/", "results/q.csv"),
        (ResultFile.ROWS_CSV, "", "q.csv"),
        (ResultFile.TEXT, "r", "r/q.txt"),
        (ResultFile.COUNT_CSV, "r", "r/q.csv"),
        (ResultFile.INSERT, "r", "r/q"),
        (ResultFile.CTAS, "r/", "r/tables/q"),
    ],
)
def test_result_keys(result_file: ResultFile, prefix: str, key: str) -> None:
    assert result_file.key(prefix, "q") == key


def test_only_queries_have_a_header_row() -> None:
    assert [kind for kind in ResultFile if kind.has_header] == [ResultFile.ROWS_CSV]
