"""AWS::KinesisFirehose::DeliveryStream: created with API names, updated in place, replaced."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from lakehose.deploy import STATE_BUCKET, Deployer
from lakehose.deploy.errors import ResourceFailed
from tests.deploy.conftest import Clients, Recorder, deploy_dict

PREFIX = (
    "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
)


def template(named: bool = True, interval: int = 60, source: str = "Stream") -> dict[str, Any]:
    """The article's delivery stream, as CDK's L1 CfnDeliveryStream synthesizes it."""
    role_arn = {"Fn::GetAtt": ["Role", "Arn"]}
    delivery: dict[str, Any] = {
        "DeliveryStreamType": "KinesisStreamAsSource",
        "KinesisStreamSourceConfiguration": {
            "KinesisStreamARN": {"Fn::GetAtt": [source, "Arn"]},
            "RoleARN": role_arn,
        },
        "ExtendedS3DestinationConfiguration": {
            "BucketARN": {"Fn::GetAtt": ["Bucket", "Arn"]},
            "BufferingHints": {"IntervalInSeconds": interval, "SizeInMBs": 1},
            "CompressionFormat": "GZIP",
            "EncryptionConfiguration": {"NoEncryptionConfig": "NoEncryption"},
            "ErrorOutputPrefix": "errors/",
            "Prefix": PREFIX,
            "ProcessingConfiguration": {
                "Enabled": True,
                "Processors": [
                    {
                        "Type": "Lambda",
                        "Parameters": [
                            {"ParameterName": "LambdaArn", "ParameterValue": "arn:aws:lambda:"
                             "us-east-1:000000000000:function:transform"},
                            {"ParameterName": "RoleArn", "ParameterValue": role_arn},
                        ],
                    }
                ],
            },
            "RoleARN": role_arn,
        },
    }  # fmt: skip
    if named:
        delivery["DeliveryStreamName"] = "heartrate-firehose"
    return {
        "Resources": {
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
            "Other": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Delivery": {
                "Type": "AWS::KinesisFirehose::DeliveryStream",
                "DependsOn": ["Role", "Stream"],
                "Properties": delivery,
            },
        }
    }


def describe(clients: Clients, name: str) -> dict[str, Any]:
    answer = clients("firehose").describe_delivery_stream(DeliveryStreamName=name)
    return answer["DeliveryStreamDescription"]  # type: ignore[no-any-return]


def test_created_with_the_cloudformation_properties(
    local: Deployer, local_clients: Clients
) -> None:
    state = deploy_dict(local, "Heartrate", template())
    assert state.resources["Delivery"].physical_id == "heartrate-firehose"
    assert (
        state.resources["Delivery"].attributes["Arn"].endswith(":deliverystream/heartrate-firehose")
    )
    destination = describe(local_clients, "heartrate-firehose")["Destinations"][0]
    s3 = destination["ExtendedS3DestinationDescription"]
    assert s3["BucketARN"] == state.resources["Bucket"].attributes["Arn"]
    assert s3["Prefix"] == PREFIX
    assert s3["BufferingHints"] == {"IntervalInSeconds": 60, "SizeInMBs": 1}
    processor = s3["ProcessingConfiguration"]["Processors"][0]
    assert processor["Parameters"][1] == {
        "ParameterName": "RoleArn",
        "ParameterValue": state.resources["Role"].attributes["Arn"],
    }


def test_changed_buffering_hint_updates_in_place(
    local: Deployer, local_clients: Clients, recorder: Recorder
) -> None:
    deploy_dict(local, "Heartrate", template())
    before = describe(local_clients, "heartrate-firehose")
    recorder.clear()
    deploy_dict(local, "Heartrate", template(interval=120))
    after = describe(local_clients, "heartrate-firehose")
    assert recorder.statuses("Delivery") == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]
    assert int(after["VersionId"]) == int(before["VersionId"]) + 1
    assert after["DeliveryStreamARN"] == before["DeliveryStreamARN"]
    hints = after["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    assert hints == {"IntervalInSeconds": 120, "SizeInMBs": 1}


def test_changed_source_replaces_the_delivery_stream(
    local: Deployer, local_clients: Clients
) -> None:
    first = deploy_dict(local, "Heartrate", template(named=False))
    old = first.resources["Delivery"].physical_id
    assert old.startswith("Heartrate-Delivery-")
    second = deploy_dict(local, "Heartrate", template(named=False, source="Other"))
    new = second.resources["Delivery"].physical_id
    assert new != old
    assert describe(local_clients, new)["DeliveryStreamStatus"] == "ACTIVE"
    with pytest.raises(Exception, match="ResourceNotFoundException"):
        describe(local_clients, old)


def test_a_named_delivery_stream_cannot_be_replaced(
    local: Deployer, local_clients: Clients
) -> None:
    deploy_dict(local, "Heartrate", template())
    with pytest.raises(ResourceFailed, match="Rename heartrate-firehose"):
        deploy_dict(local, "Heartrate", template(source="Other"))
    assert describe(local_clients, "heartrate-firehose")["DeliveryStreamStatus"] == "ACTIVE"


def test_unknown_nested_property_fails_and_rolls_back(
    local: Deployer, local_clients: Clients
) -> None:
    body = template()
    broken = copy.deepcopy(body)
    destination = broken["Resources"]["Delivery"]["Properties"][
        "ExtendedS3DestinationConfiguration"
    ]
    destination["BufferingHints"]["SizeInGBs"] = 1
    with pytest.raises(ResourceFailed, match=r"BufferingHints\.SizeInGBs is not supported"):
        deploy_dict(local, "Heartrate", broken)
    assert local.stacks() == []
    # Only the stacks' own bucket is left: the stream, role and bucket were rolled back.
    assert [b["Name"] for b in local_clients("s3").list_buckets()["Buckets"]] == [STATE_BUCKET]
    assert local_clients("kinesis").list_streams()["StreamNames"] == []
