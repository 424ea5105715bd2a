"""Trino in, DuckDB out: the translation rules as fixture pairs, then what the results are."""

from __future__ import annotations

from datetime import datetime

import pytest

from lakehose.services.athena.sql.datetime_patterns import joda_to_strftime
from lakehose.services.athena.sql.translate import bind_parameters, transpile
from tests.athena.sql.conftest import Lake

NOW = datetime(2024, 1, 2, 3, 4, 5, 678901)

FIXTURES = [
    (
        "SELECT format_datetime(ts, 'yyyy-MM-dd HH:mm:ss.SSS') AS f FROM t",
        "SELECT STRFTIME(ts, '%Y-%m-%d %H:%M:%S.%g') AS f FROM t",
    ),
    (
        "SELECT parse_datetime(s, 'dd/MM/yyyy') AS p FROM t",
        "SELECT CAST(STRPTIME(s, '%d/%m/%Y') AS TIMESTAMPTZ) AS p FROM t",
    ),
    (
        "SELECT date_parse(s, '%Y-%m-%d %H:%i:%s') AS p FROM t",
        "SELECT STRPTIME(s, '%Y-%m-%d %H:%M:%S') AS p FROM t",
    ),
    (
        "SELECT date_format(ts, '%Y-%m-%d %H:%i') AS f FROM t",
        "SELECT STRFTIME(ts, '%Y-%m-%d %H:%M') AS f FROM t",
    ),
    (
        "SELECT from_iso8601_timestamp(s) AS t",
        'SELECT CAST(s AS TIMESTAMPTZ) AS t, LH_ISO_ZONE(s) AS "__lh_zone_0"',
    ),
    ("SELECT approx_distinct(x) AS n FROM t", "SELECT COUNT(DISTINCT x) AS n FROM t"),
    ("SELECT approx_percentile(x, 0.5) AS p FROM t", "SELECT QUANTILE_DISC(x, 0.5) AS p FROM t"),
    (
        "SELECT json_extract_scalar(j, '$.a.b') AS v FROM t",
        "SELECT LH_JSON_EXTRACT_SCALAR(j, '$.a.b') AS v FROM t",
    ),
    (
        "SELECT map_agg(k, v) AS m FROM t",
        "SELECT LH_MAP_AGG(LIST({'key': k, 'value': v}) FILTER(WHERE NOT (k IS NULL))) AS m FROM t",
    ),
    ("SELECT width_bucket(x, 0, 10, 5) AS b", "SELECT LH_WIDTH_BUCKET(x, 0, 10, 5) AS b"),
    ("SELECT date_diff('hour', a, b) AS d", "SELECT DATE_SUB('HOUR', a, b) AS d"),
    ("SELECT slice(a, 2, 3) AS s", "SELECT ARRAY_SLICE(a, 2, (2 + 3) - 1) AS s"),
    ("SELECT cardinality(a) AS c", "SELECT CAST(CARDINALITY(a) AS BIGINT) AS c"),
    ("SELECT ROW(1, 'x') AS r", "SELECT ROW(1, 'x') AS r"),
    (
        "SELECT current_timestamp AS t",
        "SELECT CAST('2024-01-02 03:04:05.678' AS TIMESTAMPTZ) AS t",
    ),
    ("SELECT current_date AS d", "SELECT CAST('2024-01-02' AS DATE) AS d"),
    ("SELECT CAST(x AS timestamp(3)) AS t", "SELECT CAST(x AS TIMESTAMP) AS t"),
    # Output names: as written for columns, _col<n> for the rest (decided after the run).
    ("SELECT a, t.HeartRate FROM t", 'SELECT a AS "a", t.HeartRate AS "HeartRate" FROM t'),
    ("SELECT count(*) FROM t", 'SELECT COUNT(*) AS "__lh_unnamed_0" FROM t'),
]


@pytest.mark.parametrize(("trino", "duckdb"), FIXTURES)
def test_translation(trino: str, duckdb: str) -> None:
    assert transpile(trino, NOW) == duckdb


@pytest.mark.parametrize(
    ("joda", "strftime"),
    [
        ("yyyy-MM-dd'T'HH:mm:ss", "%Y-%m-%dT%H:%M:%S"),
        ("yy/M/d h:mm a", "%y/%-m/%-d %-I:%M %p"),
        ("EEE, dd MMM yyyy", "%a, %d %b %Y"),
        ("EEEE MMMM D", "%A %B %-j"),
        ("HH 'o''clock' Z", "%H o'clock %z"),
    ],
)
def test_joda_patterns(joda: str, strftime: str) -> None:
    assert joda_to_strftime(joda) == strftime


