"""Parquet and delimited text tables, with the Glue schema applied."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

from tests.athena.sql.conftest import Lake


def parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def test_parquet_columns_match_by_name_ignoring_case(lake: Lake) -> None:
    lake.run(
        "CREATE EXTERNAL TABLE heartrate.p (id bigint, name string, missing int, "
        "info struct<code:string>) STORED AS PARQUET LOCATION 's3://lake/p/'"
    )
    lake.put("p/one", parquet(pa.table({"ID": [1, 2], "Name": ["a", "b"]})))
    lake.put(
        "p/two",
        parquet(pa.table({"id": pa.array([3], pa.int32()), "info": [{"Code": "x"}]})),
    )
    outcome = lake.run("SELECT * FROM p ORDER BY id")
    assert [(c.name, c.type) for c in outcome.columns] == [
        ("id", "bigint"),
        ("name", "varchar"),
        ("missing", "integer"),
        ("info", "row(code varchar)"),
    ]
    assert outcome.rows == [
        ["1", "a", None, None],
        ["2", "b", None, None],
        ["3", None, None, "{code=x}"],
    ]
    assert outcome.files_opened == 2


def test_partitioned_parquet_prunes(lake: Lake) -> None:
    lake.run(
        "CREATE EXTERNAL TABLE heartrate.pp (v int) PARTITIONED BY (day date) "
        "STORED AS PARQUET LOCATION 's3://lake/pp/'"
    )
    for day, value in (("2024-01-01", 1), ("2024-01-02", 2), ("2024-01-03", 3)):
        lake.put(f"pp/day={day}/f", parquet(pa.table({"v": pa.array([value], pa.int32())})))
    lake.run("MSCK REPAIR TABLE pp")
    outcome = lake.run("SELECT v, day FROM pp WHERE day > DATE '2024-01-01' ORDER BY v")
    assert outcome.rows == [["2", "2024-01-02"], ["3", "2024-01-03"]]
    assert outcome.files_opened == 2


def test_delimited_text_and_open_csv(lake: Lake) -> None:
    lake.run(
        "CREATE EXTERNAL TABLE heartrate.text (a int, b string, c double) ROW FORMAT DELIMITED "
        "FIELDS TERMINATED BY '|' LOCATION 's3://lake/text/'"
    )
    lake.put("text/f.txt", b"1|x|1.5\n2|\\N|oops\n3\n")
    assert lake.rows("SELECT * FROM text") == [
        ["1", "x", "1.5"],
        ["2", None, None],
        ["3", None, None],
    ]
    lake.run(
        "CREATE EXTERNAL TABLE heartrate.csv (name string, n int) "
        "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde' "
        "LOCATION 's3://lake/csv/' TBLPROPERTIES ('skip.header.line.count' = '1')"
    )
    lake.put("csv/f.csv", b'name,n\n"Smith, J",4\n"say ""hi""",\n')
    assert lake.rows("SELECT * FROM csv") == [["Smith, J", "4"], ['say "hi"', None]]
