"""UNLOAD, EXPLAIN, PREPARE / EXECUTE / DEALLOCATE and INSERT INTO text tables, on the engine."""

from __future__ import annotations

import bz2
import gzip
import io

import orjson
import pyarrow.orc as orc
import pyarrow.parquet as pq
import pytest

from lakehose.services.athena.sql import QueryFailed
from tests.athena.sql.conftest import Lake

ROWS = "SELECT * FROM (VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, NULL, 'x')) AS t (n, s, p)"


def _failure(lake: Lake, sql: str, **kwargs: object) -> str:
    with pytest.raises(QueryFailed) as failed:
        lake.run(sql, **kwargs)  # type: ignore[arg-type]
    return failed.value.message


def _body(lake: Lake, uri: str) -> bytes:
    bucket, key = uri.removeprefix("s3://").split("/", 1)
    return lake.store.get_bytes(bucket, key)


def test_unload_writes_parquet_listed_for_the_manifest(lake: Lake) -> None:
    outcome = lake.run(f"UNLOAD ({ROWS}) TO 's3://lake/out/'", query_execution_id="q1")
    assert outcome.statement_type == "DML"
    assert outcome.update_count == 3
    assert outcome.written_files == ["s3://lake/out/q1_00000"]
    table = pq.read_table(io.BytesIO(_body(lake, outcome.written_files[0])))
    assert table.to_pydict() == {"n": [1, 2, 3], "s": ["a", "b", None], "p": ["x", "y", "x"]}
    # Athena's default codec for Parquet (UNLOAD, CTAS and INSERT INTO alike).
    metadata = pq.ParquetFile(io.BytesIO(_body(lake, outcome.written_files[0]))).metadata
    assert metadata.row_group(0).column(0).compression == "GZIP"


def test_unload_into_a_location_that_holds_data_is_refused(lake: Lake) -> None:
    lake.put("out/old", b"x")
    message = _failure(lake, f"UNLOAD ({ROWS}) TO 's3://lake/out/'")
    assert message == "HIVE_PATH_ALREADY_EXISTS: Unload path already exists: s3://lake/out/"


def test_unload_partitions_by_the_last_columns(lake: Lake) -> None:
    outcome = lake.run(
        f"UNLOAD ({ROWS}) TO 's3://lake/parts/' WITH (format = 'JSON', partitioned_by = "
        "ARRAY['p'])",
        query_execution_id="q2",
    )
    assert outcome.written_files == [
        "s3://lake/parts/p=x/q2_00000.gz",
        "s3://lake/parts/p=y/q2_00001.gz",
    ]
    lines = gzip.decompress(_body(lake, outcome.written_files[0])).splitlines()
    assert [orjson.loads(line) for line in lines] == [{"n": 1, "s": "a"}, {"n": 3}]


def test_unload_as_text_orc_and_with_a_codec(lake: Lake) -> None:
    text = lake.run(
        f"UNLOAD ({ROWS}) TO 's3://lake/text/' WITH (format = 'TEXTFILE', "
        "field_delimiter = '|', compression = 'BZIP2')",
        query_execution_id="q3",
    )
    assert text.written_files == ["s3://lake/text/q3_00000.bz2"]
    assert bz2.decompress(_body(lake, text.written_files[0])) == b"1|a|x\n2|b|y\n3|\\N|x\n"
    stored = lake.run(f"UNLOAD ({ROWS}) TO 's3://lake/orc/' WITH (format = 'ORC')")
    table = orc.read_table(io.BytesIO(_body(lake, stored.written_files[0])))
    assert table.column("n").to_pylist() == [1, 2, 3]


def test_unload_refuses_what_athena_refuses(lake: Lake) -> None:
    assert _failure(
        lake, f"UNLOAD ({ROWS}) TO 's3://lake/a/' WITH (format = 'PARQUET', compression = 'BZIP2')"
    ).startswith("INVALID_TABLE_PROPERTY: Unsupported compression BZIP2 for format PARQUET")
    assert (
        _failure(
            lake, f"UNLOAD ({ROWS}) TO 's3://lake/a/' WITH (format = 'JSON', compression = 'ZSTD')"
        )
        == "NOT_SUPPORTED: Writing ZSTD-compressed JSON files is not supported"
    )
    assert _failure(lake, "UNLOAD (SHOW TABLES) TO 's3://lake/b/'").startswith("SYNTAX_ERROR")
    assert _failure(lake, "UNLOAD (SELECT 1 AS a) TO 's3://lake/c/' WITH (format = 'AVRO')") == (
        "NOT_SUPPORTED: Writing AVRO files is not supported by lakehose"
    )
    assert _failure(lake, "UNLOAD (SELECT 1 AS a) TO 's3://lake/c/' WITH (format = 'CSV')") == (
        "INVALID_TABLE_PROPERTY: Unsupported format: CSV (supported: PARQUET, ORC, JSON, TEXTFILE)"
    )
    assert _failure(lake, "UNLOAD (SELECT 1 AS a) TO 's3://missing/b/'") == (
        "HIVE_PATH_NOT_FOUND: The specified bucket does not exist: missing"
    )


