"""Stream settings and account operations added to Kinesis: capacity mode, encryption, enhanced
monitoring, record size, resource policies, tags by ARN, limits, account settings; plus AWS's
empty bodies, tag rules, and the layouts of sequence numbers and shard iterators."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.services.kinesis.rows import ShardRow
from lakehose.services.kinesis.store import MIGRATIONS
from lakehose.storage import open_database
from tests.conftest import ServerProcess
from tests.kinesis.conftest import StreamFactory, error_code, error_message

ACCOUNT = "000000000000"
NOW_MS = 1_700_000_000_000
SHARD = "shardId-000000000000"
ALL_METRICS = [
    "IncomingBytes",
    "IncomingRecords",
    "OutgoingBytes",
    "OutgoingRecords",
    "WriteProvisionedThroughputExceeded",
    "ReadProvisionedThroughputExceeded",
    "IteratorAgeMilliseconds",
]


def _arn(client: Any, stream: str) -> str:
    summary = client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    return str(summary["StreamARN"])


def _body_length(response: dict[str, Any]) -> str:
    return str(response["ResponseMetadata"]["HTTPHeaders"]["content-length"])


# -- the wire ----------------------------------------------------------------------------------


def test_operations_without_output_answer_with_an_empty_body(kinesis: Any, name: str) -> None:
    created = kinesis.create_stream(StreamName=name, ShardCount=2)
    try:
        assert _body_length(created) == "0"
        tagged = kinesis.add_tags_to_stream(StreamName=name, Tags={"a": "1"})
        untagged = kinesis.remove_tags_from_stream(StreamName=name, TagKeys=["a"])
        merged = kinesis.merge_shards(
            StreamName=name, ShardToMerge=SHARD, AdjacentShardToMerge="shardId-000000000001"
        )
        assert [_body_length(r) for r in (tagged, untagged, merged)] == ["0", "0", "0"]
        described = kinesis.describe_stream_summary(StreamName=name)
        assert _body_length(described) != "0"
    finally:
        assert _body_length(kinesis.delete_stream(StreamName=name)) == "0"


def test_sequence_numbers_follow_aws_layout(kinesis: Any, make_stream: StreamFactory) -> None:
    """56 digits, read as 47 hex digits: version 2 first and last, the shard's creation second,
    the shard index (its low nibble, and in full near the end), a per-shard counter that makes
    them strictly increase, and the arrival second."""
    stream = make_stream(2)
    puts = [
        kinesis.put_record(StreamName=stream, Data=b"x", PartitionKey=str(n)) for n in range(20)
    ]
    description = kinesis.describe_stream(StreamName=stream)["StreamDescription"]
    created = int(description["StreamCreationTimestamp"].timestamp())
    last_by_shard: dict[int, int] = {}
    for put in puts:
        number = put["SequenceNumber"]
        assert len(number) == 56
        digits = format(int(number), "x")
        assert len(digits) == 47 and digits[0] == digits[-1] == "2"
        index = int(put["ShardId"].rpartition("-")[2])
        assert int(digits[1:10], 16) == created  # the shard's creation second
        assert int(digits[10], 16) == index & 0xF
        assert int(digits[38:46], 16) == index
        assert int(digits[29:38], 16) >= created  # the arrival second
        counter = int(digits[11:27], 16)
        assert counter > last_by_shard.get(index, 0)
        last_by_shard[index] = counter
    for shard in description["Shards"]:
        start = int(shard["SequenceNumberRange"]["StartingSequenceNumber"])
        mine = [int(p["SequenceNumber"]) for p in puts if p["ShardId"] == shard["ShardId"]]
        assert all(start < number for number in mine)


def test_shard_iterators_are_aws_shaped(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=SHARD, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    raw = base64.b64decode(iterator)
    assert iterator[:10] == "AAAAAAAAAA" and iterator[10] in "EFGH"  # 7 zero bytes, then 0x01
    assert raw[:8] == bytes(7) + b"\x01"
    assert len(raw) == 152 + 16 * ((len(stream) + 2) // 16)
    assert stream.encode() not in raw  # opaque, as AWS's are
    altered = base64.b64encode(raw[:-1] + bytes([raw[-1] ^ 1])).decode()
    with pytest.raises(ClientError) as error:
        kinesis.get_records(ShardIterator=altered)
    assert (error_code(error), error_message(error)) == (
        "InvalidArgumentException",
        "Invalid ShardIterator.",
    )


# -- tags --------------------------------------------------------------------------------------

INVALID = (
    "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white "
    "space, _ . / = + - % @."
)


@pytest.mark.parametrize("text", ["abc;def", "abc\tdef", "abc\ndef", "abc,def"])
def test_tags_refuse_characters_aws_refuses(
    kinesis: Any, make_stream: StreamFactory, text: str
) -> None:
    stream = make_stream(1)
    for tags in ({text: "1"}, {"a": text}):
        with pytest.raises(ClientError) as error:
            kinesis.add_tags_to_stream(StreamName=stream, Tags=tags)
        assert (error_code(error), error_message(error)) == ("InvalidArgumentException", INVALID)
    with pytest.raises(ClientError) as error:
        kinesis.remove_tags_from_stream(StreamName=stream, TagKeys=[text])
    assert error_message(error) == INVALID


def test_a_percent_sign_is_refused_in_its_own_words(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    with pytest.raises(ClientError) as error:
        kinesis.add_tags_to_stream(StreamName=stream, Tags={"a": "50%"})
    assert error_message(error) == (
        f"Failed to add tags to stream {stream} under account {ACCOUNT} because some tags "
        "contained illegal characters. The allowed characters are Unicode letters, "
        "white-spaces, '_',',','/','=','+','-','@'."
    )
    with pytest.raises(ClientError) as error:
        kinesis.remove_tags_from_stream(StreamName=stream, TagKeys=["a%"])
    assert error_message(error).startswith(f"Failed to remove tags from stream {stream} ")


def test_tags_take_unicode_letters_and_at_most_fifty(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    kinesis.add_tags_to_stream(
        StreamName=stream, Tags={"a": "a", "ü0 _.": "a", "/=+-@": "a", "b": "ü0 _./=+-@", "c": ""}
    )
    kinesis.add_tags_to_stream(StreamName=stream, Tags={f"k{i}": "v" for i in range(45)})
    with pytest.raises(ClientError) as error:
        kinesis.add_tags_to_stream(StreamName=stream, Tags={"one-more": "v"})
    assert error_message(error) == (
        f"Failed to add tags to stream {stream} under account {ACCOUNT} because a given stream "
        "cannot have more than 50 tags associated with it."
    )


def test_tags_by_arn_for_streams_and_consumers(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    arn = _arn(kinesis, stream)
    kinesis.tag_resource(ResourceARN=arn, Tags={"team": "data", "env": "dev"})
    kinesis.untag_resource(ResourceARN=arn, TagKeys=["env"])
    assert kinesis.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
        {"Key": "team", "Value": "data"}
    ]
    assert kinesis.list_tags_for_stream(StreamName=stream)["Tags"] == [
        {"Key": "team", "Value": "data"}
    ]
    consumer = kinesis.register_stream_consumer(
        StreamARN=arn, ConsumerName="reader", Tags={"owner": "me"}
    )["Consumer"]["ConsumerARN"]
    kinesis.tag_resource(ResourceARN=consumer, Tags={"tier": "gold"})
    assert kinesis.list_tags_for_resource(ResourceARN=consumer)["Tags"] == [
        {"Key": "owner", "Value": "me"},
        {"Key": "tier", "Value": "gold"},
    ]
    with pytest.raises(ClientError) as error:
        kinesis.list_tags_for_resource(ResourceARN=arn + "-absent")
    assert error_code(error) == "ResourceNotFoundException"


# -- stream settings ---------------------------------------------------------------------------


def test_stream_mode_switches_keep_the_shards(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(3)
    arn = _arn(kinesis, stream)
    kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert summary["OpenShardCount"] == 3
    with pytest.raises(ClientError) as error:
        kinesis.update_shard_count(
            StreamName=stream, TargetShardCount=4, ScalingType="UNIFORM_SCALING"
        )
    assert error_code(error) == "ValidationException"
    kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "PROVISIONED"})
    with pytest.raises(ClientError) as error:
        kinesis.update_stream_mode(StreamARN=arn, StreamModeDetails={"StreamMode": "ON_DEMAND"})
    assert error_code(error) == "LimitExceededException"  # twice in 24 hours at most
    assert kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
        "StreamModeDetails"
    ] == {"StreamMode": "PROVISIONED"}


def test_encryption_is_recorded_reported_and_marks_records(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    kinesis.put_record(StreamName=stream, Data=b"plain", PartitionKey="k")
    started = kinesis.start_stream_encryption(
        StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis"
    )
    assert _body_length(started) == "0"
    description = kinesis.describe_stream(StreamName=stream)["StreamDescription"]
    assert (description["EncryptionType"], description["KeyId"]) == ("KMS", "alias/aws/kinesis")
    put = kinesis.put_record(StreamName=stream, Data=b"secret", PartitionKey="k")
    assert put["EncryptionType"] == "KMS"
    iterator = kinesis.get_shard_iterator(
        StreamName=stream, ShardId=SHARD, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert ["EncryptionType" in r for r in records] == [False, True]
    assert records[1]["EncryptionType"] == "KMS"
    kinesis.stop_stream_encryption(
        StreamName=stream, EncryptionType="KMS", KeyId="alias/aws/kinesis"
    )
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["EncryptionType"] == "NONE" and "KeyId" not in summary
    with pytest.raises(ClientError) as error:
        kinesis.start_stream_encryption(StreamName=stream, EncryptionType="NONE", KeyId="k")
    assert error_code(error) == "InvalidArgumentException"


def test_enhanced_monitoring(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    enabled = kinesis.enable_enhanced_monitoring(
        StreamName=stream, ShardLevelMetrics=["OutgoingBytes", "IncomingBytes"]
    )
    assert enabled["CurrentShardLevelMetrics"] == []
    assert enabled["DesiredShardLevelMetrics"] == ["IncomingBytes", "OutgoingBytes"]
    assert enabled["StreamName"] == stream
    everything = kinesis.enable_enhanced_monitoring(StreamName=stream, ShardLevelMetrics=["ALL"])
    assert everything["DesiredShardLevelMetrics"] == ALL_METRICS
    disabled = kinesis.disable_enhanced_monitoring(
        StreamName=stream, ShardLevelMetrics=["IncomingBytes"]
    )
    assert disabled["DesiredShardLevelMetrics"] == ALL_METRICS[1:]
    described = kinesis.describe_stream(StreamName=stream)["StreamDescription"]
    assert described["EnhancedMonitoring"] == [{"ShardLevelMetrics": ALL_METRICS[1:]}]


def test_larger_records_after_update_max_record_size(
    kinesis: Any, make_stream: StreamFactory
) -> None:
    stream = make_stream(1)
    big = b"x" * (2 << 20)
    with pytest.raises(ClientError) as error:
        kinesis.put_record(StreamName=stream, Data=big, PartitionKey="k")
    assert error_code(error) == "ValidationException"
    kinesis.update_max_record_size(StreamARN=_arn(kinesis, stream), MaxRecordSizeInKiB=10240)
    summary = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]
    assert summary["MaxRecordSizeInKiB"] == 10240
    kinesis.put_record(StreamName=stream, Data=big, PartitionKey="k")


def test_resource_policies(kinesis: Any, make_stream: StreamFactory) -> None:
    stream = make_stream(1)
    arn = _arn(kinesis, stream)
    assert json.loads(kinesis.get_resource_policy(ResourceARN=arn)["Policy"]) == {}
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                    "Action": "kinesis:PutRecord",
                    "Resource": arn,
                }
            ],
        }
    )
    assert _body_length(kinesis.put_resource_policy(ResourceARN=arn, Policy=policy)) == "0"
    assert kinesis.get_resource_policy(ResourceARN=arn)["Policy"] == policy
    kinesis.delete_resource_policy(ResourceARN=arn)
    assert json.loads(kinesis.get_resource_policy(ResourceARN=arn)["Policy"]) == {}
    with pytest.raises(ClientError) as error:
        kinesis.put_resource_policy(ResourceARN=arn, Policy="not json")
    assert error_code(error) == "InvalidArgumentException"


# -- account -----------------------------------------------------------------------------------


def test_describe_limits_counts_the_account(lake: Lakehose) -> None:
    client = lake.client("kinesis")
    client.create_stream(StreamName="a", ShardCount=3)
    client.create_stream(StreamName="b", StreamModeDetails={"StreamMode": "ON_DEMAND"})
    limits = client.describe_limits()
    del limits["ResponseMetadata"]
    assert limits == {
        "ShardLimit": 500,
        "OpenShardCount": 7,
        "OnDemandStreamCount": 1,
        "OnDemandStreamCountLimit": 50,
    }


def test_minimum_throughput_commitment(lake: Lakehose, clock: ManualClock) -> None:
    client = lake.client("kinesis")
    setting = "MinimumThroughputBillingCommitment"
    assert client.describe_account_settings()[setting] == {"Status": "DISABLED"}
    enabled = client.update_account_settings(**{setting: {"Status": "ENABLED"}})[setting]
    assert enabled["Status"] == "ENABLED"
    assert (enabled["EarliestAllowedEndAt"] - enabled["StartedAt"]).total_seconds() == 86400
    ending = client.update_account_settings(**{setting: {"Status": "DISABLED"}})[setting]
    assert ending["Status"] == "ENABLED_UNTIL_EARLIEST_ALLOWED_END"
    clock.advance(86400)
    ended = client.describe_account_settings()[setting]
    assert ended["Status"] == "DISABLED"
    assert ended["EndedAt"] == enabled["EarliestAllowedEndAt"]


# -- life cycle delays -------------------------------------------------------------------------


@pytest.fixture
def slow(tmp_path: Any, clock: ManualClock) -> Any:
    options = {
        "kinesis.stream_creation_delay_seconds": 10,
        "kinesis.stream_update_delay_seconds": 10,
        "kinesis.stream_deletion_delay_seconds": 10,
    }
    with Lakehose(home=tmp_path / "h", clock=clock, background=False, options=options) as lake:
        yield lake


def _status(client: Any, stream: str) -> str:
    return str(
        client.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
            "StreamStatus"
        ]
    )


def test_creating_updating_and_deleting_are_held(slow: Lakehose, clock: ManualClock) -> None:
    client = slow.client("kinesis")
    client.create_stream(StreamName="held", ShardCount=1)
    assert _status(client, "held") == "CREATING"
    clock.advance(10)
    client.get_waiter("stream_exists").wait(StreamName="held", WaiterConfig={"Delay": 0})
    client.start_stream_encryption(StreamName="held", EncryptionType="KMS", KeyId="k")
    assert _status(client, "held") == "UPDATING"
    clock.advance(10)
    client.delete_stream(StreamName="held")
    assert _status(client, "held") == "DELETING"
    with pytest.raises(ClientError) as error:
        client.put_record(StreamName="held", Data=b"x", PartitionKey="k")
    assert error_code(error) == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        client.create_stream(StreamName="held", ShardCount=1)
    assert error_code(error) == "ResourceInUseException"
    clock.advance(10)
    with pytest.raises(ClientError) as error:
        client.describe_stream_summary(StreamName="held")
    assert error_code(error) == "ResourceNotFoundException"
    client.create_stream(StreamName="held", ShardCount=1)  # the name is free again


# -- homes written before these settings existed ----------------------------------------------


def test_a_home_from_before_keeps_its_streams_and_records(tmp_path: Any) -> None:
    """A kinesis.db at schema version 1 (no encryption, monitoring, policies...) opens, its
    records read back with the sequence numbers they were given, and writes go on."""
    home = tmp_path / "home"
    database = open_database(home / "kinesis" / "kinesis.db", MIGRATIONS[:1])
    with database.transaction() as connection:
        connection.execute(
            "INSERT INTO streams (name, created_ms, active_ms, retention_hours, mode,"
            " max_record_kib, next_shard_index) VALUES ('old', ?, ?, 24, 'PROVISIONED', 1024, 1)",
            (NOW_MS, NOW_MS),
        )
        connection.execute(
            "INSERT INTO shards (stream_id, shard_index, hash_start, hash_end, opened_ms,"
            " created_s, next_counter) VALUES (1, 0, '0', ?, ?, ?, 2)",
            (str(2**128 - 1), NOW_MS, NOW_MS // 1000),
        )
        connection.execute(
            "INSERT INTO records (stream_id, shard_index, counter, arrival_ms, partition_key,"
            " data) VALUES (1, 0, 1, ?, 'k', X'6F6C64')",
            (NOW_MS,),
        )
    database.close()
    old_number = ShardRow(1, 0, None, None, 0, 2**128 - 1, NOW_MS, NOW_MS // 1000, None, 2)
    expected = old_number.sequence_of(1, NOW_MS)

    with Lakehose(home=home, clock=ManualClock(NOW_MS / 1000 + 1), background=False) as lake:
        client = lake.client("kinesis")
        summary = client.describe_stream_summary(StreamName="old")["StreamDescriptionSummary"]
        assert (summary["EncryptionType"], summary["EnhancedMonitoring"]) == (
            "NONE",
            [{"ShardLevelMetrics": []}],
        )
        # A checkpoint stored by a reader (Firehose keeps exactly this string) still resumes.
        after = client.get_shard_iterator(
            StreamName="old",
            ShardId=SHARD,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            StartingSequenceNumber=expected,
        )["ShardIterator"]
        client.put_record(StreamName="old", Data=b"new", PartitionKey="k")
        records = client.get_records(ShardIterator=after)["Records"]
    assert (records[0]["Data"], records[0]["SequenceNumber"]) == (b"old", expected)
    assert [r["Data"] for r in records] == [b"old", b"new"]


@pytest.mark.server
def test_lakehose_up_holds_streams_creating_when_told(tmp_path: Any) -> None:
    server = ServerProcess(
        tmp_path / "home", env={"LAKEHOSE_OPTIONS": "kinesis.stream_creation_delay_seconds=3600"}
    )
    try:
        client = server.client("kinesis")
        client.create_stream(StreamName="slow", ShardCount=1)
        assert _status(client, "slow") == "CREATING"
        with pytest.raises(ClientError) as error:
            client.put_record(StreamName="slow", Data=b"x", PartitionKey="k")
        assert error_code(error) == "ResourceNotFoundException"
    finally:
        server.stop()


def test_resharding_numbers_follow_aws_layout(kinesis: Any, make_stream: StreamFactory) -> None:
    """A closed shard ends at counter 2^63 - 1 stamped with its closing second; its children
    start at counter 0, created (and stamped) one second later, so every child number sorts
    after every parent number (kinesalite's split tests, run against AWS)."""
    stream = make_stream(1)
    kinesis.split_shard(StreamName=stream, ShardToSplit=SHARD, NewStartingHashKey=str(2**127))
    parent, *children = kinesis.describe_stream(StreamName=stream)["StreamDescription"]["Shards"]

    def fields(number: str) -> tuple[int, int, int, int]:
        digits = format(int(number), "x")
        created, counter = int(digits[1:10], 16), int(digits[11:27], 16)
        return created, counter, int(digits[29:38], 16), int(digits[38:46], 16)

    start = fields(parent["SequenceNumberRange"]["StartingSequenceNumber"])
    end = fields(parent["SequenceNumberRange"]["EndingSequenceNumber"])
    assert (end[0], end[1], end[3]) == (start[0], 2**63 - 1, 0)
    for index, child in enumerate(children, start=1):
        child_start = fields(child["SequenceNumberRange"]["StartingSequenceNumber"])
        assert child_start == (end[2] + 1, 0, end[2] + 1, index)
        assert int(child["SequenceNumberRange"]["StartingSequenceNumber"]) > int(
            parent["SequenceNumberRange"]["EndingSequenceNumber"]
        )
