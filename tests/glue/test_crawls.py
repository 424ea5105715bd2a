"""Crawls: what a crawler infers from S3 and writes, and its states by the manual clock.

Objects are Firehose-shaped: gzip NDJSON of DynamoDB change records (strings everywhere, as the
article's generator writes them) in hourly Hive partitions, or Firehose's default
``YYYY/MM/DD/HH`` folders, and a Parquet file written with pyarrow.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakehose import Lakehose
from lakehose.clock import ManualClock

ROLE = "arn:aws:iam::000000000000:role/service-role/AWSGlueServiceRole-heartrate"
BUCKET = "heartrate-bucket"
HOUR = "data/year=2024/month=01/day=02/hour={hour:02d}/heartrate-firehose-1-{hour:02d}.gz"
DYNAMODB_TYPE = (
    "struct<ApproximateCreationDateTime:bigint,Keys:struct<id:struct<S:string>>,"
    "NewImage:struct<HeartRate:struct<S:string>,ReportTime:struct<S:string>,"
    "SensorID:struct<S:string>,id:struct<S:string>>,SizeBytes:int,"
    "OldImage:struct<HeartRate:struct<S:string>,ReportTime:struct<S:string>,"
    "SensorID:struct<S:string>,id:struct<S:string>>>"
)
HEARTRATE_COLUMNS = [
    {"Name": "awsregion", "Type": "string"},
    {"Name": "eventid", "Type": "string"},
    {"Name": "eventname", "Type": "string"},
    {"Name": "useridentity", "Type": "string"},
    {"Name": "recordformat", "Type": "string"},
    {"Name": "tablename", "Type": "string"},
    {"Name": "dynamodb", "Type": DYNAMODB_TYPE},
    {"Name": "eventsource", "Type": "string"},
]


def change(n: int, event: str = "INSERT") -> dict[str, Any]:
    """A KDS-for-DynamoDB record of the article's table (every attribute a string)."""
    image = {
        "HeartRate": {"S": str(60 + n % 80)},
        "ReportTime": {"S": "03/22/2315:55:16"},
        "SensorID": {"S": str(1 + n % 5)},
        "id": {"S": str(1679514916 + n)},
    }
    dynamodb: dict[str, Any] = {
        "ApproximateCreationDateTime": 1679514917123 + n,
        "Keys": {"id": image["id"]},
        "NewImage": image,
    }
    if event == "MODIFY":
        dynamodb["OldImage"] = image
    dynamodb["SizeBytes"] = 71
    return {
        "awsRegion": "us-east-1",
        "eventID": f"event-{n}",
        "eventName": event,
        "userIdentity": None,
        "recordFormat": "application/json",
        "tableName": "heartrate-ddb",
        "dynamodb": dynamodb,
        "eventSource": "aws:dynamodb",
    }


def ndjson_gzip(records: list[dict[str, Any]]) -> bytes:
    return gzip.compress(b"".join(json.dumps(record).encode() + b"\n" for record in records))


@dataclass
class Scene:
    """One test's bucket, database and crawler on a runtime shared by the module."""

    lake: Lakehose
    glue: Any
    s3: Any
    bucket: str
    database: str
    crawler: str

    def put(self, key: str, body: bytes) -> int:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body)
        return len(body)

    def crawl(self, path: str = "data/", **members: Any) -> dict[str, Any]:
        """Create (once) and start the crawler, and run it to the end by the clock."""
        try:
            self.glue.get_crawler(Name=self.crawler)
        except self.glue.exceptions.EntityNotFoundException:
            members.setdefault("Targets", {"S3Targets": [{"Path": self.path(path)}]})
            self.glue.create_crawler(
                Name=self.crawler, Role=ROLE, DatabaseName=self.database, **members
            )
        self.glue.start_crawler(Name=self.crawler)
        self.lake.run_due()
        return dict(self.glue.get_crawler(Name=self.crawler)["Crawler"])

    def path(self, folder: str) -> str:
        return f"s3://{self.bucket}/{folder}"

    def table(self, name: str = "data") -> dict[str, Any]:
        return dict(self.glue.get_table(DatabaseName=self.database, Name=name)["Table"])

    def partitions(self, table: str = "data") -> list[dict[str, Any]]:
        found = self.glue.get_partitions(DatabaseName=self.database, TableName=table)
        return list(found["Partitions"])

    def metrics(self) -> dict[str, Any]:
        found = self.glue.get_crawler_metrics(CrawlerNameList=[self.crawler])
        return dict(found["CrawlerMetricsList"][0])


Runtime = tuple[Lakehose, Any, Any]  # the runtime, its Glue client and its S3 client


