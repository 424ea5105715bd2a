"""Athena over the article's data: lakehose's full API path against raw DuckDB, same files.

Generates heart-rate change records as the pipeline delivers them (KDS-for-DynamoDB records,
newline-terminated by the Lambda, GZIP objects of about 1 MiB under Firehose's hourly
``data/year=/month=/day=/hour=/`` prefixes) and the same records as Parquet (one file per
hour), registers the article's Glue table over each, and times three queries:

* the article's named query (readings with HeartRate > 120),
* ``SELECT count(*)``,
* a per-sensor aggregate (count, average and maximum heart rate per sensor);

through StartQueryExecution -> GetQueryExecution -> GetQueryResults (every page) on an
in-process ``Lakehose`` client; through the SQL engine alone (``SqlEngine.execute`` over the
same ports, no API, no result files); and through DuckDB reading the very same object files
directly (``read_json`` with gzip and an exact-case schema, ``read_parquet``), in the same
run. The DuckDB baseline does none of Athena's work (no OpenX semantics, no result rendering,
no result files, no wire format), so the ratios are the price of those.

    python benchmarks/bench_athena.py                 # 1,000,000 records
    python benchmarks/bench_athena.py --records 50000 # a quick run
"""

from __future__ import annotations

import argparse
import functools
import gzip
import io
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from lakehose import Lakehose
from lakehose.services.athena.sql import SqlEngine
from lakehose.wiring.athena import GlueCatalog, S3Store

BUCKET = "heartrate-lake"
RESULTS = "heartrate-athena-results"
DATABASE = "heartrate-glue-db"
OBJECT_BYTES = 1024 * 1024  # Firehose's 1 MiB buffer
HOURS = 24
START = datetime(2023, 3, 22, 0, 0, 0, tzinfo=UTC)
SCHEMA = (
    "struct<NewImage:struct<id:struct<S:string>,HeartRate:struct<S:int>,"
    "SensorID:struct<S:int>,ReportTime:struct<S:string>>>"
)
QUERIES = {
    "article query": """SELECT dynamodb.newimage.Id.S as ID,
dynamodb.newimage.HeartRate.S as HeartRate,
dynamodb.newimage.SensorID.S as SensorID,
dynamodb.newimage.ReportTime.S as ReportTime
FROM "{table}"
WHERE dynamodb.newimage.HeartRate.S > 120""",
    "count(*)": 'SELECT count(*) FROM "{table}"',
    "per-sensor aggregate": """SELECT dynamodb.newimage.SensorID.S AS sensor, count(*) AS readings,
avg(dynamodb.newimage.HeartRate.S) AS average, max(dynamodb.newimage.HeartRate.S) AS highest
FROM "{table}" GROUP BY 1 ORDER BY 1""",
}
DUCK_COLUMNS = {
    "dynamodb": "STRUCT(NewImage STRUCT(id STRUCT(S VARCHAR), HeartRate STRUCT(S INTEGER), "
    "SensorID STRUCT(S INTEGER), ReportTime STRUCT(S VARCHAR)))"
}


def records(count: int, seed: int = 7) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """The article's generator (reference section 7.2) as DynamoDB's change records."""
    rng = random.Random(seed)
    spacing = HOURS * 3600 / max(count, 1)
    for index in range(count):
        moment = START + timedelta(seconds=index * spacing)
        item_id = str(int(moment.timestamp()) * 1000 + index % 1000)
        image = {
            "HeartRate": {"S": str(rng.randint(60, 140))},
            "ReportTime": {"S": moment.strftime("%m/%d/%y%H:%M:%S")},
            "SensorID": {"S": str(rng.randint(1, 5))},
            "id": {"S": item_id},
        }
        yield (
            moment,
            {
                "awsRegion": "us-east-1",
                "eventID": f"{index:08x}-2f0b-4f7e-9d55-0d5a1c0b7e11",
                "eventName": "INSERT",
                "userIdentity": None,
                "recordFormat": "application/json",
                "tableName": "heartrate-ddb",
                "dynamodb": {
                    "ApproximateCreationDateTime": int(moment.timestamp() * 1000),
                    "Keys": {"id": {"S": item_id}},
                    "NewImage": image,
                    "SizeBytes": 71,
                },
                "eventSource": "aws:dynamodb",
            },
        )


