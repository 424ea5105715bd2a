"""SplitShard, MergeShards, UpdateShardCount and ListShards: AWS's ranges and shard lineage."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.kinesis.conftest import StreamFactory, error_code, error_message, read_shard

ACCOUNT = "000000000000"
MAX_KEY = 2**128 - 1
S0, S1, S2, S3 = (f"shardId-{i:012d}" for i in range(4))


def _shards(client: Any, stream: str, **filters: Any) -> list[dict[str, Any]]:
    return list(client.list_shards(StreamName=stream, **filters)["Shards"])


def _ranges(shards: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {
        s["ShardId"]: (
            int(s["HashKeyRange"]["StartingHashKey"]),
            int(s["HashKeyRange"]["EndingHashKey"]),
        )
        for s in shards
    }


def test_split_closes_the_parent_and_opens_two_children(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    kinesis.split_shard(StreamName=stream, ShardToSplit=S0, NewStartingHashKey="2")
    shards = _shards(kinesis, stream)
    assert _ranges(shards) == {S0: (0, MAX_KEY), S1: (0, 1), S2: (2, MAX_KEY)}
    assert [s.get("ParentShardId") for s in shards] == [None, S0, S0]
    parent_numbers = shards[0]["SequenceNumberRange"]
    assert int(parent_numbers["EndingSequenceNumber"]) > int(
        parent_numbers["StartingSequenceNumber"]
    )
    assert all("EndingSequenceNumber" not in s["SequenceNumberRange"] for s in shards[1:])
    assert (
        kinesis.put_record(StreamName=stream, PartitionKey="k", ExplicitHashKey="1", Data=b"")[
            "ShardId"
        ]
        == S1
    )


@pytest.mark.parametrize(
    ("shard", "key"), [(S0, "1"), (S0, "113427455640312821154458202477256070484")]
)
def test_split_key_must_fall_inside_the_shard(
    kinesis: Any, make_stream: StreamFactory, shard: str, key: str
) -> None:
    stream = make_stream(3)
    with pytest.raises(ClientError) as error:
        kinesis.split_shard(StreamName=stream, ShardToSplit=shard, NewStartingHashKey=key)
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        f"NewStartingHashKey {key} used in SplitShard() on shard {S0} in stream {stream} under "
        f"account {ACCOUNT} is not both greater than one plus the shard's StartingHashKey 0 and "
        "less than the shard's EndingHashKey 113427455640312821154458202477256070484."
    )


def test_a_closed_or_unknown_shard_cannot_be_split(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    kinesis.split_shard(StreamName=stream, ShardToSplit=S0, NewStartingHashKey=str(2**127))
    with pytest.raises(ClientError) as error:
        kinesis.split_shard(StreamName=stream, ShardToSplit=S0, NewStartingHashKey=str(2**126))
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        f"Shard {S0} in stream {stream} under account {ACCOUNT} has already been merged or split, "
        "and thus is not eligible for merging or splitting."
    )
    with pytest.raises(ClientError) as error:
        kinesis.split_shard(StreamName=stream, ShardToSplit="shardId-9", NewStartingHashKey="5")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == (
        f"Could not find shard shardId-000000000009 in stream {stream} under account {ACCOUNT}."
    )


def test_merge_joins_adjacent_shards(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(3)
    assert (
        kinesis.merge_shards(StreamName=stream, ShardToMerge=S0, AdjacentShardToMerge=S1)[
            "ResponseMetadata"
        ]["HTTPHeaders"]["content-length"]
        == "0"
    )  # AWS's empty body
    shards = _shards(kinesis, stream)
    merged = shards[-1]
    assert merged["ShardId"] == S3
    assert merged["ParentShardId"] == S0
    assert merged["AdjacentParentShardId"] == S1
    assert merged["HashKeyRange"] == {
        "StartingHashKey": "0",
        "EndingHashKey": "226854911280625642308916404954512140969",
    }
    open_ids = [s["ShardId"] for s in _shards(kinesis, stream, ShardFilter={"Type": "AT_LATEST"})]
    assert open_ids == [S2, S3]


@pytest.mark.parametrize(("first", "second"), [(S0, S2), (S1, S0)], ids=["apart", "inverted"])
def test_merge_needs_adjacent_shards_in_order(
    kinesis: Any, make_stream: StreamFactory, first: str, second: str
) -> None:
    stream = make_stream(3)
    with pytest.raises(ClientError) as error:
        kinesis.merge_shards(StreamName=stream, ShardToMerge=first, AdjacentShardToMerge=second)
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == (
        f"Shards {first} and {second} in stream {stream} under account {ACCOUNT} are not an "
        "adjacent pair of shards eligible for merging"
    )


def test_readers_of_a_parent_find_the_children_at_its_end(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    before = kinesis.put_record(StreamName=stream, PartitionKey="k", ExplicitHashKey="7", Data=b"a")
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=S0, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    kinesis.split_shard(StreamName=stream, ShardToSplit=S0, NewStartingHashKey=str(2**127))
    after = kinesis.put_record(StreamName=stream, PartitionKey="k", ExplicitHashKey="7", Data=b"b")
    assert after["ShardId"] == S1
    assert int(after["SequenceNumber"]) > int(before["SequenceNumber"])
    page = kinesis.get_records(ShardIterator=iterator)
    assert [r["Data"] for r in page["Records"]] == [b"a"]
    assert "NextShardIterator" not in page
    assert page["MillisBehindLatest"] == 0
    assert page["ChildShards"] == [
        {
            "ShardId": S1,
            "ParentShards": [S0],
            "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": str(2**127 - 1)},
        },
        {
            "ShardId": S2,
            "ParentShards": [S0],
            "HashKeyRange": {"StartingHashKey": str(2**127), "EndingHashKey": str(MAX_KEY)},
        },
    ]
    # LATEST on a closed shard sits at its end: the children come at once.
    latest = kinesis.get_shard_iterator(StreamName=stream, ShardId=S0, ShardIteratorType="LATEST")
    end = kinesis.get_records(ShardIterator=latest["ShardIterator"])
    assert end["Records"] == [] and len(end["ChildShards"]) == 2
    assert [r["Data"] for r in read_shard(kinesis, stream, S1)] == [b"b"]


def test_merged_child_names_both_parents(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(2)
    kinesis.merge_shards(StreamName=stream, ShardToMerge=S0, AdjacentShardToMerge=S1)
    for parent in (S0, S1):
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=parent, ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        children = kinesis.get_records(ShardIterator=iterator)["ChildShards"]
        assert children == [
            {
                "ShardId": S2,
                "ParentShards": [S0, S1],
                "HashKeyRange": {"StartingHashKey": "0", "EndingHashKey": str(MAX_KEY)},
            }
        ]


@pytest.mark.parametrize(("start", "target", "total"), [(2, 4, 6), (4, 2, 6), (3, 5, None)])
def test_uniform_scaling_ends_in_createstreams_layout(
    kinesis: Any, make_stream: StreamFactory, start: int, target: int, total: int | None
) -> None:
    stream = make_stream(start)
    response = kinesis.update_shard_count(
        StreamName=stream, TargetShardCount=target, ScalingType="UNIFORM_SCALING"
    )
    assert (response["CurrentShardCount"], response["TargetShardCount"]) == (start, target)
    assert response["StreamName"] == stream
    open_shards = _shards(kinesis, stream, ShardFilter={"Type": "AT_LATEST"})
    width = 2**128 // target
    expected = [(width * i, width * (i + 1) - 1) for i in range(target)]
    expected[-1] = (expected[-1][0], MAX_KEY)
    assert sorted(_ranges(open_shards).values()) == expected
    if total is not None:
        assert len(_shards(kinesis, stream)) == total


@pytest.mark.parametrize(
    ("start", "target", "message"),
    [
        (
            2,
            5,
            "UpdateShardCount cannot scale up over double your current open shard count. "
            "Current open shard count: 2, Target shard count: 5",
        ),
        (
            6,
            2,
            "UpdateShardCount cannot scale down below half your current open shard count. "
            "Current open shard count: 6, Target shard count: 2",
        ),
    ],
)
def test_uniform_scaling_stays_within_double_and_half(
    kinesis: Any, make_stream: StreamFactory, start: int, target: int, message: str
) -> None:
    stream = make_stream(start)
    with pytest.raises(ClientError) as error:
        kinesis.update_shard_count(
            StreamName=stream, TargetShardCount=target, ScalingType="UNIFORM_SCALING"
        )
    assert error_code(error) == "LimitExceededException"
    assert error_message(error) == message


def test_list_shards_pages_and_filters(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(3)
    # Shard times are milliseconds: a split in the stream's own creation millisecond would close
    # S0 at the trim horizon itself, and the horizon filters below would not see it.
    time.sleep(0.005)
    kinesis.split_shard(StreamName=stream, ShardToSplit=S0, NewStartingHashKey=str(2**100))
    first = kinesis.list_shards(StreamName=stream, MaxResults=2)
    assert [s["ShardId"] for s in first["Shards"]] == [S0, S1]
    rest = kinesis.list_shards(NextToken=first["NextToken"])
    assert [s["ShardId"] for s in rest["Shards"]] == [S2, S3, "shardId-000000000004"]
    assert "NextToken" not in rest
    after = _shards(kinesis, stream, ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": S2})
    assert [s["ShardId"] for s in after] == [S3, "shardId-000000000004"]
    assert [s["ShardId"] for s in _shards(kinesis, stream, ExclusiveStartShardId=S3)] == [
        "shardId-000000000004"
    ]
    horizon = _shards(kinesis, stream, ShardFilter={"Type": "AT_TRIM_HORIZON"})
    assert [s["ShardId"] for s in horizon] == [S0, S1, S2]
    everything = _shards(kinesis, stream, ShardFilter={"Type": "FROM_TRIM_HORIZON"})
    assert len(everything) == 5


def test_list_shards_needs_exactly_one_of_name_and_token(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(2)
    token = kinesis.list_shards(StreamName=stream, MaxResults=1)["NextToken"]
    with pytest.raises(ClientError) as error:
        kinesis.list_shards(StreamName=stream, NextToken=token)
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == "NextToken and StreamName cannot be provided together."
    with pytest.raises(ClientError) as error:
        kinesis.list_shards()
    assert error_code(error) == "InvalidArgumentException"
    assert error_message(error) == "Either NextToken or StreamName should be provided."
