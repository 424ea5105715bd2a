"""CREATE TABLE AS SELECT and INSERT INTO: files through the store, tables in Glue."""

from __future__ import annotations

import gzip
import io

import pyarrow.parquet as pq
import pytest

from lakehose.services.athena.sql import QueryFailed
from tests.athena.sql.conftest import Lake
from tests.athena.sql.records import article_table, change_record, firehose_object


@pytest.fixture
def source(lake: Lake) -> Lake:
    lake.catalog.create_table("heartrate", article_table())
    records = [change_record(str(i), str(90 + 10 * i), str(i % 2 + 1), "t") for i in range(5)]
    lake.put("data/year=2023/a.gz", firehose_object(records))
    return lake


SELECTION = """SELECT dynamodb.newimage.id.s AS id, dynamodb.newimage.heartrate.s AS rate,
dynamodb.newimage.sensorid.s AS sensor FROM "heartrate-glue-table\""""


def test_ctas_round_trip_in_the_default_location(source: Lake) -> None:
    outcome = source.run(
        f"CREATE TABLE readings AS {SELECTION}", query_execution_id="0f1e2d3c-query"
    )
    assert outcome.update_count == 5
    assert outcome.files_opened == 1
    table = source.catalog.get_table("heartrate", "readings")
    assert table is not None
    descriptor = table["StorageDescriptor"]
    assert descriptor["Location"] == "s3://results/athena/tables/0f1e2d3c-query/"
    assert descriptor["Columns"] == [
        {"Name": "id", "Type": "string"},
        {"Name": "rate", "Type": "int"},
        {"Name": "sensor", "Type": "int"},
    ]
    assert descriptor["SerdeInfo"]["SerializationLibrary"].endswith("ParquetHiveSerDe")
    [written] = source.store.list_objects("results", "athena/tables/0f1e2d3c-query/")
    assert outcome.written_files == [f"s3://results/{written.key}"]
    assert pq.read_table(io.BytesIO(written.path.read_bytes())).num_rows == 5
    assert source.rows("SELECT id, rate FROM readings WHERE rate > 100 ORDER BY id") == [
        ["2", "110"],
        ["3", "120"],
        ["4", "130"],
    ]
    types = [c.type for c in source.run("SELECT * FROM readings").columns]
    assert types == ["varchar", "integer", "integer"]


def test_partitioned_ctas_at_an_external_location(source: Lake) -> None:
    source.run(
        "CREATE TABLE by_sensor WITH (format = 'PARQUET', external_location = "
        "'s3://lake/by_sensor/', partitioned_by = ARRAY['sensor']) AS " + SELECTION
    )
    assert source.rows("SHOW PARTITIONS by_sensor") == [["sensor=1"], ["sensor=2"]]
    keys = [o.key for o in source.store.list_objects("lake", "by_sensor/")]
    assert [k.rsplit("/", 1)[0] for k in keys] == ["by_sensor/sensor=1", "by_sensor/sensor=2"]
    outcome = source.run("SELECT id FROM by_sensor WHERE sensor = 2 ORDER BY id")
    assert outcome.rows == [["1"], ["3"]]
    assert outcome.files_opened == 1
    with pytest.raises(QueryFailed, match="HIVE_PATH_ALREADY_EXISTS"):
        source.run(
            "CREATE TABLE again WITH (external_location = 's3://lake/by_sensor/') AS SELECT 1 AS a"
        )


def test_json_ctas_writes_gzip_lines(source: Lake) -> None:
    source.run(
        "CREATE TABLE as_json WITH (format = 'JSON', external_location = 's3://lake/as_json/') "
        "AS SELECT 1 AS a, 'x' AS b"
    )
    [written] = source.store.list_objects("lake", "as_json/")
    assert written.key.endswith(".gz")
    assert gzip.decompress(written.path.read_bytes()) == b'{"a":1,"b":"x"}\n'
    assert source.rows("SELECT a, b FROM as_json") == [["1", "x"]]


def test_with_no_data_and_existing_tables(source: Lake) -> None:
    outcome = source.run("CREATE TABLE empty AS SELECT 1 AS a WITH NO DATA")
    assert outcome.update_count == 0
    assert source.rows("SELECT count(*) FROM empty") == [["0"]]
    source.run("CREATE TABLE IF NOT EXISTS empty AS SELECT 1 AS a")
    with pytest.raises(QueryFailed, match="already exists"):
        source.run("CREATE TABLE empty AS SELECT 1 AS a")


def test_insert_into_appends_files_and_partitions(source: Lake) -> None:
    source.run(
        "CREATE TABLE log WITH (partitioned_by = ARRAY['day'], external_location = "
        "'s3://lake/log/') AS SELECT 1 AS n, 'mon' AS day"
    )
    inserted = source.run("INSERT INTO log SELECT 2, 'tue' UNION ALL SELECT 3, 'mon'")
    assert inserted.update_count == 2
    assert inserted.statement_type == "DML"
    source.run("INSERT INTO log (day, n) VALUES ('wed', 4)")
    assert source.rows("SHOW PARTITIONS log") == [["day=mon"], ["day=tue"], ["day=wed"]]
    assert source.rows("SELECT day, sum(n) FROM log GROUP BY day ORDER BY day") == [
        ["mon", "4"],
        ["tue", "2"],
        ["wed", "4"],
    ]
    with pytest.raises(QueryFailed, match="Insert query has mismatched column types"):
        source.run("INSERT INTO log SELECT 1")
