"""Hive DDL and metadata statements, as Glue calls and as Hive's text output."""

from __future__ import annotations

import pytest

from lakehose.services.athena.sql import QueryFailed
from tests.athena.sql.conftest import Lake

ORDERS = """CREATE EXTERNAL TABLE IF NOT EXISTS sales.orders (
  `id` int COMMENT 'order id',
  Name string,
  info struct<Code:string,Qty:int COMMENT 'how many'>
)
COMMENT 'orders table'
PARTITIONED BY (dt string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
WITH SERDEPROPERTIES ('ignore.malformed.json' = 'true')
STORED AS INPUTFORMAT 'org.apache.hadoop.mapred.TextInputFormat'
OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat'
LOCATION 's3://lake/orders'
TBLPROPERTIES ('classification' = 'json')"""


@pytest.fixture
def sales(lake: Lake) -> Lake:
    lake.run("CREATE DATABASE sales")
    lake.run(ORDERS)
    return lake


def failure(lake: Lake, sql: str) -> str:
    with pytest.raises(QueryFailed) as caught:
        lake.run(sql)
    return caught.value.message


def test_create_external_table_writes_the_glue_table(sales: Lake) -> None:
    table = sales.catalog.get_table("sales", "orders")
    assert table is not None
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Description"] == "orders table"
    assert table["Parameters"] == {"EXTERNAL": "TRUE", "classification": "json"}
    assert table["PartitionKeys"] == [{"Name": "dt", "Type": "string"}]
    descriptor = table["StorageDescriptor"]
    assert descriptor["Columns"] == [
        {"Name": "id", "Type": "int", "Comment": "order id"},
        {"Name": "name", "Type": "string"},
        {"Name": "info", "Type": "struct<Code:string,Qty:int>"},
    ]
    assert descriptor["Location"] == "s3://lake/orders/"
    assert descriptor["InputFormat"] == "org.apache.hadoop.mapred.TextInputFormat"
    assert descriptor["SerdeInfo"] == {
        "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
        "Parameters": {"ignore.malformed.json": "true"},
    }


def test_stored_as_parquet_and_delimited_text(sales: Lake) -> None:
    sales.run("CREATE EXTERNAL TABLE sales.p (a int) STORED AS PARQUET LOCATION 's3://lake/p/'")
    sales.run(
        "CREATE EXTERNAL TABLE sales.c (a int, b string) ROW FORMAT DELIMITED "
        "FIELDS TERMINATED BY ',' LOCATION 's3://lake/c/'"
    )
    parquet = sales.catalog.get_table("sales", "p")
    text = sales.catalog.get_table("sales", "c")
    assert parquet is not None and text is not None
    assert parquet["StorageDescriptor"]["SerdeInfo"]["SerializationLibrary"] == (
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    )
    assert text["StorageDescriptor"]["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
        "Parameters": {"field.delim": ",", "serialization.format": ","},
    }


def test_existing_objects_fail_unless_if_not_exists(sales: Lake) -> None:
    sales.run(ORDERS)  # IF NOT EXISTS
    assert failure(sales, ORDERS.replace(" IF NOT EXISTS", "")) == (
        "FAILED: Execution Error, return code 1 from org.apache.hadoop.hive.ql.exec.DDLTask. "
        "AlreadyExistsException(message:Table orders already exists)"
    )
    sales.run("CREATE SCHEMA IF NOT EXISTS sales")
    assert "AlreadyExistsException(message:Database sales already exists)" in failure(
        sales, "CREATE DATABASE sales"
    )
    assert failure(sales, "CREATE EXTERNAL TABLE nodb.t (a int) LOCATION 's3://lake/x/'") == (
        "FAILED: SemanticException [Error 10072]: Database does not exist: nodb"
    )


def test_show_databases_tables_and_columns(sales: Lake) -> None:
    sales.run("CREATE EXTERNAL TABLE sales.items (a int) LOCATION 's3://lake/items/'")
    assert sales.rows("SHOW DATABASES") == [["heartrate"], ["sales"]]
    assert sales.rows("SHOW SCHEMAS LIKE 'sal*'") == [["sales"]]
    assert sales.rows("SHOW TABLES IN sales") == [["items"], ["orders"]]
    assert sales.rows("SHOW TABLES", database="sales") == [["items"], ["orders"]]
    assert sales.rows("SHOW TABLES IN sales 'ord*|nothing'") == [["orders"]]
    outcome = sales.run("SHOW COLUMNS IN sales.orders")
    assert [c.name for c in outcome.columns] == ["field"]
    assert [str(r[0]).rstrip() for r in outcome.rows] == ["id", "name", "info", "dt"]
    assert sales.rows("SHOW COLUMNS FROM orders IN sales") == outcome.rows


