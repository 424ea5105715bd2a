"""Putting and reading records: routing, ordering, every iterator type, and AWS's limits."""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.kinesis.conftest import StreamFactory, error_code, error_message, read_shard

ACCOUNT = "000000000000"
SHARD = "shardId-000000000000"
MIB = 1 << 20

# md5 digests computed with coreutils' md5sum; on 4 shards the first hex digit // 4 is the shard.
KNOWN_KEYS = {
    "a": ("0cc175b9c0f1b6a831c399e269772661", "shardId-000000000000"),
    "user-42": ("7631bc07a1cc8fcd56e70fc6b2fb4a43", "shardId-000000000001"),
    "heartrate": ("9f0e20598fbb64e6492886a377f511b4", "shardId-000000000002"),
    "0": ("cfcd208495d565ef66e7dff9f98764da", "shardId-000000000003"),
}


def _iterator(client: Any, stream: str, kind: str, shard: str = SHARD, **extra: Any) -> str:
    response = client.get_shard_iterator(
        StreamName=stream, ShardId=shard, ShardIteratorType=kind, **extra
    )
    return str(response["ShardIterator"])


def test_known_keys_route_to_known_shards(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(4)
    for key, (digest, shard) in KNOWN_KEYS.items():
        assert hashlib.md5(key.encode()).hexdigest() == digest
        response = kinesis.put_record(StreamName=stream, PartitionKey=key, Data=key.encode())
        assert response["ShardId"] == shard, key


def test_the_reference_example_lands_in_the_second_of_two_shards(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    # md5("1679514916") = b86f6759... = 245156392319436366930468993968441325231 > 2^127
    stream = make_stream(2)
    response = kinesis.put_record(StreamName=stream, PartitionKey="1679514916", Data=b"x")
    assert response["ShardId"] == "shardId-000000000001"


def test_explicit_hash_key_overrides_the_partition_key(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(2)
    edges = {str(2**127 - 1): "shardId-000000000000", str(2**127): "shardId-000000000001"}
    for hash_key, shard in edges.items():
        response = kinesis.put_record(
            StreamName=stream, PartitionKey="a", ExplicitHashKey=hash_key, Data=b""
        )
        assert response["ShardId"] == shard
    with pytest.raises(ClientError) as error:
        kinesis.put_record(
            StreamName=stream, PartitionKey="a", ExplicitHashKey=str(2**128), Data=b""
        )
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        "Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
        f"Specified value was {2**128}"
    )


def test_ten_thousand_records_spread_over_four_shards_by_hash(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(4)
    placed: dict[str, str] = {}
    for batch in range(20):
        keys = [f"device-{batch * 500 + i}" for i in range(500)]
        response = kinesis.put_records(
            StreamName=stream, Records=[{"PartitionKey": k, "Data": k.encode()} for k in keys]
        )
        assert response["FailedRecordCount"] == 0
        assert len(response["Records"]) == 500
        placed.update(zip(keys, (r["ShardId"] for r in response["Records"]), strict=True))
    for key, shard in placed.items():
        expected = int(hashlib.md5(key.encode()).hexdigest(), 16) >> 126
        assert shard == f"shardId-{expected:012d}"
    counts = Counter(placed.values())
    assert sorted(counts) == [f"shardId-{i:012d}" for i in range(4)]
    # 10,000 uniform draws: each shard's share is 2,500 give or take a few standard deviations.
    assert all(2300 < count < 2700 for count in counts.values()), counts
    for shard, count in counts.items():
        records = read_shard(kinesis, stream, shard)
        keys = [r["PartitionKey"] for r in records]
        assert len(keys) == count == len(set(keys))
        assert all(
            placed[key] == shard and r["Data"] == key.encode()
            for key, r in zip(keys, records, strict=True)
        )


def test_a_shard_reads_back_in_order_and_complete(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    sent = [f"record-{i}".encode() for i in range(120)]
    numbers = [
        kinesis.put_record(StreamName=stream, PartitionKey=str(i % 7), Data=data)["SequenceNumber"]
        for i, data in enumerate(sent)
    ]
    assert all(len(n) == 56 and n.isdigit() for n in numbers)
    assert [int(n) for n in numbers] == sorted(int(n) for n in numbers)
    assert len(set(numbers)) == len(numbers)
    iterator: str | None = _iterator(kinesis, stream, "TRIM_HORIZON")
    received: list[Any] = []
    while iterator:
        page = kinesis.get_records(ShardIterator=iterator, Limit=7)
        received.extend(page["Records"])
        if not page["Records"]:
            assert page["MillisBehindLatest"] == 0
            break
        iterator = page["NextShardIterator"]
    assert [r["Data"] for r in received] == sent
    assert [r["SequenceNumber"] for r in received] == numbers


def test_sequence_numbers_are_unique_across_shards(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(3)
    response = kinesis.put_records(
        StreamName=stream, Records=[{"PartitionKey": str(i), "Data": b"."} for i in range(60)]
    )
    numbers = [r["SequenceNumber"] for r in response["Records"]]
    assert len(set(numbers)) == 60
    assert len({r["ShardId"] for r in response["Records"]}) == 3


def test_records_carry_their_fields(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    put = kinesis.put_record(StreamName=stream, PartitionKey="ключ", Data=b"\x00\xffbytes")
    (record,) = read_shard(kinesis, stream, SHARD)
    assert record["SequenceNumber"] == put["SequenceNumber"]
    assert record["PartitionKey"] == "ключ"
    assert record["Data"] == b"\x00\xffbytes"
    assert record["ApproximateArrivalTimestamp"].tzinfo is not None


def test_latest_reads_only_what_comes_after(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"before")
    iterator = _iterator(kinesis, stream, "LATEST")
    empty = kinesis.get_records(ShardIterator=iterator)
    assert empty["Records"] == []
    assert empty["MillisBehindLatest"] == 0
    kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"after")
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]] == [b"after"]
    following = kinesis.get_records(ShardIterator=empty["NextShardIterator"])["Records"]
    assert [r["Data"] for r in following] == [b"after"]


def test_an_iterator_is_not_consumed_by_use(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    kinesis.put_records(
        StreamName=stream, Records=[{"PartitionKey": "k", "Data": bytes([i])} for i in range(3)]
    )
    iterator = _iterator(kinesis, stream, "TRIM_HORIZON")
    first = kinesis.get_records(ShardIterator=iterator, Limit=2)["Records"]
    again = kinesis.get_records(ShardIterator=iterator, Limit=2)["Records"]
    assert first == again
    assert [r["Data"] for r in first] == [b"\x00", b"\x01"]


def test_at_and_after_sequence_number(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    response = kinesis.put_records(
        StreamName=stream, Records=[{"PartitionKey": "k", "Data": bytes([i])} for i in range(4)]
    )
    second = response["Records"][1]["SequenceNumber"]
    at = _iterator(kinesis, stream, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=second)
    after = _iterator(kinesis, stream, "AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=second)
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=at)["Records"]] == [
        b"\x01",
        b"\x02",
        b"\x03",
    ]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=after)["Records"]] == [
        b"\x02",
        b"\x03",
    ]
    start = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"][0][
        "SequenceNumberRange"
    ]["StartingSequenceNumber"]
    from_start = _iterator(kinesis, stream, "AT_SEQUENCE_NUMBER", StartingSequenceNumber=start)
    assert len(kinesis.get_records(ShardIterator=from_start)["Records"]) == 4


def test_at_timestamp_starts_at_the_first_record_not_older(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"one")
    (record,) = read_shard(kinesis, stream, SHARD)
    arrival = record["ApproximateArrivalTimestamp"]
    at = _iterator(kinesis, stream, "AT_TIMESTAMP", Timestamp=arrival)
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=at)["Records"]] == [b"one"]


