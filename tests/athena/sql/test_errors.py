"""Failures carry Athena's error names, categories, types and texts, never DuckDB's."""

from __future__ import annotations

import threading

import pytest

from lakehose.services.athena.sql import QueryCancelled, QueryFailed
from tests.athena.sql.conftest import Lake
from tests.athena.sql.records import article_table, change_record, firehose_object


@pytest.fixture
def readings(lake: Lake) -> Lake:
    lake.catalog.create_table("heartrate", article_table())
    records = [change_record(str(i), str(100 + i), "1", "t") for i in range(40)]
    lake.put("data/a.gz", firehose_object(records[:20]))
    lake.put("data/b.gz", firehose_object(records[20:]))
    return lake


def failure(lake: Lake, sql: str, **kwargs: object) -> QueryFailed:
    with pytest.raises(QueryFailed) as caught:
        lake.run(sql, **kwargs)  # type: ignore[arg-type]
    return caught.value


def test_table_not_found(lake: Lake) -> None:
    error = failure(lake, "SELECT * FROM t")
    assert (
        error.message
        == "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.heartrate.t' does not exist"
    )
    assert (error.error_category, error.error_type) == (2, 1110)
    assert error.state_change_reason == error.message


def test_schema_not_found(lake: Lake) -> None:
    error = failure(lake, "SELECT *\nFROM nowhere.t")
    assert error.message == "SCHEMA_NOT_FOUND: line 2:6: Schema 'nowhere' does not exist"


def test_column_not_found_points_at_the_column(readings: Lake) -> None:
    error = failure(readings, 'SELECT banana FROM "heartrate-glue-table"')
    assert error.message == "COLUMN_NOT_FOUND: line 1:8: Column 'banana' cannot be resolved"
    assert (error.error_category, error.error_type) == (2, 1006)


def test_missing_struct_field_is_a_missing_column(readings: Lake) -> None:
    error = failure(readings, 'SELECT dynamodb.newimage.nope FROM "heartrate-glue-table"')
    assert error.message == (
        "COLUMN_NOT_FOUND: line 1:8: Column 'dynamodb.newimage.nope' cannot be resolved"
    )


def test_string_compared_with_a_number_is_a_type_mismatch(lake: Lake) -> None:
    # What a crawler's table gives: HeartRate.S as a string (reference section 7.3).
    table = article_table()
    table["StorageDescriptor"]["Columns"][0]["Type"] = (
        "struct<newimage:struct<heartrate:struct<s:string>>>"
    )
    lake.catalog.create_table("heartrate", table)
    error = failure(
        lake, 'SELECT 1 FROM "heartrate-glue-table" WHERE dynamodb.newimage.HeartRate.S > 120'
    )
    assert error.message == "TYPE_MISMATCH: line 1:44: Cannot apply operator: varchar > integer"


def test_syntax_error_at_the_token(lake: Lake) -> None:
    error = failure(lake, "SELECT a FROM WHERE")
    assert error.message.startswith("SYNTAX_ERROR: line 1:15: mismatched input 'WHERE'")
    error = failure(lake, "SELEC 1")
    assert error.message.startswith("SYNTAX_ERROR: line 1:1: mismatched input 'SELEC'")


def test_unknown_function(lake: Lake) -> None:
    error = failure(lake, "SELECT no_such_function(1)")
    assert (
        error.message == "FUNCTION_NOT_FOUND: line 1:8: Function 'no_such_function' not registered"
    )
    assert error.error_type == 1303


def test_wrong_argument_types(lake: Lake) -> None:
    error = failure(lake, "SELECT lower(1)")
    assert error.message.startswith("FUNCTION_NOT_FOUND: line 1:8: Unexpected parameters (integer)")


def test_invalid_cast(lake: Lake) -> None:
    error = failure(lake, "SELECT CAST('abc' AS integer)")
    assert error.message == "INVALID_CAST_ARGUMENT: Cannot cast 'abc' to INT32"


def test_malformed_json_fails_the_query(lake: Lake) -> None:
    lake.catalog.create_table("heartrate", article_table())
    lake.put("data/bad.json", b'{"dynamodb": \n')
    error = failure(lake, 'SELECT count(*) FROM "heartrate-glue-table"')
    assert error.message.startswith(
        "HIVE_CURSOR_ERROR: Row is not a valid JSON Object - JSONException:"
    )


def test_parameters_must_match_the_placeholders(readings: Lake) -> None:
    sql = 'SELECT count(*) FROM "heartrate-glue-table" WHERE dynamodb.newimage.heartrate.s > ?'
    assert readings.rows(sql, parameters=["130"]) == [["9"]]
    error = failure(readings, sql, parameters=["1", "2"])
    assert error.message == (
        "INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected 1 but found 2"
    )


def test_unknown_catalog(lake: Lake) -> None:
    error = failure(lake, "SELECT 1", catalog="other")
    assert error.message == "CATALOG_NOT_FOUND: Catalog 'other' does not exist"


def test_scan_cutoff_cancels_and_bills_what_was_read(readings: Lake) -> None:
    first = readings.store.list_objects("lake", "data/")[0].size
    with pytest.raises(QueryCancelled) as caught:
        readings.run('SELECT count(*) FROM "heartrate-glue-table"', bytes_scanned_cutoff=first)
    assert caught.value.message == "Bytes scanned limit was exceeded"
    assert caught.value.data_scanned_bytes > first
    outcome = readings.run(
        'SELECT count(*) FROM "heartrate-glue-table"', bytes_scanned_cutoff=10**9
    )
    assert outcome.rows == [["40"]]


def test_a_set_cancel_event_stops_the_query(readings: Lake) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(QueryCancelled):
        readings.run('SELECT count(*) FROM "heartrate-glue-table"', cancel=cancel)


def test_interrupts_a_running_duckdb_query(lake: Lake) -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    timer.start()
    try:
        with pytest.raises(QueryCancelled, match="Query cancelled by user"):
            lake.run(
                "SELECT count(*) FROM UNNEST(sequence(1, 10000)) AS a(x) "
                "CROSS JOIN UNNEST(sequence(1, 10000)) AS b(y) "
                "CROSS JOIN UNNEST(sequence(1, 10000)) AS c(z) WHERE x * y * z % 7 = 3",
                cancel=cancel,
            )
    finally:
        timer.cancel()


def test_only_one_statement(lake: Lake) -> None:
    error = failure(lake, "SELECT 1; SELECT 2")
    assert error.message == "SYNTAX_ERROR: Only one sql statement is allowed"


def test_regexp_position_refuses_a_pattern_that_could_backtrack_without_bound(lake: Lake) -> None:
    # Python's engine would take exponential time on this input while holding the interpreter.
    error = failure(lake, "SELECT regexp_position('" + "a" * 40 + "!', '(a+)+$')")
    assert error.message.startswith("INVALID_FUNCTION_ARGUMENT: ")
    assert "nested or adjacent unbounded repeats" in error.message
    assert lake.run("SELECT regexp_position('ab12', '\\d+')").rows == [["3"]]
