"""A Kinesis stream as the source: start at LATEST, every shard, resharding, KPL, restarts."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.services.firehose.deaggregation import aggregate
from tests.conftest import AwsTarget
from tests.firehose.conftest import ROLE, LakeClients, destination, flush, objects

ACCOUNT = "000000000000"


def _source(
    firehose: Any, kinesis: Any, name: str, bucket: str, shards: int = 1, **members: Any
) -> None:
    kinesis.create_stream(StreamName=name, ShardCount=shards)
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}",
            "RoleARN": ROLE,
        },
        ExtendedS3DestinationConfiguration=destination(bucket, **members),
    )


def _lines(s3: Any, bucket: str) -> list[bytes]:
    return [line for body in objects(s3, bucket).values() for line in body.splitlines()]


def _put(kinesis: Any, stream: str, datas: list[bytes], key: str | None = None) -> None:
    kinesis.put_records(
        StreamName=stream,
        Records=[{"Data": data, "PartitionKey": key or data.decode()} for data in datas],
    )


def test_reads_every_shard_from_latest_at_creation(
    aws: AwsTarget, firehose: Any, kinesis: Any, s3: Any, name: str, bucket: str
) -> None:
    kinesis.create_stream(StreamName=name, ShardCount=3)
    _put(kinesis, name, [f"before-{n}\n".encode() for n in range(30)])
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}",
            "RoleARN": ROLE,
        },
        ExtendedS3DestinationConfiguration=destination(bucket),
    )
    after = [f"after-{n}\n".encode() for n in range(60)]
    _put(kinesis, name, after)
    shards = {
        record["ShardId"]
        for record in kinesis.put_records(
            StreamName=name, Records=[{"Data": b"x\n", "PartitionKey": str(n)} for n in range(30)]
        )["Records"]
    }
    assert len(shards) == 3  # the records really are spread over every shard
    flush(aws)
    lines = _lines(s3, bucket)
    assert sorted(lines) == sorted([d.rstrip(b"\n") for d in after] + [b"x"] * 30)


def test_follows_splits_and_merges_parents_first(lake: Lakehose, clients: LakeClients) -> None:
    kinesis, firehose = clients.kinesis, clients.firehose
    clients.s3.create_bucket(Bucket="bucket")
    _source(
        firehose,
        kinesis,
        "s",
        "bucket",
        shards=1,
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0},
    )
    expected: dict[str, list[bytes]] = defaultdict(list)

    def put(tag: str) -> None:
        for n in range(20):
            key = f"k{n % 4}"
            data = f"{key}:{tag}:{n}\n".encode()
            _put(kinesis, "s", [data], key)
            expected[key].append(data.rstrip(b"\n"))

    put("parent")
    kinesis.split_shard(
        StreamName="s",
        ShardToSplit="shardId-000000000000",
        NewStartingHashKey=str(1 << 127),
    )
    put("children")
    kinesis.merge_shards(
        StreamName="s",
        ShardToMerge="shardId-000000000001",
        AdjacentShardToMerge="shardId-000000000002",
    )
    put("merged")
    lake.flush()
    seen: dict[str, list[bytes]] = defaultdict(list)
    bodies = objects(clients.s3, "bucket")
    for key in sorted(bodies, key=lambda k: k.rsplit("-", 6)[0]):
        for line in bodies[key].splitlines():
            seen[line.split(b":")[0].decode()].append(line)
    # Every record once, and each partition key's records in the order they were written.
    assert {key: sorted(lines) for key, lines in seen.items()} == {
        key: sorted(lines) for key, lines in expected.items()
    }
    ordered = [line for key in sorted(bodies) for line in bodies[key].splitlines()]
    for key, lines in expected.items():
        assert [line for line in ordered if line.startswith(key.encode() + b":")] == lines


def test_kpl_aggregated_records_are_deaggregated(
    aws: AwsTarget, firehose: Any, kinesis: Any, s3: Any, name: str, bucket: str
) -> None:
    _source(firehose, kinesis, name, bucket)
    packed = aggregate([("a", b"one\n"), ("b", b"two\n"), ("c", b"three\n")])
    kinesis.put_record(StreamName=name, PartitionKey="a", Data=packed)
    kinesis.put_record(StreamName=name, PartitionKey="p", Data=b"plain\n")
    flush(aws)
    assert sorted(_lines(s3, bucket)) == [b"one", b"plain", b"three", b"two"]


def test_records_are_read_when_the_clock_says(lake: Lakehose, clients: LakeClients) -> None:
    clients.s3.create_bucket(Bucket="bucket")
    _source(
        clients.firehose,
        clients.kinesis,
        "s",
        "bucket",
        BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
    )
    _put(clients.kinesis, "s", [b"a"])
    lake.advance(0)  # the reader takes the record into the buffer now
    lake.advance(59)
    assert objects(clients.s3, "bucket") == {}
    lake.advance(1)
    assert list(objects(clients.s3, "bucket").values()) == [b"a"]


def test_restart_resumes_without_loss_or_duplicates(tmp_path: Path, clock: ManualClock) -> None:
    home = tmp_path / "home"
    with Lakehose(home=home, clock=clock, background=False) as lake:
        clients = LakeClients(lake)
        clients.s3.create_bucket(Bucket="bucket")
        _source(
            clients.firehose,
            clients.kinesis,
            "s",
            "bucket",
            shards=2,
            BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 60},
        )
        _put(clients.kinesis, "s", [f"r{n:03d}\n".encode() for n in range(50)])
        lake.advance(0)  # buffered, checkpoint moved
        _put(clients.kinesis, "s", [f"r{n:03d}\n".encode() for n in range(50, 80)])  # unread
    with Lakehose(home=home, clock=clock, background=False) as lake:
        clients = LakeClients(lake)
        lake.advance(0)
        _put(clients.kinesis, "s", [f"r{n:03d}\n".encode() for n in range(80, 100)])
        lake.flush()
        lines = _lines(clients.s3, "bucket")
    assert sorted(lines) == [f"r{n:03d}".encode() for n in range(100)]


def test_a_failed_write_is_resumed_under_the_same_key(tmp_path: Path, clock: ManualClock) -> None:
    home = tmp_path / "home"
    with Lakehose(home=home, clock=clock, background=False) as lake:
        clients = LakeClients(lake)
        clients.firehose.create_delivery_stream(
            DeliveryStreamName="d",
            ExtendedS3DestinationConfiguration=destination(
                "later", BufferingHints={"SizeInMBs": 1, "IntervalInSeconds": 0}
            ),
        )
        clients.firehose.put_record(DeliveryStreamName="d", Record={"Data": b"kept"})
        lake.advance(0)  # sealed; the write fails: the bucket does not exist yet
        lake.advance(10)
    with Lakehose(home=home, clock=clock, background=False) as lake:
        clients = LakeClients(lake)
        clients.s3.create_bucket(Bucket="later")
        lake.advance(0)
        lake.flush()
        assert list(objects(clients.s3, "later").values()) == [b"kept"]