def test_parameters_replace_placeholders_in_text_order() -> None:
    sql = bind_parameters("SELECT ?, '?' FROM t WHERE a = ? -- ?", ["1", "'x'"])
    assert sql == "SELECT (1), '?' FROM t WHERE a = ('x') -- ?"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (
            "format_datetime(TIMESTAMP '2024-01-02 03:04:05.678', 'yyyy/MM/dd HH:mm:ss.SSS')",
            "2024/01/02 03:04:05.678",
        ),
        ("parse_datetime('02/01/2024 03:04', 'dd/MM/yyyy HH:mm')", "2024-01-02 03:04:00.000 UTC"),
        ("date_parse('2024-01-02 03:04:05', '%Y-%m-%d %H:%i:%s')", "2024-01-02 03:04:05.000"),
        ("date_format(TIMESTAMP '2024-01-02 03:04:05', '%Y-%m-%d %H:%i')", "2024-01-02 03:04"),
        ("from_iso8601_timestamp('2024-01-02T05:04:05+02:00')", "2024-01-02 05:04:05.000 +02:00"),
        ("json_extract_scalar('{\"a\": {\"b\": 7}}', '$.a.b')", "7"),
        ("json_extract_scalar('{\"a\": {\"b\": 7}}', '$.a')", None),
        ("json_extract_scalar('not json', '$.a')", None),
        ("width_bucket(5.5, 0, 10, 5)", "3"),
        ("width_bucket(-1, 0, 10, 5)", "0"),
        ("width_bucket(10, 0, 10, 5)", "6"),
        ("date_diff('day', TIMESTAMP '2024-01-01 23:00', TIMESTAMP '2024-01-02 01:00')", "0"),
        ("slice(ARRAY[1, 2, 3, 4], 2, 2)", "[2, 3]"),
        ("cardinality(ARRAY[1, 2, 3])", "3"),
        ("5 / 2", "2"),
        ("-5 / 2", "-2"),
        ("current_timestamp", "2023-03-22 19:56:18.000 UTC"),
        ("now()", "2023-03-22 19:56:18.000 UTC"),
        ("localtimestamp", "2023-03-22 19:56:18.000"),
        ("localtime", "19:56:18.000"),
        ("current_date", "2023-03-22"),
        ("ROW(1, 'x')", "{field0=1, field1=x}"),
        ("CAST(ROW(1, 'x') AS ROW(a integer, b varchar))", "{a=1, b=x}"),
        ("MAP(ARRAY['k'], ARRAY[1])", "{k=1}"),
        ("ARRAY['a', NULL]", "[a, null]"),
        ("1.5E2", "150.0"),
        ("1e10", "1.0E10"),
        ("CAST(0.1 AS real)", "0.1"),
        ("CAST(1.5 AS decimal(10,2))", "1.50"),
        ("DATE '2024-01-02'", "2024-01-02"),
        ("TIMESTAMP '2024-01-02 03:04:05.123456'", "2024-01-02 03:04:05.123"),
        ("true", "true"),
        ("NULL", None),
        ("to_utf8('hi')", "68 69"),
    ],
)
def test_values_render_as_athena_shows_them(lake: Lake, expression: str, expected: str) -> None:
    assert lake.rows(f"SELECT {expression}") == [[expected]]


def test_aggregates_trino_names_differently(lake: Lake) -> None:
    values = "(VALUES ('a', 1), ('b', 2), ('a', 3), (NULL, 4)) AS t(k, v)"
    rows = lake.rows(
        f"SELECT approx_distinct(k), approx_percentile(v, 0.5), map_agg(k, v), sum(v) FROM {values}"
    )
    assert rows == [["2", "2", "{a=1, b=2}", "10"]]
    types = [c.type for c in lake.run(f"SELECT sum(v), avg(v), count(*) FROM {values}").columns]
    assert types == ["bigint", "double", "bigint"]


def test_an_open_quote_in_a_joda_pattern_is_literal_to_the_end() -> None:
    assert joda_to_strftime("HH'h mm") == "%Hh mm"
    assert joda_to_strftime("yyyy[MM]") == "%Y[%m]"
