"""The article's pipeline end: its Glue table over Firehose's gzip objects, its named query."""

from __future__ import annotations

import gzip

import pytest

from tests.athena.sql.conftest import Lake
from tests.athena.sql.records import (
    ARTICLE_QUERY,
    article_table,
    change_record,
    firehose_object,
)

READINGS = [
    ("1679514916", "123", "5", "03/22/2315:55:16"),
    ("1679514917", "96", "2", "03/22/2315:55:17"),
    ("1679514918", "140", "1", "03/22/2315:55:18"),
    ("1679514919", "120", "3", "03/22/2315:55:19"),
    ("1679514920", "121", "4", "03/22/2315:55:20"),
]
PREFIX = "data/year=2023/month=03/day=22/hour=19/"


@pytest.fixture
def article(lake: Lake) -> Lake:
    lake.catalog.create_table("heartrate", article_table())
    records = [change_record(*reading) for reading in READINGS]
    lake.put(
        f"{PREFIX}heartrate-firehose-1-2023-03-22-19-56-18-3b1f6c1e.gz",
        firehose_object(records[:3]),
    )
    lake.put(
        f"{PREFIX}heartrate-firehose-1-2023-03-22-19-57-18-9d1e2c0e.gz",
        firehose_object(records[3:]),
    )
    # A processing-failed error record: no "dynamodb" key, so a row of NULLs the WHERE drops.
    lake.put(
        "errors/heartrate-firehose-1-2023-03-22-19-58-00-aa",
        b'{"errorCode":"Lambda.FunctionError"}\n',
    )
    return lake


def test_named_query_returns_the_readings_above_120(article: Lake) -> None:
    outcome = article.run(ARTICLE_QUERY)

    assert [c.name for c in outcome.columns] == ["ID", "HeartRate", "SensorID", "ReportTime"]
    assert [c.type for c in outcome.columns] == ["varchar", "integer", "integer", "varchar"]
    assert sorted(outcome.rows) == [
        ["1679514916", "123", "5", "03/22/2315:55:16"],
        ["1679514918", "140", "1", "03/22/2315:55:18"],
        ["1679514920", "121", "4", "03/22/2315:55:20"],
    ]
    assert outcome.statement_type == "DML"
    # Every object under the bucket-root location is read, the errors/ one included.
    assert outcome.files_opened == 3
    sizes = sum(o.size for o in article.store.list_objects("lake", ""))
    assert outcome.data_scanned_bytes == sizes


def test_count_star_is_named_col0(article: Lake) -> None:
    outcome = article.run('SELECT count(*) FROM "heartrate-glue-table"')

    assert [(c.name, c.type) for c in outcome.columns] == [("_col0", "bigint")]
    assert outcome.rows == [["6"]]  # five readings and the error line's NULL row


def test_qualified_names_resolve_alike(article: Lake) -> None:
    for name in (
        '"heartrate"."heartrate-glue-table"',
        '"awsdatacatalog"."heartrate"."heartrate-glue-table"',
        '"AwsDataCatalog"."HeartRate"."HEARTRATE-GLUE-TABLE"',
    ):
        outcome = article.run(f"SELECT count(*) AS n FROM {name}", database=None)
        assert outcome.rows == [["6"]]


def test_firehose_records_without_newlines_show_only_the_first(lake: Lake) -> None:
    lake.catalog.create_table("heartrate", article_table())
    records = [change_record(*reading) for reading in READINGS]
    lake.put(f"{PREFIX}no-newlines.gz", firehose_object(records, newline=False))

    rows = lake.rows('SELECT dynamodb.newimage.id.s FROM "heartrate-glue-table"')

    assert rows == [["1679514916"]]


def test_whole_rows_render_structs_as_athena_does(article: Lake) -> None:
    rows = article.rows(
        "SELECT dynamodb FROM \"heartrate-glue-table\" WHERE dynamodb.newimage.id.s = '1679514916'"
    )
    assert rows == [
        [
            "{newimage={id={s=1679514916}, heartrate={s=123}, sensorid={s=5}, "
            "reporttime={s=03/22/2315:55:16}}}"
        ]
    ]


def test_gzip_without_the_extension_reads_as_garbage(lake: Lake) -> None:
    # Athena picks the codec by extension only: these bytes are read as text, and no line of
    # gzip's binary output starts like JSON, so every line is a row of NULLs.
    lake.catalog.create_table("heartrate", article_table())
    body = gzip.compress(firehose_object([change_record(*READINGS[0])]), mtime=0)
    assert not any(line.lstrip().startswith((b"{", b"[")) for line in body.splitlines())
    lake.put(f"{PREFIX}no-extension", body)

    rows = lake.rows('SELECT count(*), count(dynamodb) FROM "heartrate-glue-table"')

    assert rows == [[str(len(body.splitlines())), "0"]]


def test_unqualified_tables_use_the_default_database(lake: Lake) -> None:
    lake.catalog.create_database({"Name": "default"})
    lake.catalog.create_table("default", article_table())
    lake.put(f"{PREFIX}one.gz", firehose_object([change_record(*READINGS[0])]))

    assert lake.rows('SELECT count(*) FROM "heartrate-glue-table"', database=None) == [["1"]]
    assert lake.engine.files_opened == 1  # the engine's running count, across queries
