"""Behaviour driven by the clock (retention, iterator expiry, status delays, throughput windows)
and by restarts, on in-process runtimes with a manual clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.services.kinesis.engine import KinesisEngine
from tests.conftest import NO_RETRIES
from tests.kinesis.conftest import error_code, error_message, read_shard

SHARD = "shardId-000000000000"
HOUR = 3600.0


def _iterator(client: Any, stream: str, kind: str = "TRIM_HORIZON", **extra: Any) -> str:
    response = client.get_shard_iterator(
        StreamName=stream, ShardId=SHARD, ShardIteratorType=kind, **extra
    )
    return str(response["ShardIterator"])


def _data(client: Any, stream: str, **extra: Any) -> list[bytes]:
    return [
        r["Data"]
        for r in client.get_records(ShardIterator=_iterator(client, stream, **extra))["Records"]
    ]


@pytest.fixture
def runtime(
    tmp_path: Path, clock: ManualClock, request: pytest.FixtureRequest
) -> Iterator[Lakehose]:
    """A runtime with the manual clock and the options the test passes as its (indirect) param."""
    options = getattr(request, "param", {})
    with Lakehose(home=tmp_path / "home", clock=clock, background=False, options=options) as lake:
        yield lake


def test_retention_trims_by_the_clock(lake: Lakehose, lake_kinesis: Any) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    lake_kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"old")
    lake.advance(12 * HOUR)
    lake_kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"young")
    lake.advance(11 * HOUR)
    assert _data(lake_kinesis, "s") == [b"old", b"young"]
    lake.advance(2 * HOUR)  # 25 h after the first record, 13 h after the second
    assert _data(lake_kinesis, "s") == [b"young"]
    engine = lake.engine("kinesis")
    assert isinstance(engine, KinesisEngine)
    rows = engine.db.query("SELECT COUNT(*) FROM records")
    assert rows[0][0] == 1  # the expired record is gone from disk, not only hidden


def test_longer_retention_keeps_records(lake: Lakehose, lake_kinesis: Any) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    lake_kinesis.increase_stream_retention_period(StreamName="s", RetentionPeriodHours=48)
    lake_kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"kept")
    lake.advance(47 * HOUR)
    assert _data(lake_kinesis, "s") == [b"kept"]
    lake.advance(2 * HOUR)
    assert _data(lake_kinesis, "s") == []


def test_closed_shards_disappear_after_retention(lake: Lakehose, lake_kinesis: Any) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    lake_kinesis.split_shard(StreamName="s", ShardToSplit=SHARD, NewStartingHashKey=str(2**127))
    assert len(lake_kinesis.list_shards(StreamName="s")["Shards"]) == 3
    lake.advance(25 * HOUR)
    shards = lake_kinesis.list_shards(StreamName="s")["Shards"]
    assert [s["ShardId"] for s in shards] == ["shardId-000000000001", "shardId-000000000002"]


def test_iterators_expire_after_five_minutes(
    lake: Lakehose, lake_kinesis: Any, clock: ManualClock
) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    lake_kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"x")
    issued = clock.now()
    iterator = _iterator(lake_kinesis, "s")
    lake.advance(300)
    page = lake_kinesis.get_records(ShardIterator=iterator)  # exactly 5 minutes: still valid
    assert [r["Data"] for r in page["Records"]] == [b"x"]
    lake.advance(0.001)
    with pytest.raises(ClientError) as error:
        lake_kinesis.get_records(ShardIterator=iterator)
    assert error_code(error) == "ExpiredIteratorException"
    assert error_message(error) == (
        "Iterator expired. The iterator was created at time Tue Nov 14 22:13:20 UTC 2023 while "
        "right now it is Tue Nov 14 22:18:20 UTC 2023 which is further in the future than the "
        "tolerated delay of 300000 milliseconds."
    )
    assert issued == 1_700_000_000.0
    # The NextShardIterator handed out at 5 minutes is new, good for 5 more.
    assert lake_kinesis.get_records(ShardIterator=page["NextShardIterator"])["Records"] == []


def test_arrival_timestamps_come_from_the_clock_to_the_millisecond(
    lake_kinesis: Any, clock: ManualClock
) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    clock.set(1_700_000_000.123456)
    lake_kinesis.put_record(StreamName="s", PartitionKey="k", Data=b"x")
    (record,) = read_shard(lake_kinesis, "s", SHARD)
    assert record["ApproximateArrivalTimestamp"] == datetime(
        2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC
    )


def test_at_timestamp_picks_the_first_record_at_or_after(
    lake: Lakehose, lake_kinesis: Any, clock: ManualClock
) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    start = clock.now()
    for second in range(3):
        lake_kinesis.put_record(StreamName="s", PartitionKey="k", Data=bytes([second]))
        lake.advance(1)
    at = datetime.fromtimestamp
    assert _data(lake_kinesis, "s", kind="AT_TIMESTAMP", Timestamp=at(start + 1, UTC)) == [
        b"\x01",
        b"\x02",
    ]
    assert _data(lake_kinesis, "s", kind="AT_TIMESTAMP", Timestamp=at(start + 1.5, UTC)) == [
        b"\x02"
    ]
    assert _data(lake_kinesis, "s", kind="AT_TIMESTAMP", Timestamp=at(start - 9e5, UTC)) == [
        b"\x00",
        b"\x01",
        b"\x02",
    ]
    assert _data(lake_kinesis, "s", kind="AT_TIMESTAMP", Timestamp=at(start + 2.5, UTC)) == []
    with pytest.raises(ClientError) as error:
        _iterator(lake_kinesis, "s", "AT_TIMESTAMP", Timestamp=at(start + 60, UTC))
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        "The timestampInMillis parameter cannot be greater than the currentTimestampInMillis. "
        f"timestampInMillis: {int((start + 60) * 1000)}, currentTimestampInMillis: "
        f"{int((start + 3) * 1000)}"
    )


def test_millis_behind_latest_measures_the_oldest_unread_record(
    lake: Lakehose, lake_kinesis: Any
) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    lake_kinesis.put_records(StreamName="s", Records=[{"PartitionKey": "k", "Data": b"1"}] * 2)
    lake.advance(3)
    first = lake_kinesis.get_records(ShardIterator=_iterator(lake_kinesis, "s"), Limit=1)
    assert first["MillisBehindLatest"] == 3000
    rest = lake_kinesis.get_records(ShardIterator=first["NextShardIterator"])
    assert len(rest["Records"]) == 1
    assert rest["MillisBehindLatest"] == 0


@pytest.mark.parametrize("runtime", [{"kinesis.stream_creation_delay_seconds": 30}], indirect=True)
def test_streams_are_creating_for_the_configured_delay(
    runtime: Lakehose, clock: ManualClock
) -> None:
    client = runtime.client("kinesis", config=NO_RETRIES)
    polls: list[str] = []

    def tick(parsed: dict[str, Any], **_: Any) -> None:
        # Each poll of the waiter moves time on by ten seconds.
        polls.append(parsed["StreamDescription"]["StreamStatus"])
        clock.advance(10)

    client.create_stream(StreamName="s", ShardCount=2)
    description = client.describe_stream(StreamName="s")["StreamDescription"]
    assert (description["StreamStatus"], description["Shards"]) == ("CREATING", [])
    with pytest.raises(ClientError) as error:
        client.put_record(StreamName="s", PartitionKey="k", Data=b"")
    assert error_code(error) == "ResourceNotFoundException"
    client.meta.events.register("after-call.kinesis.DescribeStream", tick)
    client.get_waiter("stream_exists").wait(StreamName="s", WaiterConfig={"Delay": 0})
    assert polls == ["CREATING", "CREATING", "CREATING", "ACTIVE"]
    assert client.put_record(StreamName="s", PartitionKey="k", Data=b"")["ShardId"]


@pytest.mark.parametrize("runtime", [{"kinesis.stream_update_delay_seconds": 20}], indirect=True)
def test_resharding_holds_the_stream_updating(runtime: Lakehose, clock: ManualClock) -> None:
    client = runtime.client("kinesis", config=NO_RETRIES)
    client.create_stream(StreamName="s", ShardCount=2)
    client.merge_shards(
        StreamName="s", ShardToMerge=SHARD, AdjacentShardToMerge="shardId-000000000001"
    )
    summary = client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
    assert summary["StreamStatus"] == "UPDATING"
    client.put_record(StreamName="s", PartitionKey="k", Data=b"")  # writes go on while UPDATING
    with pytest.raises(ClientError) as error:
        client.update_shard_count(StreamName="s", TargetShardCount=2, ScalingType="UNIFORM_SCALING")
    assert error_code(error) == "ResourceInUseException"
    assert error_message(error) == (
        "Stream s under account 000000000000 not ACTIVE, instead in state UPDATING"
    )
    runtime.advance(20)
    client.update_shard_count(StreamName="s", TargetShardCount=2, ScalingType="UNIFORM_SCALING")


THROTTLED = "Rate exceeded for shard shardId-000000000000 in stream s under account 000000000000."


@pytest.mark.parametrize("runtime", [{"kinesis.enforce_throughput_limits": True}], indirect=True)
def test_write_throughput_per_shard(runtime: Lakehose) -> None:
    client = runtime.client("kinesis", config=NO_RETRIES)
    client.create_stream(StreamName="s", ShardCount=1)
    batch = [{"PartitionKey": "k", "Data": b"."}] * 500
    assert client.put_records(StreamName="s", Records=batch)["FailedRecordCount"] == 0
    client.put_records(StreamName="s", Records=batch[:499])
    client.put_record(StreamName="s", PartitionKey="k", Data=b".")  # the 1,000th this second
    with pytest.raises(ClientError) as error:
        client.put_record(StreamName="s", PartitionKey="k", Data=b".")
    assert error_code(error) == "ProvisionedThroughputExceededException"
    assert error_message(error) == THROTTLED
    runtime.advance(1)
    response = client.put_records(
        StreamName="s", Records=[{"PartitionKey": "k", "Data": b"x" * 400_000}] * 3
    )
    assert response["FailedRecordCount"] == 1  # 1.2 MB: the third passes the 1 MiB per second
    assert response["Records"][2] == {
        "ErrorCode": "ProvisionedThroughputExceededException",
        "ErrorMessage": THROTTLED,
    }
    assert "SequenceNumber" in response["Records"][1]
    assert len(client.get_records(ShardIterator=_iterator(client, "s"))["Records"]) == 1002


@pytest.mark.parametrize("runtime", [{"kinesis.enforce_throughput_limits": True}], indirect=True)
def test_read_throughput_per_shard(runtime: Lakehose) -> None:
    client = runtime.client("kinesis", config=NO_RETRIES)
    client.create_stream(StreamName="s", ShardCount=1)
    iterators = [_iterator(client, "s") for _ in range(5)]
    with pytest.raises(ClientError) as error:
        _iterator(client, "s")
    assert error_code(error) == "ProvisionedThroughputExceededException"
    for _ in range(5):
        client.get_records(ShardIterator=iterators[0])
    with pytest.raises(ClientError) as error:
        client.get_records(ShardIterator=iterators[0])
    assert error_code(error) == "ProvisionedThroughputExceededException"
    for _ in range(5):  # 900 kB a second: within the shard's 1 MiB/s of writes
        runtime.advance(1)
        client.put_record(StreamName="s", PartitionKey="k", Data=b"x" * 900_000)
    runtime.advance(1)
    assert len(client.get_records(ShardIterator=_iterator(client, "s"))["Records"]) == 5
    runtime.advance(1)  # 4.5 MB read: the shard's 2 MiB/s keeps it blocked a little longer
    with pytest.raises(ClientError) as error:
        client.get_records(ShardIterator=iterators[0])
    assert error_code(error) == "ProvisionedThroughputExceededException"
    runtime.advance(2)
    client.get_records(ShardIterator=_iterator(client, "s"))


def test_restart_keeps_records_positions_and_metadata(tmp_path: Path, clock: ManualClock) -> None:
    home = tmp_path / "home"
    with Lakehose(home=home, clock=clock, background=False) as first:
        client = first.client("kinesis")
        client.create_stream(StreamName="s", ShardCount=2, Tags={"team": "data"})
        client.increase_stream_retention_period(StreamName="s", RetentionPeriodHours=72)
        client.split_shard(StreamName="s", ShardToSplit=SHARD, NewStartingHashKey=str(2**126))
        sent = client.put_records(
            StreamName="s",
            Records=[{"PartitionKey": str(i), "Data": f"r{i}".encode()} for i in range(50)],
        )["Records"]
        before = {s["ShardId"]: s for s in client.list_shards(StreamName="s")["Shards"]}
        shard = sent[0]["ShardId"]
        iterator = client.get_shard_iterator(
            StreamName="s",
            ShardId=shard,
            ShardIteratorType="AFTER_SEQUENCE_NUMBER",
            StartingSequenceNumber=sent[0]["SequenceNumber"],
        )["ShardIterator"]
    clock.advance(60)
    with Lakehose(home=home, clock=clock, background=False) as second:
        client = second.client("kinesis")
        assert {s["ShardId"]: s for s in client.list_shards(StreamName="s")["Shards"]} == before
        assert client.list_tags_for_stream(StreamName="s")["Tags"] == [
            {"Key": "team", "Value": "data"}
        ]
        summary = client.describe_stream_summary(StreamName="s")["StreamDescriptionSummary"]
        assert summary["RetentionPeriodHours"] == 72
        expected = [r for r in sent if r["ShardId"] == shard]
        # An iterator issued before the restart still reads from where it pointed.
        after_first = client.get_records(ShardIterator=iterator)["Records"]
        assert [r["SequenceNumber"] for r in after_first] == [
            r["SequenceNumber"] for r in expected[1:]
        ]
        for shard_id in {r["ShardId"] for r in sent}:
            stored = read_shard(client, "s", shard_id)
            assert [r["SequenceNumber"] for r in stored] == [
                r["SequenceNumber"] for r in sent if r["ShardId"] == shard_id
            ]
        later = client.put_record(StreamName="s", PartitionKey="0", Data=b"later")
        assert int(later["SequenceNumber"]) > max(
            int(r["SequenceNumber"]) for r in sent if r["ShardId"] == later["ShardId"]
        )


def test_get_records_returns_at_most_ten_mib(lake_kinesis: Any) -> None:
    lake_kinesis.create_stream(StreamName="s", ShardCount=1)
    record = {"PartitionKey": "k", "Data": b"x" * ((1 << 20) - 1)}  # exactly 1 MiB with its key
    for _ in range(11):
        lake_kinesis.put_record(StreamName="s", **record)
    first = lake_kinesis.get_records(ShardIterator=_iterator(lake_kinesis, "s"))
    assert len(first["Records"]) == 10
    assert first["MillisBehindLatest"] == 0  # the rest arrived just now
    assert len(lake_kinesis.get_records(ShardIterator=first["NextShardIterator"])["Records"]) == 1
