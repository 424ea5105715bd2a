"""What time does to a stream, by the manual clock: iterators expire after 15 minutes, shards roll
over every four hours, records and disabled streams go after 24 hours, TTL deletions are
recorded as the service's."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.dynamodb.conftest import error_of, key_schema
from tests.dynamodbstreams.conftest import read_stream, stream_spec

HOUR = 3600
NOW = 1_700_000_000  # the ``clock`` fixture's start


def _table(ddb: Any, view_type: str = "NEW_AND_OLD_IMAGES") -> str:
    ddb.create_table(
        TableName="timed",
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification=stream_spec(view_type),
        **key_schema(("id", "S")),
    )
    return str(ddb.describe_table(TableName="timed")["Table"]["LatestStreamArn"])


def _shards(streams: Any, arn: str) -> list[dict[str, Any]]:
    return list(streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"])


def _iterator(streams: Any, arn: str, shard: str, kind: str = "TRIM_HORIZON") -> str:
    return str(
        streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType=kind)[
            "ShardIterator"
        ]
    )


def _put(ddb: Any, key: str) -> None:
    ddb.put_item(TableName="timed", Item={"id": {"S": key}})


def _keys(records: list[dict[str, Any]]) -> list[str]:
    return [r["dynamodb"]["Keys"]["id"]["S"] for r in records]


def test_an_iterator_expires_after_fifteen_minutes(
    lake: Lakehose, lake_ddb: Any, lake_streams: Any
) -> None:
    arn = _table(lake_ddb)
    _put(lake_ddb, "a")
    shard = _shards(lake_streams, arn)[0]["ShardId"]
    iterator = _iterator(lake_streams, arn, shard)
    lake.advance(15 * 60)
    assert _keys(lake_streams.get_records(ShardIterator=iterator)["Records"]) == ["a"]
    lake.advance(1)
    with pytest.raises(ClientError) as error:
        lake_streams.get_records(ShardIterator=iterator)
    assert error_of(error) == (
        "ExpiredIteratorException",
        "Iterator expired. The iterator was created at time Tue Nov 14 22:13:20 UTC 2023 while "
        "right now it is Tue Nov 14 22:28:21 UTC 2023 which is further in the future than the "
        "tolerated delay of 900000 milliseconds.",
    )


def test_shards_roll_over_every_four_hours_with_lineage(
    lake: Lakehose, lake_ddb: Any, lake_streams: Any
) -> None:
    arn = _table(lake_ddb)
    _put(lake_ddb, "first")
    lake.advance(4 * HOUR - 1)
    assert len(_shards(lake_streams, arn)) == 1
    _put(lake_ddb, "second")
    lake.advance(1)
    parent, child = _shards(lake_streams, arn)
    assert "ParentShardId" not in parent
    assert child["ParentShardId"] == parent["ShardId"]
    ending = parent["SequenceNumberRange"]["EndingSequenceNumber"]
    assert int(child["SequenceNumberRange"]["StartingSequenceNumber"]) > int(ending)
    assert "EndingSequenceNumber" not in child["SequenceNumberRange"]
    _put(lake_ddb, "third")
    records = read_stream(lake_streams, arn)
    assert _keys(records) == ["first", "second", "third"]
    assert records[1]["dynamodb"]["SequenceNumber"] == ending
    children = lake_streams.describe_stream(
        StreamArn=arn, ShardFilter={"Type": "CHILD_SHARDS", "ShardId": parent["ShardId"]}
    )["StreamDescription"]["Shards"]
    assert children == [child]
    page = lake_streams.describe_stream(StreamArn=arn, Limit=1)["StreamDescription"]
    assert page["Shards"] == [parent] and page["LastEvaluatedShardId"] == parent["ShardId"]
    rest = lake_streams.describe_stream(StreamArn=arn, ExclusiveStartShardId=parent["ShardId"])[
        "StreamDescription"
    ]
    assert rest["Shards"] == [child] and "LastEvaluatedShardId" not in rest


def test_records_are_trimmed_after_24_hours(
    lake: Lakehose, lake_ddb: Any, lake_streams: Any
) -> None:
    arn = _table(lake_ddb)
    _put(lake_ddb, "old")
    shard = _shards(lake_streams, arn)[0]["ShardId"]
    (old,) = read_stream(lake_streams, arn)
    lake.advance(24 * HOUR - 300)
    _put(lake_ddb, "new")  # the shard rolled over meanwhile: this one lands in its child
    iterator = _iterator(lake_streams, arn, shard)
    lake.advance(301)  # the iterator is five minutes old; the record it points at is trimmed
    with pytest.raises(ClientError) as error:
        lake_streams.get_records(ShardIterator=iterator)
    assert error_of(error) == (
        "TrimmedDataAccessException",
        "The operation attempted to read past the oldest stream record in a shard.",
    )
    with pytest.raises(ClientError) as error:
        lake_streams.get_shard_iterator(
            StreamArn=arn,
            ShardId=shard,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=old["dynamodb"]["SequenceNumber"],
        )
    assert error_of(error)[0] == "TrimmedDataAccessException"
    assert _keys(read_stream(lake_streams, arn)) == ["new"]


def test_a_disabled_stream_is_gone_24_hours_later(
    lake: Lakehose, lake_ddb: Any, lake_streams: Any
) -> None:
    arn = _table(lake_ddb)
    _put(lake_ddb, "kept")
    lake_ddb.update_table(TableName="timed", StreamSpecification={"StreamEnabled": False})
    lake.advance(24 * HOUR)
    assert _keys(read_stream(lake_streams, arn)) == ["kept"]
    lake.advance(1)
    assert lake_streams.list_streams()["Streams"] == []
    with pytest.raises(ClientError) as error:
        lake_streams.describe_stream(StreamArn=arn)
    assert error_of(error)[0] == "ResourceNotFoundException"


def test_ttl_deletions_are_recorded_as_the_service(
    lake: Lakehose, lake_ddb: Any, lake_streams: Any
) -> None:
    arn = _table(lake_ddb, "KEYS_ONLY")
    lake_ddb.update_time_to_live(
        TableName="timed", TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"}
    )
    lake_ddb.put_item(TableName="timed", Item={"id": {"S": "t"}, "ttl": {"N": str(NOW + 10)}})
    lake.advance(60)
    insert, remove = read_stream(lake_streams, arn)
    assert "userIdentity" not in insert
    assert remove["eventName"] == "REMOVE"
    assert remove["userIdentity"] == {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


def test_at_timestamp_starts_at_the_first_record_since(
    lake: Lakehose, lake_ddb: Any, lake_streams: Any
) -> None:
    arn = _table(lake_ddb)
    _put(lake_ddb, "early")
    lake.advance(60)
    _put(lake_ddb, "late")
    shard = _shards(lake_streams, arn)[0]["ShardId"]

    def keys_since(seconds: float) -> list[str]:
        iterator = lake_streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard, ShardIteratorType="AT_TIMESTAMP", Timestamp=seconds
        )["ShardIterator"]
        return _keys(lake_streams.get_records(ShardIterator=iterator)["Records"])

    assert keys_since(NOW) == ["early", "late"]
    assert keys_since(NOW + 30) == ["late"]
    assert keys_since(NOW + 60) == ["late"]
    with pytest.raises(ClientError) as error:
        keys_since(NOW + 3600)
    assert error_of(error)[0] == "ValidationException"


def test_a_stream_reenabled_in_the_same_millisecond_is_a_new_stream(
    lake_ddb: Any, lake_streams: Any
) -> None:
    first = _table(lake_ddb, "KEYS_ONLY")
    lake_ddb.update_table(TableName="timed", StreamSpecification={"StreamEnabled": False})
    lake_ddb.update_table(TableName="timed", StreamSpecification=stream_spec("KEYS_ONLY"))
    second = lake_ddb.describe_table(TableName="timed")["Table"]["LatestStreamArn"]
    assert second != first
    _put(lake_ddb, "a")
    assert _keys(read_stream(lake_streams, second)) == ["a"]
    assert _keys(read_stream(lake_streams, first)) == []
