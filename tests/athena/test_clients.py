"""Every way awswrangler, PyAthena and SQLAlchemy read and write through Athena.

Each test runs in-process (the libraries get a boto3 session from ``Lakehose.session()``) and
against ``lakehose up`` (an ordinary session and the server's endpoint).

awswrangler's ``read_sql_query`` has three paths: its default wraps the query in a CTAS and
reads the Parquet files its data manifest lists; ``unload_approach=True`` wraps it in an UNLOAD
and does the same; ``ctas_approach=False`` reads the result CSV. All three must give the same
DataFrame. PyAthena's pandas cursor with ``unload=True`` reads UNLOAD's files too;
``DataFrame.to_sql`` through PyAthena's SQLAlchemy dialect creates a table and INSERTs into it;
SQLAlchemy Core selects from a reflected table named with its schema.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.athena.tables import create_json_table, drop_database, put_ndjson
from tests.conftest import InProcess, ServerProcess

CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
REGION = "us-east-1"
# awswrangler 3.x still passes pandas' deprecated ``copy=`` to ``concat`` (its warning, not ours).
pytestmark = pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")


@dataclass(frozen=True)
class Target:
    """Where the libraries send their calls: an endpoint and a session to make clients from."""

    endpoint: str
    session: Callable[[], boto3.Session]

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.endpoint)


@pytest.fixture(params=["inprocess", "server"])
def target(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Target:
    if request.param == "inprocess":
        runtime: InProcess = request.getfixturevalue("shared_runtime")
        # Clients of this session never open a socket; the endpoint only shapes their URLs.
        found = Target(runtime.lake.settings.endpoint_url, runtime.lake.session)
    else:
        server: ServerProcess = request.getfixturevalue("server")
        found = Target(server.endpoint, lambda: boto3.Session(region_name=REGION, **CREDENTIALS))
    # PyAthena's endpoint_url is Athena's; its S3 reads take the SDK's own per-service setting.
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", found.endpoint)
    return found


@pytest.fixture
def lake(target: Target, name: str) -> Iterator[dict[str, str]]:
    """A bucket with a readings table of 10 rows, and its Glue database."""
    s3, glue = target.client("s3"), target.client("glue")
    bucket = name[:63].rstrip("-")
    database = name.replace("-", "_")
    s3.create_bucket(Bucket=bucket)
    put_ndjson(
        s3,
        bucket,
        "readings/part-0.gz",
        ({"sensor": f"s{n % 3}", "rate": str(60 + 10 * n)} for n in range(10)),
    )
    create_json_table(
        glue,
        database,
        "readings",
        f"s3://{bucket}/readings/",
        [{"Name": "sensor", "Type": "string"}, {"Name": "rate", "Type": "int"}],
    )
    yield {"bucket": bucket, "database": database}
    with contextlib.suppress(ClientError):
        drop_database(glue, database)
    with contextlib.suppress(ClientError):
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def wrangler(target: Target) -> Iterator[Any]:
    import awswrangler as wr

    for service in ("athena", "s3", "glue", "sts"):
        setattr(wr.config, f"{service}_endpoint_url", target.endpoint)
    yield wr
    wr.config.reset()


def test_pyathena_runs_queries_and_reads_the_catalog(target: Target, lake: dict[str, str]) -> None:
    cursor = _cursor(target, lake)
    cursor.execute(
        "SELECT sensor, rate FROM readings WHERE rate > %(floor)d ORDER BY rate", {"floor": 120}
    )
    assert cursor.fetchall() == [("s1", 130), ("s2", 140), ("s0", 150)]
    assert [column[:2] for column in cursor.description] == [
        ("sensor", "varchar"),
        ("rate", "integer"),
    ]
    assert cursor.output_location.endswith(f"/pyathena/{cursor.query_id}.csv")
    cursor.execute("SELECT count(*) FROM readings")
    assert cursor.fetchone() == (10,)
    table = cursor.get_table_metadata("readings")
    assert [column.name for column in table.columns] == ["sensor", "rate"]
    assert lake["database"] in [database.name for database in cursor.list_databases(None)]


def test_awswrangler_reads_the_same_frame_by_ctas_unload_and_csv(
    target: Target, lake: dict[str, str], wrangler: Any
) -> None:
    session = target.session()
    sql = "SELECT sensor, rate FROM readings WHERE rate > 120 ORDER BY rate"
    arguments = {"database": lake["database"], "boto3_session": session}
    output = f"s3://{lake['bucket']}/wrangler"
    frames = {
        "ctas": wrangler.athena.read_sql_query(sql, s3_output=f"{output}/ctas/", **arguments),
        # UNLOAD writes into s3_output, which must be empty (as Athena requires).
        "unload": wrangler.athena.read_sql_query(
            sql,
            ctas_approach=False,
            unload_approach=True,
            s3_output=f"{output}/unload/",
            **arguments,
        ),
        "csv": wrangler.athena.read_sql_query(
            sql, ctas_approach=False, s3_output=f"{output}/csv/", **arguments
        ),
    }
    expected = {"sensor": ["s1", "s2", "s0"], "rate": [130, 140, 150]}
    for approach, frame in frames.items():
        # Parquet files are not ordered among themselves: compare as sorted by rate.
        ordered = frame.sort_values("rate").reset_index(drop=True)
        assert ordered.to_dict("list") == expected, approach
        assert [str(t) for t in ordered.dtypes] == ["string", "Int32"], approach
    # No row: an empty manifest, so awswrangler types the frame by the CTAS's table.
    empty = wrangler.athena.read_sql_query(
        "SELECT sensor, rate FROM readings WHERE rate > 1000",
        s3_output=f"{output}/empty/",
        **arguments,
    )
    assert list(empty.columns) == ["sensor", "rate"] and len(empty) == 0
    # awswrangler's DDL helpers quote the session database with backticks.
    described = wrangler.athena.describe_table("readings", s3_output=f"{output}/ddl/", **arguments)
    assert list(described["Column Name"]) == ["sensor", "rate"]
    state = wrangler.athena.repair_table("readings", s3_output=f"{output}/ddl/", **arguments)
    assert state == "SUCCEEDED"
    # The CTAS's temporary table is gone again; its files and manifest were deleted.
    tables = wrangler.catalog.tables(database=lake["database"], boto3_session=session)
    assert list(tables["Table"]) == ["readings"]


def test_pyathena_pandas_cursor_reads_through_unload(target: Target, lake: dict[str, str]) -> None:
    from pyathena import connect
    from pyathena.pandas.cursor import PandasCursor

    with connect(
        s3_staging_dir=f"s3://{lake['bucket']}/pyathena/",
        schema_name=lake["database"],
        region_name=REGION,
        endpoint_url=target.endpoint,
        session=target.session(),
        cursor_class=PandasCursor,
    ) as connection:
        cursor = connection.cursor(unload=True)
        frame = cursor.execute(
            "SELECT sensor, rate FROM readings WHERE rate > 120 ORDER BY rate"
        ).as_pandas()
        ordered = frame.sort_values("rate").reset_index(drop=True)
        assert ordered.to_dict("list") == {"sensor": ["s1", "s2", "s0"], "rate": [130, 140, 150]}
        assert cursor.query.lstrip().startswith("UNLOAD")
        manifest = cursor.data_manifest_location
        assert manifest is not None and manifest.endswith(f"{cursor.query_id}-manifest.csv")


def _engine(target: Target, lake: dict[str, str]) -> Any:
    # SQLAlchemy is not in the dev lock yet; these two run once it is.
    sqlalchemy = pytest.importorskip("sqlalchemy")
    staging = quote_plus(f"s3://{lake['bucket']}/sqlalchemy/")
    # The dialect reads s3_staging_dir from the URL: it places CREATE TABLE's LOCATION there.
    return sqlalchemy.create_engine(
        f"awsathena+rest://:@athena.{REGION}.amazonaws.com:443/{lake['database']}"
        f"?s3_staging_dir={staging}",
        connect_args={
            "endpoint_url": target.endpoint,
            "session": target.session(),
            "region_name": REGION,
        },
    )


def test_to_sql_through_pyathena_sqlalchemy_creates_and_fills_a_table(
    target: Target, lake: dict[str, str]
) -> None:
    import pandas as pd

    engine = _engine(target, lake)
    frame = pd.DataFrame({"id": [1, 2, 3], "label": ["a", "b, with comma", None]})
    try:
        frame.to_sql("labels", engine, schema=lake["database"], index=False, method="multi")
        # pandas' default: one INSERT a row, into the table that now exists.
        more = pd.DataFrame({"id": [4], "label": ["it's"]})
        more.to_sql("labels", engine, schema=lake["database"], index=False, if_exists="append")
        query = f'SELECT id, label FROM "{lake["database"]}"."labels" ORDER BY id'
        back = pd.read_sql(query, engine)
        assert back["id"].tolist() == [1, 2, 3, 4]
        labels = back["label"].tolist()
        assert labels[:2] == ["a", "b, with comma"] and labels[3] == "it's"
        assert back["label"].isna().tolist() == [False, False, True, False]
    finally:
        engine.dispose()


def test_sqlalchemy_core_selects_from_a_reflected_table_with_a_schema(
    target: Target, lake: dict[str, str]
) -> None:
    engine = _engine(target, lake)
    from sqlalchemy import MetaData, Table, select

    try:
        readings = Table("readings", MetaData(), schema=lake["database"], autoload_with=engine)
        assert [column.name for column in readings.columns] == ["sensor", "rate"]
        query = select(readings.c.sensor, readings.c.rate).where(readings.c.rate > 140)
        with engine.connect() as connection:
            rows = connection.execute(query.order_by(readings.c.rate)).fetchall()
        assert [tuple(row) for row in rows] == [("s0", 150)]
    finally:
        engine.dispose()


def _cursor(target: Target, lake: dict[str, str]) -> Any:
    from pyathena import connect

    return connect(
        s3_staging_dir=f"s3://{lake['bucket']}/pyathena/",
        schema_name=lake["database"],
        region_name=REGION,
        endpoint_url=target.endpoint,
        session=target.session(),
    ).cursor()


def test_the_statements_pyathenas_dialect_sends_for_to_sql(
    target: Target, lake: dict[str, str]
) -> None:
    """What ``DataFrame.to_sql`` sends through PyAthena's dialect (its DDL compiler's CREATE
    TABLE, with no format given: a TEXTFILE table; then INSERT ... VALUES with the values
    PyAthena's formatter renders), sent with PyAthena's DB-API cursor."""
    database, bucket = lake["database"], lake["bucket"]
    cursor = _cursor(target, lake)
    cursor.execute(
        f"CREATE EXTERNAL TABLE {database}.labels (\n\tid BIGINT, \n\tlabel STRING\n)\n"
        f"LOCATION 's3://{bucket}/sqlalchemy/{database}/labels/'\n\n"
    )
    cursor.execute(
        f'INSERT INTO "{database}".labels (id, label) VALUES '
        "(1, 'a'), (2, 'b, with comma'), (3, null)"
    )
    assert cursor.rowcount == 3
    cursor.execute(f"INSERT INTO \"{database}\".labels (id, label) VALUES (4, 'it''s')")
    cursor.execute(f'SELECT id, label FROM "{database}"."labels" ORDER BY id')
    assert cursor.fetchall() == [(1, "a"), (2, "b, with comma"), (3, None), (4, "it's")]


def test_the_select_sqlalchemy_core_writes_for_a_table_with_a_schema(
    target: Target, lake: dict[str, str]
) -> None:
    database = lake["database"]
    cursor = _cursor(target, lake)
    cursor.execute(
        f'SELECT "{database}".readings.sensor, "{database}".readings.rate \n'
        f'FROM "{database}".readings \nWHERE "{database}".readings.rate > 140 '
        f'ORDER BY "{database}".readings.rate'
    )
    assert cursor.fetchall() == [("s0", 150)]
