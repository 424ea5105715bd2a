"""The heart-rate readings: the article's item shape, with unique ids and ISO-8601 UTC times."""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from rich.console import Console

from lakehose import Lakehose
from lakehose.cli.generate import put_readings
from lakehose.cli.heartrate import TABLE_NAME, Reading, ReadingGenerator, iso_utc

MOMENT = datetime(2023, 3, 22, 19, 55, 16, 123456, tzinfo=UTC)


def test_item_is_the_articles_shape_with_every_attribute_a_string() -> None:
    reading = Reading("1f0c", 123, 5, MOMENT)
    item = reading.item()
    assert item == {
        "id": {"S": "1f0c"},
        "HeartRate": {"S": "123"},
        "SensorID": {"S": "5"},
        "ReportTime": {"S": "2023-03-22T19:55:16.123Z"},
    }
    assert list(item) == ["id", "HeartRate", "SensorID", "ReportTime"]


def test_report_time_is_utc_whatever_zone_it_was_taken_in() -> None:
    eastern = MOMENT.astimezone(timezone(timedelta(hours=-4)))
    assert iso_utc(eastern) == "2023-03-22T19:55:16.123Z"


def test_a_time_without_a_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        iso_utc(datetime(2023, 3, 22, 19, 55, 16))


def test_values_span_the_articles_ranges() -> None:
    generator = ReadingGenerator(seed=1)
    readings = [generator.reading(MOMENT) for _ in range(5000)]
    assert {r.sensor_id for r in readings} == {1, 2, 3, 4, 5}
    assert min(r.heart_rate for r in readings) == 60
    assert max(r.heart_rate for r in readings) == 140


def test_ids_are_unique_version_4_uuids() -> None:
    generator = ReadingGenerator(seed=2)
    ids = [generator.reading(MOMENT).id for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {4}


def test_the_same_seed_gives_the_same_readings() -> None:
    def first(seed: int | None) -> list[Reading]:
        generator = ReadingGenerator(seed)
        return [generator.reading(MOMENT) for _ in range(20)]

    assert first(7) == first(7)
    assert first(7) != first(8)
    assert first(None) != first(None)


class RecordingTable:
    """A DynamoDB client stand-in that keeps what PutItem was given."""

    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []

    def put_item(self, **request: Any) -> dict[str, Any]:
        self.puts.append(request)
        return {}


class FakeTime:
    """A monotonic clock that moves only when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _quiet() -> Console:
    return Console(file=io.StringIO())


def test_rate_paces_the_writes_against_the_start() -> None:
    table, clock = RecordingTable(), FakeTime()
    put_readings(
        table,
        count=5,
        seed=3,
        rate=4.0,
        console=_quiet(),
        now=lambda: MOMENT,
        monotonic=clock.monotonic,
        sleep=clock.sleep,
    )
    assert len(table.puts) == 5
    assert clock.slept == pytest.approx([0.25] * 4)
    assert clock.now == pytest.approx(101.0)


def test_without_a_rate_nothing_waits() -> None:
    table, clock = RecordingTable(), FakeTime()
    put_readings(table, count=3, console=_quiet(), monotonic=clock.monotonic, sleep=clock.sleep)
    assert len(table.puts) == 3
    assert clock.slept == []


def test_readings_are_written_with_put_item(lake: Lakehose) -> None:
    dynamodb = lake.client("dynamodb")
    dynamodb.create_table(
        TableName=TABLE_NAME,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    readings = put_readings(dynamodb, count=12, seed=4, console=_quiet(), now=lambda: MOMENT)
    assert dynamodb.describe_table(TableName=TABLE_NAME)["Table"]["ItemCount"] == 12
    for reading in readings:
        stored = dynamodb.get_item(TableName=TABLE_NAME, Key={"id": {"S": reading.id}})["Item"]
        assert stored == reading.item()