def test_sequence_number_for_ordering(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(2)
    first = kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"1")
    second = kinesis.put_record(
        StreamName=stream,
        PartitionKey="k",
        Data=b"2",
        SequenceNumberForOrdering=first["SequenceNumber"],
    )
    assert int(second["SequenceNumber"]) > int(first["SequenceNumber"])
    with pytest.raises(ClientError) as error:
        kinesis.put_record(
            StreamName=stream, PartitionKey="k", Data=b"3", SequenceNumberForOrdering="5"
        )
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        f"ExclusiveMinimumSequenceNumber 5 used in PutRecord on stream {stream} under account "
        f"{ACCOUNT} is invalid."
    )


def test_dry_run_writes_nothing(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    with pytest.raises(ClientError) as error:
        kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"x", DryRun=True)
    assert error_code(error) == "DryRunOperationException"
    assert read_shard(kinesis, stream, SHARD) == []


# -- limits and errors ------------------------------------------------------------------------


def test_partition_key_length_is_1_to_256(unchecked: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    unchecked.put_record(StreamName=stream, PartitionKey="k" * 256, Data=b"")
    for key in ("", "k" * 257):
        with pytest.raises(ClientError) as error:
            unchecked.put_record(StreamName=stream, PartitionKey=key, Data=b"")
        assert error_code(error) == "ValidationException"
    with pytest.raises(ClientError) as error:
        unchecked.put_record(StreamName=stream, Data=b"")
    assert error_code(error) == "ValidationException"
    assert error_message(error) == (
        "1 validation error detected: Value null at 'partitionKey' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_record_is_at_most_one_mib_with_its_key(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"x" * (MIB - 1))
    with pytest.raises(ClientError) as error:
        kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"x" * MIB)
    assert error_code(error) == "InvalidArgumentException"
    with pytest.raises(ClientError) as error:
        kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"x" * (MIB + 1))
    assert error_code(error) == "ValidationException"
    assert error_message(error).endswith(
        "at 'data' failed to satisfy constraint: Member must have length less than or equal to "
        "1048576"
    )


