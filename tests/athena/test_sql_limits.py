"""What one Athena query may take from the machine: DuckDB's memory and threads, and time.

A query past a limit FAILS as Athena's do ("Query exhausted resources at this scale factor",
"Query timeout"), the runtime keeps serving, and the limits come from ``athena.*`` options or
``LAKEHOSE_ATHENA_*`` variables.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from lakehose import Lakehose
from lakehose.errors import ConfigurationError
from lakehose.services.athena.sql import engine as sql_engine
from lakehose.services.athena.sql import json_values, sandbox
from lakehose.services.athena.sql.datetime_patterns import (
    UnsupportedPattern,
    java_format,
    java_parse,
)
from lakehose.services.athena.statements import classify
from lakehose.services.dynamodb.attributes import number_error
from lakehose.services.glue.crawl import glob_regex
from lakehose.services.glue.expressions import like_regex, regex_full_matches
from lakehose.settings import Settings, parse_size
from tests.athena.conftest import run
from tests.athena.sql.conftest import Lake
from tests.conftest import ServerProcess

# A guard against a hang, not a performance assertion: each case below took minutes to hours
# with the backtracking patterns it replaced, and takes milliseconds now.
PATTERN_DEADLINE_SECONDS = 60
# 20 million rows into one list: past any small memory limit within a second.
HUNGRY = (
    "SELECT cardinality(array_agg(a)) FROM UNNEST(sequence(1, 10000)) AS t(a) "
    "CROSS JOIN UNNEST(sequence(1, 2000)) AS u(b)"
)
# A trillion rows: runs until something stops it.
ENDLESS = (
    "SELECT count(*) FROM UNNEST(sequence(1, 10000)) AS t(a) "
    "CROSS JOIN UNNEST(sequence(1, 10000)) AS u(b) CROSS JOIN UNNEST(sequence(1, 10000)) AS v(c)"
)
EXHAUSTED = {
    "ErrorCategory": 1,
    "ErrorType": 7,
    "Retryable": False,
    "ErrorMessage": "Query exhausted resources at this scale factor",
}
TIMEOUT = {
    "ErrorCategory": 1,
    "ErrorType": 206,
    "Retryable": False,
    "ErrorMessage": "Query timeout",
}


def _lake(tmp_path: Path, **options: Any) -> Lakehose:
    return Lakehose(
        home=tmp_path / "home",
        background=False,
        options={f"athena.{name}": value for name, value in options.items()},
    )


def _output(lake_or_server: Any) -> str:
    s3 = lake_or_server.client("s3")
    s3.create_bucket(Bucket="limits")
    return "s3://limits/results/"


def _run(athena: Any, output: str, query: str) -> dict[str, Any]:
    return run(athena, query, ResultConfiguration={"OutputLocation": output})


def _assert_failed(execution: dict[str, Any], error: dict[str, Any]) -> None:
    status = execution["Status"]
    assert status["State"] == "FAILED"
    assert status["StateChangeReason"] == error["ErrorMessage"]
    assert status["AthenaError"] == error


@pytest.fixture
def tight(tmp_path: Path) -> Iterator[Lakehose]:
    """A runtime whose queries get 32 MiB, one thread and 1.5 seconds."""
    with _lake(tmp_path, memory_limit="32MiB", threads=1, query_timeout_seconds=1.5) as lake:
        yield lake


def test_the_engine_s_connections_carry_the_limits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[Any, ...]] = []
    real_connect = sandbox.connect  # what the engine module imported

    def connect(*arguments: Any) -> duckdb.DuckDBPyConnection:
        connection = real_connect(*arguments)
        settings = (
            "memory_limit",
            "threads",
            "max_temp_directory_size",
            "enable_external_access",
            "lock_configuration",
        )
        (found,) = connection.sql(
            "SELECT " + ", ".join(f"current_setting('{name}')" for name in settings)
        ).fetchall()
        seen.append(found)
        return connection

    monkeypatch.setattr(sql_engine, "connect", connect)
    with _lake(tmp_path, memory_limit="64MiB", threads=3, max_temp_directory_size="1GiB") as lake:
        execution = _run(lake.client("athena"), _output(lake), "SELECT 1")
    assert execution["Status"]["State"] == "SUCCEEDED"
    assert seen == [("64.0 MiB", 3, "1.0 GiB", False, True)]


def test_the_defaults_bound_every_query(tmp_path: Path) -> None:
    connection = sandbox.connect(tmp_path, [])
    try:
        (found,) = connection.sql(
            "SELECT current_setting('memory_limit'), current_setting('threads')"
        ).fetchall()
    finally:
        connection.close()
    assert found == ("953.6 MiB", 2)  # 1GB, as DuckDB prints it
    assert sandbox.Limits().timeout_seconds == 300


def test_a_query_past_its_memory_fails_as_athena_does(tight: Lakehose) -> None:
    athena, output = tight.client("athena"), _output(tight)
    _assert_failed(_run(athena, output, HUNGRY), EXHAUSTED)
    assert _run(athena, output, "SELECT 42")["Status"]["State"] == "SUCCEEDED"


def test_a_query_past_its_time_fails_with_query_timeout(tight: Lakehose) -> None:
    athena, output = tight.client("athena"), _output(tight)
    _assert_failed(_run(athena, output, ENDLESS), TIMEOUT)
    assert _run(athena, output, "SELECT 42")["Status"]["State"] == "SUCCEEDED"


def test_memory_duckdb_does_not_count_stops_the_query_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Growth of the process beyond twice the limit (here faked) ends the query, as the
    allocations DuckDB's buffer manager does not track (list states, huge strings) would."""
    readings = iter([100 << 20])
    monkeypatch.setattr(sandbox, "_resident_bytes", lambda: next(readings, 1 << 40))
    with _lake(tmp_path, memory_limit="1GB", query_timeout_seconds=60) as lake:
        execution = _run(lake.client("athena"), _output(lake), ENDLESS)
    _assert_failed(execution, EXHAUSTED)