def test_ctas_into_a_missing_bucket_is_athenas_error(lake: Lake) -> None:
    message = _failure(
        lake, "CREATE TABLE t WITH (external_location = 's3://missing/t/') AS SELECT 1 AS a"
    )
    assert message == "HIVE_PATH_NOT_FOUND: The specified bucket does not exist: missing"


def test_explain_answers_one_query_plan_row(lake: Lake) -> None:
    outcome = lake.run("EXPLAIN SELECT 1 AS a")
    assert [(c.name, c.type) for c in outcome.columns] == [("Query Plan", "varchar")]
    [[plan]] = outcome.rows
    assert plan is not None and "Projection" in plan
    analyzed = lake.run("EXPLAIN ANALYZE SELECT 1 AS a")
    assert analyzed.rows[0][0] is not None and "Total Time" in analyzed.rows[0][0]
    for kind in ("DISTRIBUTED", "LOGICAL"):
        assert lake.run(f"EXPLAIN (TYPE {kind}) SELECT 1").columns[0].name == "Query Plan"
    validated = lake.run("EXPLAIN (TYPE VALIDATE) SELECT 1")
    assert [(c.name, c.type) for c in validated.columns] == [("Valid", "boolean")]
    assert validated.rows == [["true"]]


def test_explain_io_names_the_tables_read(lake: Lake) -> None:
    lake.catalog.create_table(
        "heartrate",
        {
            "Name": "events",
            "PartitionKeys": [],
            "StorageDescriptor": {
                "Location": "s3://lake/ev/",
                "Columns": [{"Name": "id", "Type": "int"}],
                "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
            },
        },
    )
    [[text]] = lake.run("EXPLAIN (TYPE IO) SELECT id FROM events").rows
    assert text is not None
    [info] = orjson.loads(text)["inputTableColumnInfos"]
    assert info["table"] == {
        "catalog": "awsdatacatalog",
        "schemaTable": {"schema": "heartrate", "table": "events"},
    }
    assert _failure(lake, "EXPLAIN ANALYZE (TYPE IO) SELECT 1") == (
        "NOT_SUPPORTED: EXPLAIN ANALYZE doesn't support TYPE IO"
    )


class Statements:
    """A workgroup's prepared statements, in memory."""

    def __init__(self) -> None:
        self.saved: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.saved.get(name)

    def put(self, name: str, sql: str) -> None:
        self.saved[name] = sql

    def delete(self, name: str) -> bool:
        return self.saved.pop(name, None) is not None


def test_prepare_execute_using_and_deallocate(lake: Lake) -> None:
    statements = Statements()
    run = {"prepared_statements": statements}
    assert lake.run("PREPARE pick FROM SELECT ? + 1 AS a, ? AS b", **run).rows == []
    assert statements.saved == {"pick": "SELECT ? + 1 AS a, ? AS b"}
    assert lake.rows("EXECUTE pick USING 41, 'x'", **run) == [["42", "x"]]
    assert lake.rows("EXECUTE pick", parameters=["1", "'y'"], **run) == [["2", "y"]]
    message = _failure(lake, "EXECUTE pick USING 1", **run)
    assert (
        message == "INVALID_PARAMETER_USAGE: Incorrect number of parameters: expected 2 but found 1"
    )
    lake.run("DEALLOCATE PREPARE pick", **run)
    assert statements.saved == {}
    assert _failure(lake, "EXECUTE pick USING 1, 2", **run) == (
        "NOT_FOUND: Prepared statement not found: pick"
    )
    assert _failure(lake, "DEALLOCATE PREPARE pick", **run) == (
        "NOT_FOUND: Prepared statement not found: pick"
    )


def _text_table(lake: Lake, name: str, serde: str, parameters: dict[str, str]) -> None:
    lake.catalog.create_table(
        "heartrate",
        {
            "Name": name,
            "PartitionKeys": [],
            "StorageDescriptor": {
                "Location": f"s3://lake/{name}/",
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "label", "Type": "string"}],
                "SerdeInfo": {"SerializationLibrary": serde, "Parameters": parameters},
            },
        },
    )