def test_put_records_takes_1_to_500_records(unchecked: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    for records in ([], [{"PartitionKey": "k", "Data": b""}] * 501):
        with pytest.raises(ClientError) as error:
            unchecked.put_records(StreamName=stream, Records=records)
        assert error_code(error) == "ValidationException"
    accepted = unchecked.put_records(
        StreamName=stream, Records=[{"PartitionKey": "k", "Data": b""}] * 500
    )
    assert accepted["FailedRecordCount"] == 0


def test_put_records_is_at_most_ten_mib(kinesis: Any, make_stream: StreamFactory) -> None:
    """10 MiB per request since AWS raised it from 5 MiB, whatever the stream's record size."""
    stream = make_stream(1)
    fits = [{"PartitionKey": "k", "Data": b"x" * (MIB - 1)}] * 10
    assert kinesis.put_records(StreamName=stream, Records=fits)["FailedRecordCount"] == 0
    with pytest.raises(ClientError) as error:
        kinesis.put_records(StreamName=stream, Records=[*fits, {"PartitionKey": "k", "Data": b"x"}])
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == "Records size exceeds 10 MB limit"


def test_get_records_limit_is_1_to_10000(unchecked: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    iterator = _iterator(unchecked, stream, "TRIM_HORIZON")
    unchecked.get_records(ShardIterator=iterator, Limit=10000)
    for limit in (0, 10001):
        with pytest.raises(ClientError) as error:
            unchecked.get_records(ShardIterator=iterator, Limit=limit)
        assert error_code(error) == "ValidationException"


def test_a_forged_iterator_is_invalid(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    real = _iterator(kinesis, stream, "TRIM_HORIZON")
    tampered = real[:-6] + ("AAAAAA" if not real.endswith("AAAAAA") else "BBBBBB")
    for iterator in ("not-an-iterator", tampered):
        with pytest.raises(ClientError) as error:
            kinesis.get_records(ShardIterator=iterator)
        assert error_code(error) == "InvalidArgumentException"
        assert error_message(error) == "Invalid ShardIterator."


def test_writing_to_an_unknown_stream(kinesis: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        kinesis.put_record(StreamName=name, PartitionKey="k", Data=b"")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Stream {name} under account {ACCOUNT} not found."


@pytest.mark.parametrize(
    ("kind", "extra", "said"),
    [
        ("AT_SEQUENCE_NUMBER", {}, "AT_SEQUENCE_NUMBER and no"),
        ("AFTER_SEQUENCE_NUMBER", {}, "AFTER_SEQUENCE_NUMBER and no"),
        ("LATEST", {"StartingSequenceNumber": "5"}, "LATEST and also a"),
        ("TRIM_HORIZON", {"StartingSequenceNumber": "5"}, "TRIM_HORIZON and also a"),
    ],
)
def test_iterator_type_and_sequence_number_must_agree(
    kinesis: Any, make_stream: StreamFactory, kind: str, extra: dict[str, str], said: str
) -> None:
    stream = make_stream(1)
    with pytest.raises(ClientError) as error:
        _iterator(kinesis, stream, kind, **extra)
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        "Must either specify (1) AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER and "
        "StartingSequenceNumber or (2) TRIM_HORIZON or LATEST and no StartingSequenceNumber. "
        f"Request specified {said} StartingSequenceNumber."
    )


def test_at_timestamp_needs_a_timestamp(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    with pytest.raises(ClientError) as error:
        _iterator(kinesis, stream, "AT_TIMESTAMP")
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        "Must specify timestampInMillis parameter for iterator of type AT_TIMESTAMP. "
        "Current request has no timestamp parameter."
    )


def test_sequence_numbers_from_elsewhere_are_refused(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(2)
    other = kinesis.put_record(StreamName=stream, PartitionKey="k", ExplicitHashKey="0", Data=b"")
    number = other["SequenceNumber"]
    second = "shardId-000000000001"
    with pytest.raises(ClientError) as error:
        _iterator(
            kinesis, stream, "AT_SEQUENCE_NUMBER", shard=second, StartingSequenceNumber=number
        )
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        "Invalid StartingSequenceNumber. It encodes shardId-000000000000, while it was used in a "
        "call to a shard with shardId-000000000001"
    )
    with pytest.raises(ClientError) as error:
        _iterator(kinesis, stream, "AT_SEQUENCE_NUMBER", StartingSequenceNumber="12345")
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        f"StartingSequenceNumber 12345 used in GetShardIterator on shard {SHARD} in stream "
        f"{stream} under account {ACCOUNT} is invalid."
    )


def test_unknown_shards(kinesis: Any, make_stream: StreamFactory, name: str) -> None:
    stream = make_stream(1)
    with pytest.raises(ClientError) as error:
        _iterator(kinesis, stream, "LATEST", shard="shardId-5")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == (
        f"Shard shardId-000000000005 in stream {stream} under account {ACCOUNT} does not exist"
    )
    with pytest.raises(ClientError) as error:
        _iterator(kinesis, stream, "LATEST", shard="ABKLFD8")
    assert error_message(error) == (
        f"Could not find shard ABKLFD8 in stream {stream} under account {ACCOUNT}."
    )
    with pytest.raises(ClientError) as error:
        _iterator(kinesis, f"{name}-missing", "LATEST")
    assert error_message(error) == (
        f"Shard {SHARD} in stream {name}-missing under account {ACCOUNT} does not exist"
    )


def test_shard_ids_are_read_leniently(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(2)
    kinesis.put_record(
        StreamName=stream, PartitionKey="k", ExplicitHashKey=str(2**128 - 1), Data=b"z"
    )
    for spelling in ("shardId-1", "shard-000001", "1"):
        records = kinesis.get_records(
            ShardIterator=_iterator(kinesis, stream, "TRIM_HORIZON", shard=spelling)
        )
        assert [r["Data"] for r in records["Records"]] == [b"z"]