def _runtime(factory: pytest.TempPathFactory, **options: Any) -> Iterator[Runtime]:
    home = factory.mktemp("crawls") / "home"
    prefixed = {f"glue.{key}": value for key, value in options.items()}
    with Lakehose(home=home, clock=ManualClock(), background=False, options=prefixed) as lake:
        yield lake, lake.client("glue"), lake.client("s3")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """Crawlers with the default options: a started crawler crawls on the next run_due."""
    yield from _runtime(tmp_path_factory)


@pytest.fixture(scope="module")
def timed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """Crawlers that stay RUNNING 30 s and STOPPING 20 s, and sample 2,000 records."""
    yield from _runtime(
        tmp_path_factory,
        crawler_start_seconds=30,
        crawler_stopping_seconds=20,
        crawler_sample_records=2_000,
    )


def _scene(runtime: Runtime, name: str) -> Scene:
    lake, glue, s3 = runtime
    s3.create_bucket(Bucket=name)
    glue.create_database(DatabaseInput={"Name": name})
    return Scene(lake, glue, s3, name, name, name)


@pytest.fixture
def scene(plain: Runtime, name: str) -> Scene:
    return _scene(plain, name)


@pytest.fixture
def timed_scene(timed: Runtime, name: str) -> Scene:
    return _scene(timed, name)


