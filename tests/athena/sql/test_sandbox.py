"""The sandbox: a query reads only its tables' files; nothing else in SQL reaches DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from lakehose.services.athena.sql import QueryFailed
from lakehose.services.athena.sql.sandbox import connect
from tests.athena.sql.conftest import Lake


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("SELECT * FROM read_csv('/etc/passwd')", "SYNTAX_ERROR"),
        ("SELECT * FROM read_text('/etc/passwd')", "SYNTAX_ERROR"),
        ("SELECT * FROM '/etc/passwd'", "TABLE_NOT_FOUND"),
        ("SELECT read_csv('/etc/passwd')", "SYNTAX_ERROR"),
        ("SELECT * FROM glob('/tmp/*')", "SYNTAX_ERROR"),
        ("SELECT current_setting('threads')", "FUNCTION_NOT_FOUND"),
        ("SELECT * FROM duckdb_settings()", "SYNTAX_ERROR"),
        ("COPY (SELECT 1) TO '/tmp/lakehose-escape.csv'", "SYNTAX_ERROR"),
        ("ATTACH '/tmp/lakehose-escape.db'", "SYNTAX_ERROR"),
        ("INSTALL httpfs", "SYNTAX_ERROR"),
        ("LOAD httpfs", "SYNTAX_ERROR"),
        ("SET threads = 1", "SYNTAX_ERROR"),
        ("PRAGMA version", "SYNTAX_ERROR"),
        ("SELECT lh_width_bucket(1, 0, 10, 5)", "FUNCTION_NOT_FOUND"),
        ("SELECT * FROM __lh_rel_0", "NOT_SUPPORTED"),
    ],
)
def test_escapes_fail_as_sql_errors(lake: Lake, sql: str, error: str) -> None:
    with pytest.raises(QueryFailed) as caught:
        lake.run(sql)
    assert caught.value.error_name == error
    assert not Path("/tmp/lakehose-escape.csv").exists()
    assert not Path("/tmp/lakehose-escape.db").exists()


def test_the_connection_reads_only_the_allowed_files(tmp_path: Path) -> None:
    allowed, other = tmp_path / "allowed.json", tmp_path / "other.json"
    allowed.write_text('{"a": 1}\n')
    other.write_text('{"a": 2}\n')
    connection = connect(tmp_path / "scratch", [allowed])
    try:
        assert connection.sql(f"SELECT a FROM read_json('{allowed}')").fetchall() == [(1,)]
        for escape in (
            f"SELECT * FROM read_json('{other}')",
            "SELECT * FROM read_csv('/etc/passwd')",
            f"COPY (SELECT 1) TO '{tmp_path / 'out.csv'}'",
            f"ATTACH '{tmp_path / 'x.db'}'",
            "INSTALL httpfs",
            "LOAD httpfs",
            "SET enable_external_access = true",
            "SET allowed_paths = ['/etc/passwd']",
            "RESET lock_configuration",
            f"COPY (SELECT 42 AS a) TO '{allowed}' (FORMAT json)",
        ):
            with pytest.raises(duckdb.Error):
                connection.execute(escape)
    finally:
        connection.close()
    assert allowed.read_text() == '{"a": 1}\n'
    assert not (tmp_path / "out.csv").exists()
    assert not (tmp_path / "x.db").exists()