def firehose_objects(count: int) -> Iterator[tuple[str, bytes, list[dict[str, Any]]]]:
    """(key, gzip body, records) per delivered object, at most 1 MiB of records each."""
    batch: list[bytes] = []
    kept: list[dict[str, Any]] = []
    size, first = 0, START
    sequence = 0

    def flush() -> tuple[str, bytes, list[dict[str, Any]]]:
        nonlocal sequence
        sequence += 1
        prefix = first.strftime("data/year=%Y/month=%m/day=%d/hour=%H/")
        stamp = first.strftime("%Y-%m-%d-%H-%M-%S")
        key = f"{prefix}heartrate-firehose-1-{stamp}-{sequence:08d}.gz"
        return key, gzip.compress(b"".join(batch)), kept

    for moment, record in records(count):
        line = orjson.dumps(record) + b"\n"
        hour_changed = batch and moment.hour != first.hour
        if batch and (size + len(line) > OBJECT_BYTES or hour_changed):
            yield flush()
            batch, kept, size = [], [], 0
        if not batch:
            first = moment
        batch.append(line)
        kept.append(record)
        size += len(line)
    if batch:
        yield flush()


def parquet_bytes(rows: list[dict[str, Any]]) -> bytes:
    images = [r["dynamodb"]["NewImage"] for r in rows]
    column = pa.array(
        [
            {
                "NewImage": {
                    "id": {"S": i["id"]["S"]},
                    "HeartRate": {"S": int(i["HeartRate"]["S"])},
                    "SensorID": {"S": int(i["SensorID"]["S"])},
                    "ReportTime": {"S": i["ReportTime"]["S"]},
                }
            }
            for i in images
        ]
    )
    buffer = io.BytesIO()
    pq.write_table(pa.table({"dynamodb": column}), buffer, compression="snappy")
    return buffer.getvalue()


def glue_table(name: str, location: str, parquet: bool) -> dict[str, Any]:
    if parquet:
        formats = {
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": (
                    "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                )
            },
        }
    else:
        formats = {
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
        }
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet" if parquet else "json"},
        "PartitionKeys": [],
        "StorageDescriptor": {
            "Location": location,
            "Columns": [{"Name": "dynamodb", "Type": SCHEMA}],
            **formats,
        },
    }


def load(lake: Lakehose, count: int) -> None:
    s3: Any = lake.client("s3")
    glue: Any = lake.client("glue")
    for bucket in (BUCKET, RESULTS):
        s3.create_bucket(Bucket=bucket)
    hourly: dict[str, list[dict[str, Any]]] = {}
    objects = 0
    for key, body, rows in firehose_objects(count):
        s3.put_object(Bucket=BUCKET, Key=f"json/{key}", Body=body, ContentEncoding="gzip")
        hourly.setdefault(key.rsplit("/", 1)[0], []).extend(rows)
        objects += 1
    for folder, rows in hourly.items():
        s3.put_object(
            Bucket=BUCKET, Key=f"parquet/{folder}/part-0.parquet", Body=parquet_bytes(rows)
        )
    glue.create_database(DatabaseInput={"Name": DATABASE})
    glue.create_table(
        DatabaseName=DATABASE, TableInput=glue_table("json", f"s3://{BUCKET}/json/", False)
    )
    glue.create_table(
        DatabaseName=DATABASE, TableInput=glue_table("parquet", f"s3://{BUCKET}/parquet/", True)
    )
    print(f"loaded {count:,} records: {objects} gzip JSON objects, {len(hourly)} Parquet files")