def test_a_server_takes_its_limits_from_the_environment(tmp_path: Path) -> None:
    server = ServerProcess(
        tmp_path / "home",
        env={"LAKEHOSE_ATHENA_MEMORY_LIMIT": "32MiB", "LAKEHOSE_ATHENA_QUERY_TIMEOUT": "1.5"},
    )
    try:
        athena, output = server.client("athena"), _output(server)
        _assert_failed(_run(athena, output, HUNGRY), EXHAUSTED)
        _assert_failed(_run(athena, output, ENDLESS), TIMEOUT)
        assert _run(athena, output, "SELECT 42")["Status"]["State"] == "SUCCEEDED"
    finally:
        server.stop()


def test_settings_read_the_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "LAKEHOSE_ATHENA_MEMORY_LIMIT": "2GB",
            "LAKEHOSE_ATHENA_THREADS": "4",
            "LAKEHOSE_ATHENA_QUERY_TIMEOUT": "90",
        },
        options={"athena.threads": 1, "kinesis.shard_limit": 5},
    )
    assert settings.options == {
        "athena.memory_limit": "2GB",
        "athena.threads": 1,  # an explicit option wins over the variable
        "athena.query_timeout_seconds": 90.0,
        "kinesis.shard_limit": 5,
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("LAKEHOSE_ATHENA_MEMORY_LIMIT", "lots"),
        ("LAKEHOSE_ATHENA_MEMORY_LIMIT", "0GB"),
        ("LAKEHOSE_ATHENA_MEMORY_LIMIT", "1PB"),
        ("LAKEHOSE_ATHENA_THREADS", "0"),
        ("LAKEHOSE_ATHENA_THREADS", "two"),
        ("LAKEHOSE_ATHENA_QUERY_TIMEOUT", "-1"),
    ],
)
def test_unusable_limits_are_refused_at_startup(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError):
        Settings.from_env({variable: value})


def test_options_given_in_code_are_checked_too(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"athena\.memory_limit"):
        _lake(tmp_path, memory_limit="a lot")


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("1GB", 10**9),
        ("1GiB", 1 << 30),
        ("512 MiB", 512 << 20),
        ("1.5kb", 1500),
        ("4096", 4096),
        (123, 123),
    ],
)
def test_sizes_read_as_duckdb_reads_them(text: str | int, size: int) -> None:
    assert parse_size("memory_limit", text) == size


# -- patterns and numbers from callers are matched without backtracking ---------------------------


def _finishes(work: Callable[[], Any]) -> Any:
    answer: list[Any] = []
    worker = threading.Thread(target=lambda: answer.append(work()), daemon=True)
    worker.start()
    worker.join(PATTERN_DEADLINE_SECONDS)
    assert not worker.is_alive(), "a pattern backtracked"
    return answer[0]