def test_insert_into_delimited_and_csv_text_tables(lake: Lake) -> None:
    values = "VALUES (1, 'a'), (2, 'b,c'), (3, NULL)"
    _text_table(
        lake, "plain", "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", {"field.delim": ","}
    )
    written = lake.run(f"INSERT INTO plain {values}", query_execution_id="i1").written_files
    assert written == ["s3://lake/plain/i1_00000.gz"]
    assert gzip.decompress(_body(lake, written[0])) == b"1,a\n2,b,c\n3,\\N\n"
    _text_table(lake, "quoted", "org.apache.hadoop.hive.serde2.OpenCSVSerde", {})
    written = lake.run(f"INSERT INTO quoted {values}", query_execution_id="i2").written_files
    assert gzip.decompress(_body(lake, written[0])) == b'"1","a"\n"2","b,c"\n"3",\n'
    assert lake.rows("SELECT id, label FROM quoted ORDER BY id") == [
        ["1", "a"],
        ["2", "b,c"],
        ["3", ""],
    ]


def _events(lake: Lake) -> None:
    lake.put("events/a.json", b'{"id": 1}\n{"id": 2}\n')
    lake.put("events/b.json", b'{"id": 3}\n')
    _text_table(lake, "events", "org.openx.data.jsonserde.JsonSerDe", {})


@pytest.mark.parametrize("stored", ["json", "parquet"])
def test_hidden_columns_name_each_rows_file(lake: Lake, stored: str) -> None:
    if stored == "json":
        _events(lake)
    else:
        lake.run(
            "CREATE TABLE events WITH (external_location = 's3://lake/pq/') AS "
            "SELECT * FROM (VALUES 1, 2) AS t (id)",
            query_execution_id="c1",
        )
        lake.run("INSERT INTO events VALUES 3", query_execution_id="c2")
    table = "events"
    rows = lake.run(f'SELECT id, "$path", "$file_size" FROM {table} ORDER BY id').rows
    paths = {row[1] for row in rows}
    assert len(paths) == 2 and all(p is not None and p.startswith("s3://lake/") for p in paths)
    for _, path, size in rows:
        assert path is not None and size is not None
        bucket, key = path.removeprefix("s3://").split("/", 1)
        assert int(size) == len(lake.store.get_bytes(bucket, key))
    starred = [c.name for c in lake.run(f"SELECT * FROM {table}").columns]
    assert starred[0] == "id" and not any(name.startswith("$") for name in starred)
    both = lake.run(f'SELECT *, "$file_modified_time" FROM {table} e')
    assert [(c.name, c.type) for c in both.columns][-1] == (
        "$file_modified_time",
        "timestamp(3) with time zone",
    )
    assert both.rows[0][-1] is not None and both.rows[0][-1].endswith(" UTC")


def test_the_partitions_table_lists_partition_values(lake: Lake) -> None:
    lake.run(
        "CREATE TABLE pt WITH (external_location = 's3://lake/pt/', partitioned_by = "
        "ARRAY['y', 'm']) AS SELECT * FROM (VALUES (1, 2023, '03'), (2, 2024, '01'), "
        "(3, 2024, '01')) AS t (n, y, m)"
    )
    outcome = lake.run('SELECT * FROM "pt$partitions" ORDER BY y')
    assert [(c.name, c.type) for c in outcome.columns] == [("y", "integer"), ("m", "varchar")]
    assert outcome.rows == [["2023", "03"], ["2024", "01"]]
    assert lake.rows('SELECT count(*) FROM heartrate."pt$partitions" WHERE y = 2024') == [["1"]]
    _events(lake)
    assert _failure(lake, 'SELECT * FROM "events$partitions"') == (
        "TABLE_NOT_FOUND: line 1:15: Table 'awsdatacatalog.heartrate.events$partitions' "
        "does not exist"
    )


def test_columns_qualified_by_schema_and_catalog(lake: Lake) -> None:
    _events(lake)
    assert lake.rows(
        "SELECT heartrate.events.id, awsdatacatalog.heartrate.events.id AS again "
        'FROM heartrate.events WHERE "heartrate"."events"."id" > 2'
    ) == [["3", "3"]]
    assert lake.rows("SELECT id FROM events ORDER BY id", database="`heartrate`") == [
        ["1"],
        ["2"],
        ["3"],
    ]