def athena_run(athena: Any, sql: str) -> int:
    """StartQueryExecution, wait, read every GetQueryResults page; returns the data rows."""
    started = athena.start_query_execution(
        QueryString=sql,
        QueryExecutionContext={"Database": DATABASE},
        ResultConfiguration={"OutputLocation": f"s3://{RESULTS}/athena-output/"},
    )
    query_id = started["QueryExecutionId"]
    while True:
        status = athena.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]["Status"]
        if status["State"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            break
        time.sleep(0.01)
    if status["State"] != "SUCCEEDED":
        raise RuntimeError(f"{sql[:40]}...: {status['State']} {status.get('StateChangeReason')}")
    rows, token = 0, None
    while True:
        page = athena.get_query_results(
            QueryExecutionId=query_id, MaxResults=1000, **({"NextToken": token} if token else {})
        )
        rows += len(page["ResultSet"]["Rows"])
        token = page.get("NextToken")
        if not token:
            return rows - 1  # the header row


def duckdb_sources(lake: Lakehose) -> dict[str, str]:
    """``read_json`` / ``read_parquet`` calls over the same object files."""
    from lakehose.services.s3 import S3Engine

    s3 = lake.engine("s3")
    assert isinstance(s3, S3Engine)

    def paths(prefix: str) -> str:
        keys = [o.key for o in s3.list_keys(BUCKET, prefix)]
        return "[" + ", ".join(f"'{s3.object_path(BUCKET, k)}'" for k in keys) + "]"

    columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in DUCK_COLUMNS.items()) + "}"
    return {
        "json": f"read_json({paths('json/')}, format='newline_delimited', "
        f"compression='gzip', columns={columns})",
        "parquet": f"read_parquet({paths('parquet/')})",
    }


def timed(action: Callable[[], int], repeat: int) -> tuple[float, int]:
    best, rows = float("inf"), 0
    for _ in range(repeat):
        began = time.perf_counter()
        rows = action()
        best = min(best, time.perf_counter() - began)
    return best, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs per query; best is kept")
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home, Lakehose(home=Path(home), background=True) as lake:
        began = time.perf_counter()
        load(lake, options.records)
        print(f"generated and stored in {time.perf_counter() - began:.1f} s\n")
        athena: Any = lake.client("athena")
        engine = SqlEngine(
            GlueCatalog(lake),
            S3Store(lake),
            scratch_dir=Path(home) / "bench-scratch",
            region="us-east-1",
            account_id="000000000000",
        )
        duck = duckdb.connect()
        sources = duckdb_sources(lake)
        header = (
            f"{'query':22} {'format':8} {'rows':>8} {'API s':>8} {'engine s':>9} "
            f"{'DuckDB s':>9} {'API/DuckDB':>11} {'engine/DuckDB':>14}"
        )
        print(header)
        print("-" * len(header))
        for title, template in QUERIES.items():
            for table in ("json", "parquet"):
                ours, ours_rows = timed(
                    functools.partial(athena_run, athena, template.format(table=table)),
                    options.repeat,
                )
                alone, _ = timed(
                    functools.partial(
                        lambda sql: len(engine.execute(sql, database=DATABASE).rows),
                        template.format(table=table),
                    ),
                    options.repeat,
                )
                raw = template.replace('"{table}"', "{source}").format(source=sources[table])
                theirs, their_rows = timed(
                    functools.partial(lambda sql: len(duck.sql(sql).fetchall()), raw),
                    options.repeat,
                )
                same = "" if ours_rows == their_rows else f"  (DuckDB rows: {their_rows})"
                print(
                    f"{title:22} {table:8} {ours_rows:>8,} {ours:>8.2f} {alone:>9.2f} "
                    f"{theirs:>9.2f} {ours / theirs:>10.1f}x {alone / theirs:>13.1f}x{same}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