def test_hourly_gzip_ndjson_gives_nested_schema_and_hive_partitions(scene: Scene) -> None:
    sizes = []
    for hour in (3, 4):
        records = [change(hour * 10 + n) for n in range(4)] + [change(hour, "MODIFY")]
        sizes.append(scene.put(HOUR.format(hour=hour), ndjson_gzip(records)))
    shown = scene.crawl()
    assert (shown["State"], shown["LastCrawl"]["Status"]) == ("READY", "SUCCEEDED")
    table = scene.table()
    parameters = {
        "CrawlerSchemaDeserializerVersion": "1.0",
        "CrawlerSchemaSerializerVersion": "1.0",
        "UPDATED_BY_CRAWLER": scene.crawler,
        "averageRecordSize": str(sum(sizes) // 10),
        "classification": "json",
        "compressionType": "gzip",
        "objectCount": "2",
        "recordCount": "10",
        "sizeKey": str(sum(sizes)),
        "typeOfData": "file",
    }
    assert table["StorageDescriptor"] == {
        "Columns": HEARTRATE_COLUMNS,
        "Location": scene.path("data/"),
        "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
        "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
        "Compressed": True,
        "NumberOfBuckets": -1,
        "SerdeInfo": {
            "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe",
            "Parameters": {
                "paths": "awsRegion,dynamodb,eventID,eventName,eventSource,recordFormat,"
                "tableName,userIdentity"
            },
        },
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": parameters,
        "StoredAsSubDirectories": False,
    }
    assert table["PartitionKeys"] == [
        {"Name": key, "Type": "string"} for key in ("year", "month", "day", "hour")
    ]
    assert (table["TableType"], table["Owner"], table["Parameters"]) == (
        "EXTERNAL_TABLE",
        "owner",
        parameters,
    )
    assert table["CreatedBy"] == (
        "arn:aws:sts::000000000000:assumed-role/AWSGlueServiceRole-heartrate/AWS-Crawler"
    )
    found = scene.partitions()
    assert [entry["Values"] for entry in found] == [
        ["2024", "01", "02", "03"],
        ["2024", "01", "02", "04"],
    ]
    first = found[0]["StorageDescriptor"]
    assert first["Location"] == scene.path("data/year=2024/month=01/day=02/hour=03/")
    assert first["Columns"] == HEARTRATE_COLUMNS
    assert (first["Parameters"]["recordCount"], first["Parameters"]["sizeKey"]) == (
        "5",
        str(sizes[0]),
    )


def test_firehose_default_folders_become_unnamed_partitions(scene: Scene) -> None:
    body = ndjson_gzip([change(1)])
    scene.put("2024/01/02/03/heartrate-firehose-1.gz", body)
    scene.put("2024/01/02/04/heartrate-firehose-2.gz", body)
    scene.crawl(path="")
    # At the bucket's root the table takes the bucket's name, as Glue names it.
    name = scene.bucket.replace("-", "_")
    table = scene.table(name)
    assert table["StorageDescriptor"]["Location"] == scene.path("")
    assert [key["Name"] for key in table["PartitionKeys"]] == [
        "partition_0",
        "partition_1",
        "partition_2",
        "partition_3",
    ]
    assert [entry["Values"] for entry in scene.partitions(name)] == [
        ["2024", "01", "02", "03"],
        ["2024", "01", "02", "04"],
    ]


def test_parquet_schema_is_read_from_the_file(scene: Scene) -> None:
    table = pa.table(
        {
            "SensorID": pa.array([1, 2], pa.int32()),
            "reading_id": pa.array([1, 2**40], pa.int64()),
            "HeartRate": pa.array([72.5, 99.0], pa.float64()),
            "ok": pa.array([True, False]),
            "label": pa.array(["a", "b"]),
            "day": pa.array([0, 1], pa.date32()),
            "at": pa.array([0, 1], pa.timestamp("ms")),
            "amount": pa.array([1, 2], pa.decimal128(10, 2)),
            "tags": pa.array([["x"], []], pa.list_(pa.string())),
            "meta": pa.array([{"k": 1, "Src": "a"}, {"k": 2, "Src": "b"}]),
            "attributes": pa.array([[("a", 1)], []], pa.map_(pa.string(), pa.int16())),
        }
    )
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    scene.put("data/readings/part-0.parquet", buffer.getvalue())
    scene.crawl(path="data/readings/")
    found = scene.table("readings")
    descriptor = found["StorageDescriptor"]
    assert descriptor["Columns"] == [
        {"Name": "sensorid", "Type": "int"},
        {"Name": "reading_id", "Type": "bigint"},
        {"Name": "heartrate", "Type": "double"},
        {"Name": "ok", "Type": "boolean"},
        {"Name": "label", "Type": "string"},
        {"Name": "day", "Type": "date"},
        {"Name": "at", "Type": "timestamp"},
        {"Name": "amount", "Type": "decimal(10,2)"},
        {"Name": "tags", "Type": "array<string>"},
        {"Name": "meta", "Type": "struct<k:bigint,Src:string>"},
        {"Name": "attributes", "Type": "map<string,smallint>"},
    ]
    assert descriptor["SerdeInfo"] == {
        "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "Parameters": {"serialization.format": "1"},
    }
    assert (descriptor["InputFormat"], descriptor["OutputFormat"]) == (
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    )
    assert found["PartitionKeys"] == []
    parameters = found["Parameters"]
    assert (parameters["classification"], parameters["compressionType"]) == ("parquet", "none")
    assert parameters["recordCount"] == "2"


def test_recrawl_updates_the_table_and_adds_partitions(scene: Scene) -> None:
    scene.put(HOUR.format(hour=1), ndjson_gzip([change(1)]))
    scene.crawl()
    unchanged = scene.crawl()
    assert unchanged["LastCrawl"]["Status"] == "SUCCEEDED"
    assert scene.table()["VersionId"] == "0"
    assert (scene.metrics()["TablesCreated"], scene.metrics()["TablesUpdated"]) == (0, 0)
    scene.put(HOUR.format(hour=2), ndjson_gzip([{**change(2), "extra": [1, 2.5]}]))
    scene.crawl()
    table = scene.table()
    assert table["VersionId"] == "1"
    assert table["StorageDescriptor"]["Columns"][-1] == {"Name": "extra", "Type": "array<double>"}
    assert [entry["Values"][-1] for entry in scene.partitions()] == ["01", "02"]
    assert (scene.metrics()["TablesCreated"], scene.metrics()["TablesUpdated"]) == (0, 1)


def test_states_follow_the_clock(timed_scene: Scene) -> None:
    scene, glue = timed_scene, timed_scene.glue
    scene.put(HOUR.format(hour=1), ndjson_gzip([change(1)]))
    started = scene.lake.now()
    shown = scene.crawl()
    assert (shown["State"], shown["CrawlElapsedTime"], "LastCrawl" in shown) == (
        "RUNNING",
        0,
        False,
    )
    scene.lake.advance(29)
    assert glue.get_crawler(Name=scene.crawler)["Crawler"]["CrawlElapsedTime"] == 29_000
    assert glue.get_tables(DatabaseName=scene.database)["TableList"] == []
    scene.lake.advance(1)
    shown = glue.get_crawler(Name=scene.crawler)["Crawler"]
    assert (shown["State"], shown["LastCrawl"]["Status"]) == ("STOPPING", "SUCCEEDED")
    assert shown["LastCrawl"]["StartTime"].timestamp() == started
    assert scene.table()["Name"] == "data"
    with pytest.raises(glue.exceptions.CrawlerRunningException):
        glue.start_crawler(Name=scene.crawler)
    with pytest.raises(glue.exceptions.CrawlerStoppingException):
        glue.stop_crawler(Name=scene.crawler)
    scene.lake.advance(19)
    assert glue.get_crawler(Name=scene.crawler)["Crawler"]["State"] == "STOPPING"
    scene.lake.advance(1)
    assert glue.get_crawler(Name=scene.crawler)["Crawler"]["State"] == "READY"
    assert scene.metrics()["LastRuntimeSeconds"] == 30.0


def test_stop_cancels_the_crawl(timed_scene: Scene) -> None:
    scene = timed_scene
    scene.put(HOUR.format(hour=1), ndjson_gzip([change(1)]))
    scene.crawl()
    scene.glue.stop_crawler(Name=scene.crawler)
    scene.lake.advance(60)
    shown = scene.glue.get_crawler(Name=scene.crawler)["Crawler"]
    assert (shown["State"], shown["LastCrawl"]["Status"]) == ("READY", "CANCELLED")
    assert scene.glue.get_tables(DatabaseName=scene.database)["TableList"] == []


def test_schema_comes_from_a_sample_and_every_record_is_counted(timed_scene: Scene) -> None:
    records = [change(n) for n in range(2_999)] + [{**change(0), "late": True}]
    timed_scene.put(HOUR.format(hour=1), ndjson_gzip(records))
    timed_scene.crawl()
    timed_scene.lake.flush()
    table = timed_scene.table()
    assert table["Parameters"]["recordCount"] == "3000"
    assert "late" not in [column["Name"] for column in table["StorageDescriptor"]["Columns"]]


def test_a_crawler_running_at_shutdown_crawls_after_restart(tmp_path: Path) -> None:
    clock = ManualClock()
    with Lakehose(home=tmp_path, clock=clock, background=False) as lake:
        scene = _scene((lake, lake.client("glue"), lake.client("s3")), "restart")
        scene.put(HOUR.format(hour=1), ndjson_gzip([change(1)]))
        scene.glue.create_crawler(
            Name="hr",
            Role=ROLE,
            DatabaseName=scene.database,
            Targets={"S3Targets": [{"Path": scene.path("data/")}]},
        )
        scene.glue.start_crawler(Name="hr")
    with Lakehose(home=tmp_path, clock=clock, background=False) as lake:
        glue = lake.client("glue")
        assert glue.get_crawler(Name="hr")["Crawler"]["State"] == "RUNNING"
        lake.run_due()
        assert glue.get_crawler(Name="hr")["Crawler"]["LastCrawl"]["Status"] == "SUCCEEDED"
        assert glue.get_table(DatabaseName="restart", Name="data")["Table"]["Name"] == "data"


def test_a_missing_database_fails_the_crawl(scene: Scene) -> None:
    scene.put(HOUR.format(hour=1), ndjson_gzip([change(1)]))
    scene.glue.delete_database(Name=scene.database)
    shown = scene.crawl()
    assert shown["State"] == "READY"
    assert (shown["LastCrawl"]["Status"], shown["LastCrawl"]["ErrorMessage"]) == (
        "FAILED",
        f"Database {scene.database} not found.",
    )


def test_a_missing_bucket_fails_the_crawl(scene: Scene) -> None:
    shown = scene.crawl(Targets={"S3Targets": [{"Path": f"s3://{scene.bucket}-absent/data/"}]})
    assert (shown["LastCrawl"]["Status"], shown["LastCrawl"]["ErrorMessage"]) == (
        "FAILED",
        "The specified bucket does not exist",
    )
    assert scene.metrics()["TablesCreated"] == 0


def test_hidden_excluded_and_foreign_objects_are_skipped(scene: Scene) -> None:
    record = ndjson_gzip([{"id": "1"}])
    for key in ("data/part-1.json.gz", "data/.hidden/part.json.gz", "data/tmp/skip.json.gz"):
        scene.put(key, record)
    scene.put("data/_SUCCESS", b"done")
    scene.put("data/notes.txt", b"hello")
    scene.put("data/other.json", b'{"other": true}\n')
    targets = {"S3Targets": [{"Path": scene.path("data/"), "Exclusions": ["tmp/**"]}]}
    scene.crawl(Targets=targets, TablePrefix="Raw-")
    table = scene.table("raw_data")
    assert table["StorageDescriptor"]["Columns"] == [
        {"Name": "other", "Type": "boolean"},
        {"Name": "id", "Type": "string"},
    ]
    assert table["Parameters"]["objectCount"] == "2"
    assert table["PartitionKeys"] == []


def test_tables_no_longer_found_are_deprecated(scene: Scene) -> None:
    key = "data/readings/part-1.gz"
    scene.put(key, ndjson_gzip([change(1)]))
    scene.crawl(path="data/readings")
    scene.s3.delete_object(Bucket=scene.bucket, Key=key)
    scene.crawl()
    marked = scene.table("readings")["Parameters"]["DEPRECATED_BY_CRAWLER"]
    assert marked == str(int(scene.lake.now() * 1000))
    assert scene.metrics()["TablesDeleted"] == 1
