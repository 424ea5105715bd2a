"""Real Athena clients against ``lakehose up``: PyAthena and the AWS SDK for pandas.

Both are pointed at the server with their own endpoint settings and run a query over a Glue
table; they also read the catalog (PyAthena through Athena's metadata API, awswrangler through
Glue). awswrangler runs with ``ctas_approach=False``, so it reads the result CSV from S3 itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.athena.tables import create_json_table, drop_database, put_ndjson
from tests.conftest import ServerProcess

CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
REGION = "us-east-1"


@pytest.fixture
def lake_table(server: ServerProcess, name: str) -> Iterator[dict[str, str]]:
    """A bucket with a readings table of 10 rows, and its Glue database, on the server."""
    s3, glue = server.client("s3"), server.client("glue")
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


def test_pyathena_runs_queries_and_reads_the_catalog(
    server: ServerProcess, lake_table: dict[str, str]
) -> None:
    from pyathena import connect

    with connect(
        s3_staging_dir=f"s3://{lake_table['bucket']}/pyathena/",
        schema_name=lake_table["database"],
        region_name=REGION,
        endpoint_url=server.endpoint,
        **CREDENTIALS,
    ) as connection:
        cursor = connection.cursor()
        cursor.execute(
            "SELECT sensor, rate FROM readings WHERE rate > %(floor)d ORDER BY rate",
            {"floor": 120},
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
        names = [database.name for database in cursor.list_databases(None)]
        assert lake_table["database"] in names


# awswrangler 3.x still passes pandas' deprecated ``copy=`` to ``concat`` (its warning, not ours).
@pytest.mark.filterwarnings("ignore::pandas.errors.Pandas4Warning")
def test_awswrangler_reads_a_query_into_a_data_frame(
    server: ServerProcess, lake_table: dict[str, str]
) -> None:
    import awswrangler as wr

    session = boto3.Session(region_name=REGION, **CREDENTIALS)
    for service in ("athena", "s3", "glue", "sts"):
        setattr(wr.config, f"{service}_endpoint_url", server.endpoint)
    try:
        frame = wr.athena.read_sql_query(
            "SELECT sensor, rate FROM readings WHERE rate > 120 ORDER BY rate",
            database=lake_table["database"],
            ctas_approach=False,
            s3_output=f"s3://{lake_table['bucket']}/wrangler/",
            boto3_session=session,
        )
        assert frame.to_dict("list") == {"sensor": ["s1", "s2", "s0"], "rate": [130, 140, 150]}
        tables = wr.catalog.tables(database=lake_table["database"], boto3_session=session)
        assert list(tables["Table"]) == ["readings"]
    finally:
        wr.config.reset()
