"""Partitions from Glue and from projection, pruned before any file is opened."""

from __future__ import annotations

import gzip

import pytest

from lakehose.services.athena.sql import QueryFailed
from tests.athena.sql.conftest import Lake

HOURLY = """CREATE EXTERNAL TABLE heartrate.readings (sensor int, rate int)
PARTITIONED BY (year string, month string, day string, hour string)
ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'
LOCATION 's3://lake/data/'"""


def reading(sensor: int, rate: int) -> bytes:
    return b'{"sensor": %d, "rate": %d}\n' % (sensor, rate)


@pytest.fixture
def hourly(lake: Lake) -> Lake:
    """Firehose's Hive-style layout: two days of four hours, one object per hour."""
    lake.run(HOURLY)
    for day in ("21", "22"):
        for hour in ("00", "06", "12", "18"):
            key = f"data/year=2023/month=03/day={day}/hour={hour}/heartrate-firehose-1.gz"
            lake.put(key, gzip.compress(reading(int(hour), int(day))))
    lake.put("data/year=2023/month=03/day=22/hour=18/_SUCCESS", b"")
    lake.put("data/year=2023/month=03/day=22/hour=18/.hidden", b"not json")
    return lake


def test_msck_repair_adds_hive_partitions_and_never_removes(hourly: Lake) -> None:
    assert hourly.rows("SHOW PARTITIONS readings") == []
    hourly.run("MSCK REPAIR TABLE readings")
    partitions = [r[0] for r in hourly.rows("SHOW PARTITIONS readings")]
    assert partitions[0] == "year=2023/month=03/day=21/hour=00"
    assert len(partitions) == 8
    hourly.run("ALTER TABLE readings DROP PARTITION (year='2023', month='03', day='21', hour='00')")
    assert len(hourly.rows("SHOW PARTITIONS readings")) == 7
    hourly.run("MSCK REPAIR TABLE readings")
    assert len(hourly.rows("SHOW PARTITIONS readings")) == 8


def test_glue_partitions_are_pruned_before_files_are_opened(hourly: Lake) -> None:
    hourly.run("MSCK REPAIR TABLE readings")
    everything = hourly.run("SELECT count(*) FROM readings")
    assert everything.rows == [["8"]]
    assert everything.files_opened == 8  # _SUCCESS and .hidden are not data files

    one_day = hourly.run(
        "SELECT sum(rate), count(*) FROM readings WHERE day = '22' AND hour >= '12'"
    )
    assert one_day.rows == [["44", "2"]]
    assert one_day.files_opened == 2
    assert one_day.data_scanned_bytes == sum(
        o.size
        for o in hourly.store.list_objects("lake", "data/year=2023/month=03/day=22/hour=1")
        if o.key.endswith(".gz")
    )

    joined = hourly.run(
        "SELECT r.sensor FROM readings r JOIN readings s ON r.sensor = s.sensor "
        "WHERE r.day = '21' AND r.hour = '06' AND s.day = '22' AND s.hour = '06'"
    )
    assert joined.rows == [["6"]]
    assert joined.files_opened == 2


def test_alter_table_adds_partitions_anywhere(hourly: Lake) -> None:
    hourly.put("elsewhere/readings.json", reading(99, 99))
    hourly.run(
        "ALTER TABLE readings ADD IF NOT EXISTS "
        "PARTITION (year='2024', month='01', day='01', hour='00') LOCATION 's3://lake/elsewhere/' "
        "PARTITION (year='2024', month='01', day='01', hour='01')"
    )
    partitions = hourly.catalog.get_partitions("heartrate", "readings")
    assert [p["StorageDescriptor"]["Location"] for p in partitions] == [
        "s3://lake/elsewhere/",
        "s3://lake/data/year=2024/month=01/day=01/hour=01/",
    ]
    assert hourly.rows("SELECT sensor, year FROM readings") == [["99", "2024"]]
    with pytest.raises(QueryFailed, match="AlreadyExistsException"):
        hourly.run(
            "ALTER TABLE readings ADD PARTITION (year='2024', month='01', day='01', hour='00')"
        )
    with pytest.raises(QueryFailed, match="Partition not found"):
        hourly.run(
            "ALTER TABLE readings DROP PARTITION (year='1999', month='01', day='01', hour='00')"
        )
    hourly.run(
        "ALTER TABLE readings DROP IF EXISTS "
        "PARTITION (year='1999', month='01', day='01', hour='00')"
    )


def projected(lake: Lake, keys: str, properties: str, layout: dict[str, bytes]) -> None:
    lake.run(
        f"CREATE EXTERNAL TABLE heartrate.projected (sensor int, rate int) PARTITIONED BY ({keys}) "
        "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe' LOCATION 's3://lake/projected/' "
        f"TBLPROPERTIES ('projection.enabled' = 'true', {properties})"
    )
    for key, body in layout.items():
        lake.put(f"projected/{key}", body)


def test_date_projection_with_a_location_template_prunes(lake: Lake) -> None:
    # Firehose's default layout (reference section 5.5): yyyy/MM/dd/HH folders, no k=v.
    projected(
        lake,
        "datehour string",
        "'projection.datehour.type' = 'date', 'projection.datehour.format' = 'yyyy/MM/dd/HH', "
        "'projection.datehour.range' = '2023/03/22/00,NOW', "
        "'projection.datehour.interval' = '1', 'projection.datehour.interval.unit' = 'HOURS', "
        "'storage.location.template' = 's3://lake/projected/${datehour}/'",
        {f"2023/03/22/{h:02d}/part.json": reading(h, 60 + h) for h in range(0, 20, 2)},
    )
    outcome = lake.run("SELECT sensor, datehour FROM projected WHERE datehour = '2023/03/22/04'")
    assert outcome.rows == [["4", "2023/03/22/04"]]
    assert outcome.files_opened == 1
    ranged = lake.run(
        "SELECT count(*) FROM projected WHERE datehour BETWEEN '2023/03/22/10' AND '2023/03/22/13'"
    )
    assert ranged.rows == [["2"]]
    assert ranged.files_opened == 2
    # The clock (19:56 UTC) ends the range: the hours after it are never listed.
    assert lake.run("SELECT count(*) FROM projected").rows == [["10"]]


def test_integer_enum_and_injected_projection(lake: Lake) -> None:
    projected(
        lake,
        "bucket int, region string, device string",
        "'projection.bucket.type' = 'integer', 'projection.bucket.range' = '1,20', "
        "'projection.bucket.digits' = '2', "
        "'projection.region.type' = 'enum', 'projection.region.values' = 'eu,us', "
        "'projection.device.type' = 'injected'",
        {
            "bucket=03/region=eu/device=watch/a.json": reading(3, 1),
            "bucket=03/region=us/device=watch/a.json": reading(3, 2),
            "bucket=07/region=eu/device=watch/a.json": reading(7, 3),
            "bucket=07/region=eu/device=ring/a.json": reading(7, 4),
        },
    )
    outcome = lake.run(
        "SELECT sum(rate) FROM projected WHERE device = 'watch' AND region = 'eu' AND bucket < 5"
    )
    assert outcome.rows == [["1"]]
    assert outcome.files_opened == 1
    assert lake.rows("SELECT sum(rate) FROM projected WHERE device IN ('watch', 'ring')") == [
        ["10"]
    ]
    with pytest.raises(QueryFailed, match="injected projected partition column device"):
        lake.run("SELECT count(*) FROM projected")