STARS = "*a" * 16 + "*b"


@pytest.mark.parametrize(
    ("case", "work", "expected"),
    [
        ("DynamoDB number", lambda: number_error("1" * 400_000 + "x") is not None, True),
        ("OpenX decimal", lambda: json_values._BIG_DECIMAL.fullmatch("1" * 10**6 + "x"), None),
        ("OpenX double", lambda: json_values._JAVA_DOUBLE.fullmatch("1" * 10**6 + "x"), None),
        (
            "CTAS detection",
            lambda: classify("CREATE TABLE t AS" + " " * 262_000 + "x").substatement_type,
            "CREATE_TABLE",
        ),
        ("projection format", lambda: java_parse("1" * 100_000 + "x", "yMdH"), None),
        (
            "Glue LIKE",
            lambda: re.fullmatch(like_regex("%a" * 16 + "%b"), "a" * 1024, re.DOTALL),
            None,
        ),
        (
            "crawler exclusion",
            lambda: regex_full_matches(
                glob_regex("**a" * 16 + "**b"), ["a" * 1024], ignore_case=False
            ),
            [False],
        ),
        (
            "crawler alternatives",
            lambda: regex_full_matches(
                glob_regex("{*,*}" * 24 + "b"), ["a" * 64], ignore_case=False
            ),
            [False],
        ),
    ],
)
def test_caller_text_is_matched_in_linear_time(
    case: str, work: Callable[[], Any], expected: Any
) -> None:
    assert _finishes(work) == expected, case


def test_patterns_still_mean_what_they_meant() -> None:
    assert re.fullmatch(like_regex("a%b_d%"), "aXXbcdYY", re.DOTALL)
    assert not re.fullmatch(like_regex("a%b_d"), "aXXbcdYY", re.DOTALL)
    found = regex_full_matches(
        glob_regex("**/x-*.json"), ["a/b/x-1.json", "x-1.json"], ignore_case=False
    )
    assert found == [True, False]
    assert java_parse("2023-1-15", "y-M-d") is not None
    assert classify("CREATE TABLE t AS ( (SELECT 1))").substatement_type == "CREATE_TABLE"
    assert classify("CREATE TABLE t AS ((  SELECT 1))").substatement_type == (
        "CREATE_TABLE_AS_SELECT"
    )


def test_show_like_patterns_do_not_backtrack(tmp_path: Path) -> None:
    lake = Lake(tmp_path)
    try:
        lake.catalog.create_table("heartrate", {"Name": "a" * 250, "StorageDescriptor": {}})
        lake.catalog.create_table("heartrate", {"Name": "ab", "StorageDescriptor": {}})
        rows = _finishes(lambda: lake.rows(f"SHOW TABLES IN heartrate '{STARS}|*b'"))
    finally:
        lake.engine.close()
    assert rows == [["ab"]]


def test_name_expressions_are_matched_by_re2(tight: Lakehose) -> None:
    """GetTables' and ListTableMetadata's Expression is a caller's regex: ``(a+)+$`` against a
    long name would take Python's re hours."""
    glue, athena = tight.client("glue"), tight.client("athena")
    glue.create_database(DatabaseInput={"Name": "names"})
    for table in ("a" * 200, "sales_2024", "SALES_old"):
        glue.create_table(DatabaseName="names", TableInput={"Name": table})
    found = _finishes(lambda: glue.get_tables(DatabaseName="names", Expression="(a+)+$"))
    assert [table["Name"] for table in found["TableList"]] == ["a" * 200]
    listed = _finishes(
        lambda: athena.list_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName="names", Expression="(a+)+$"
        )
    )
    assert [table["Name"] for table in listed["TableMetadataList"]] == ["a" * 200]
    found = glue.get_tables(DatabaseName="names", Expression="sales*")
    assert [table["Name"] for table in found["TableList"]] == ["sales_2024", "sales_old"]


def test_projection_formats_follow_java_time_lexing() -> None:
    assert java_parse("2023-01", "yyyy-MM[-dd]") == datetime(2023, 1, 1)
    assert java_parse("2023-01-15", "yyyy-MM[-dd]") == datetime(2023, 1, 15)
    assert java_format(datetime(2023, 1, 15), "yyyy-MM[-dd]") == "2023-01-15"
    with pytest.raises(UnsupportedPattern, match="incomplete string literal"):
        java_parse("2023", "yyyy'")