def test_describe_lists_columns_then_partition_keys(sales: Lake) -> None:
    rows = [r[0] for r in sales.rows("DESCRIBE sales.orders")]
    assert rows == [
        "id                  \tint                 \torder id",
        "name                \tstring              \t",
        "info                \tstruct<Code:string,Qty:int>\t",
        "dt                  \tstring              \t",
        "",
        "# Partition Information",
        "# col_name          \tdata_type           \tcomment",
        "",
        "dt                  \tstring              \t",
    ]


def test_show_create_table_round_trips(sales: Lake) -> None:
    lines = [str(r[0]) for r in sales.rows("SHOW CREATE TABLE sales.orders")]
    assert lines[0] == "CREATE EXTERNAL TABLE `sales`.`orders`("
    assert "LOCATION" in lines and "  's3://lake/orders'" in lines
    sales.run("DROP TABLE sales.orders")
    sales.run("\n".join(lines))
    padded = [[f"{name:<20}"] for name in ("id", "name", "info", "dt")]
    assert sales.rows("SHOW COLUMNS IN sales.orders") == padded
    assert sales.rows("SHOW TBLPROPERTIES sales.orders ('classification')") == [
        ["classification\tjson"]
    ]


def test_drop_table_and_database(sales: Lake) -> None:
    assert failure(sales, "DROP DATABASE sales").endswith(
        "InvalidOperationException(message:Database sales is not empty. One or more tables exist.)"
    )
    sales.run("DROP TABLE sales.orders")
    assert sales.catalog.get_table("sales", "orders") is None
    assert failure(sales, "DROP TABLE sales.orders") == (
        "FAILED: SemanticException [Error 10001]: Table not found sales.orders"
    )
    sales.run("DROP TABLE IF EXISTS sales.orders")
    sales.run("DROP DATABASE sales")
    assert sales.catalog.get_database("sales") is None
    sales.run("DROP DATABASE IF EXISTS sales")
    assert failure(sales, "DROP SCHEMA sales") == (
        "FAILED: SemanticException [Error 10072]: Database does not exist: sales"
    )


def test_drop_database_cascade(sales: Lake) -> None:
    sales.run("DROP DATABASE sales CASCADE")
    assert sales.catalog.get_database("sales") is None


def test_views_are_presto_views_in_glue(sales: Lake) -> None:
    sales.put("orders/dt=1/a.json", b'{"id": 1, "name": "a"}\n{"id": 2, "name": "b"}\n')
    sales.run("MSCK REPAIR TABLE sales.orders")
    sales.run(
        "CREATE VIEW sales.names AS SELECT id, upper(name) AS shout FROM orders", database="sales"
    )
    view = sales.catalog.get_table("sales", "names")
    assert view is not None
    assert view["TableType"] == "VIRTUAL_VIEW"
    assert view["ViewOriginalText"].startswith("/* Presto View: ")
    assert view["StorageDescriptor"]["Columns"] == [
        {"Name": "id", "Type": "int"},
        {"Name": "shout", "Type": "string"},
    ]
    # Resolved in the view's own database, whatever the query's is.
    assert sales.rows("SELECT * FROM sales.names ORDER BY id", database=None) == [
        ["1", "A"],
        ["2", "B"],
    ]
    assert sales.rows("SHOW CREATE VIEW sales.names") == [
        ["CREATE VIEW names AS"],
        ["SELECT id, upper(name) AS shout FROM orders"],
    ]
    sales.run("CREATE OR REPLACE VIEW sales.names AS SELECT 1 AS one")
    assert sales.rows("SELECT * FROM sales.names") == [["1"]]
    sales.run("DROP VIEW sales.names")
    assert sales.catalog.get_table("sales", "names") is None


def test_only_external_tables(sales: Lake) -> None:
    assert failure(sales, "CREATE TABLE sales.t (a int)").startswith(
        "NOT_SUPPORTED: Only external table creation is supported"
    )
