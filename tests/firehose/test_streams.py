"""Delivery streams' life cycle, description, updates, tags and configuration rules (both modes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.firehose.conftest import (
    ARTICLE_PREFIX,
    ROLE,
    destination,
    error_code,
    error_message,
    lambda_processor,
)

ACCOUNT = "000000000000"


def test_create_and_describe_with_defaults(firehose: Any, name: str) -> None:
    arn = firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=destination("b", Prefix="p/"),
    )["DeliveryStreamARN"]
    assert arn == f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/{name}"
    described = firehose.describe_delivery_stream(DeliveryStreamName=name)
    stream = described["DeliveryStreamDescription"]
    assert stream["DeliveryStreamStatus"] == "ACTIVE"
    assert stream["DeliveryStreamType"] == "DirectPut"
    assert stream["VersionId"] == "1"
    assert isinstance(stream["CreateTimestamp"], datetime)
    assert "Source" not in stream and not stream["HasMoreDestinations"]
    (target,) = stream["Destinations"]
    assert target["DestinationId"] == "destinationId-000000000001"
    extended = target["ExtendedS3DestinationDescription"]
    assert extended["BufferingHints"] == {"SizeInMBs": 5, "IntervalInSeconds": 300}
    assert extended["CompressionFormat"] == "UNCOMPRESSED"
    assert extended["EncryptionConfiguration"] == {"NoEncryptionConfig": "NoEncryption"}
    assert extended["S3BackupMode"] == "Disabled"
    assert extended["Prefix"] == "p/"
    # AWS echoes an S3 destination in the legacy shape too, with the members it has.
    legacy = target["S3DestinationDescription"]
    assert legacy["BucketARN"] == "arn:aws:s3:::b" and "S3BackupMode" not in legacy


def test_legacy_s3_configuration_is_described_in_both_shapes(firehose: Any, name: str) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        S3DestinationConfiguration={"RoleARN": ROLE, "BucketARN": "arn:aws:s3:::b"},
    )
    (target,) = firehose.describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"
    ]["Destinations"]
    assert target["ExtendedS3DestinationDescription"]["BucketARN"] == "arn:aws:s3:::b"
    assert target["S3DestinationDescription"]["CompressionFormat"] == "UNCOMPRESSED"


def test_kinesis_source_is_described_with_its_start(firehose: Any, kinesis: Any, name: str) -> None:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration=destination("b"),
    )
    stream = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    source = stream["Source"]["KinesisStreamSourceDescription"]
    assert source["KinesisStreamARN"] == stream_arn and source["RoleARN"] == ROLE
    assert source["DeliveryStartTimestamp"] == stream["CreateTimestamp"]
    assert stream["DeliveryStreamType"] == "KinesisStreamAsSource"


def test_names_are_unique_and_missing_streams_are_not_found(firehose: Any, name: str) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination("b")
    )
    with pytest.raises(ClientError) as exists:
        firehose.create_delivery_stream(
            DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination("b")
        )
    assert error_code(exists) == "ResourceInUseException"
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    with pytest.raises(ClientError) as missing:
        firehose.describe_delivery_stream(DeliveryStreamName=name)
    assert error_code(missing) == "ResourceNotFoundException"
    assert error_message(missing) == f"Firehose {name} under account {ACCOUNT} not found."


def test_list_pages_and_filters_by_type(firehose: Any, kinesis: Any, name: str) -> None:
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}"
    names = [f"{name}-{n}" for n in range(3)]
    for created in names:
        firehose.create_delivery_stream(
            DeliveryStreamName=created, ExtendedS3DestinationConfiguration=destination("b")
        )
    firehose.create_delivery_stream(
        DeliveryStreamName=f"{name}-k",
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
        ExtendedS3DestinationConfiguration=destination("b"),
    )
    page = firehose.list_delivery_streams(Limit=2, ExclusiveStartDeliveryStreamName=f"{name}-")
    assert page["DeliveryStreamNames"] == names[:2] and page["HasMoreDeliveryStreams"]
    rest = firehose.list_delivery_streams(
        Limit=10, ExclusiveStartDeliveryStreamName=names[1], DeliveryStreamType="DirectPut"
    )
    assert names[2] in rest["DeliveryStreamNames"]
    assert f"{name}-k" not in rest["DeliveryStreamNames"]
    kinesis_only = firehose.list_delivery_streams(
        Limit=10000, DeliveryStreamType="KinesisStreamAsSource"
    )
    assert f"{name}-k" in kinesis_only["DeliveryStreamNames"]
    assert not set(names) & set(kinesis_only["DeliveryStreamNames"])


def test_update_destination_checks_and_increments_the_version(firehose: Any, name: str) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination("b")
    )
    with pytest.raises(ClientError) as stale:
        firehose.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId="2",
            DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={"Prefix": "x/"},
        )
    assert error_code(stale) == "ConcurrentModificationException"
    with pytest.raises(ClientError) as unknown:
        firehose.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId="1",
            DestinationId="destinationId-000000000002",
            ExtendedS3DestinationUpdate={"Prefix": "x/"},
        )
    assert error_code(unknown) == "InvalidArgumentException"
    firehose.update_destination(
        DeliveryStreamName=name,
        CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"Prefix": "x/", "CompressionFormat": "GZIP"},
    )
    stream = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert stream["VersionId"] == "2" and "LastUpdateTimestamp" in stream
    extended = stream["Destinations"][0]["ExtendedS3DestinationDescription"]
    assert (extended["Prefix"], extended["CompressionFormat"]) == ("x/", "GZIP")
    assert extended["BucketARN"] == "arn:aws:s3:::b"  # members not in the update stay


def test_tags(firehose: Any, name: str) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=destination("b"),
        Tags=[{"Key": "team", "Value": "data"}],
    )
    firehose.tag_delivery_stream(
        DeliveryStreamName=name,
        Tags=[{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "x"}],
    )
    listed = firehose.list_tags_for_delivery_stream(DeliveryStreamName=name)
    assert listed["Tags"] == [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "x"}]
    assert not listed["HasMoreTags"]
    page = firehose.list_tags_for_delivery_stream(DeliveryStreamName=name, Limit=1)
    assert page["Tags"] == [{"Key": "env", "Value": "dev"}] and page["HasMoreTags"]
    firehose.untag_delivery_stream(DeliveryStreamName=name, TagKeys=["env"])
    after = firehose.list_tags_for_delivery_stream(
        DeliveryStreamName=name, ExclusiveStartTagKey="a"
    )
    assert after["Tags"] == [{"Key": "team", "Value": "x"}]
    many = [{"Key": f"k{n}", "Value": "v"} for n in range(50)]
    with pytest.raises(ClientError) as limit:
        firehose.tag_delivery_stream(DeliveryStreamName=name, Tags=many)
    assert error_code(limit) == "LimitExceededException"


def _refused(firehose: Any, name: str, **arguments: Any) -> pytest.ExceptionInfo[ClientError]:
    arguments.setdefault("ExtendedS3DestinationConfiguration", destination("b"))
    with pytest.raises(ClientError) as refused:
        firehose.create_delivery_stream(DeliveryStreamName=name, **arguments)
    return refused


@pytest.mark.parametrize(
    ("members", "code"),
    [
        ({"BufferingHints": {"SizeInMBs": 1}}, "InvalidArgumentException"),
        ({"Prefix": ARTICLE_PREFIX}, "InvalidArgumentException"),
        (
            {"Prefix": "a/!{firehose:error-output-type}/", "ErrorOutputPrefix": "e/"},
            "InvalidArgumentException",
        ),
        ({"ErrorOutputPrefix": "e/!{timestamp:yyyy}/"}, "InvalidArgumentException"),
        ({"Prefix": "a/!{nope}/", "ErrorOutputPrefix": "e/"}, "InvalidArgumentException"),
        ({"CompressionFormat": "gzip"}, "ValidationException"),
        ({"CustomTimeZone": "Mars/Olympus"}, "InvalidArgumentException"),
        ({"S3BackupMode": "Enabled"}, "ValidationException"),
        (
            {
                "ProcessingConfiguration": {
                    "Enabled": True,
                    "Processors": [{"Type": "Decompression"}],
                }
            },
            "ValidationException",
        ),
        (
            {
                "ProcessingConfiguration": {
                    "Enabled": True,
                    "Processors": [{"Type": "RecordDeAggregation"}],
                }
            },
            "ValidationException",
        ),
        (
            {
                "ProcessingConfiguration": {
                    "Enabled": True,
                    "Processors": [
                        lambda_processor("arn:aws:lambda:us-east-1:0:function:f")["Processors"][0]
                    ]
                    * 2,
                }
            },
            "InvalidArgumentException",
        ),
        (
            {
                "Prefix": "p/!{partitionKeyFromQuery:c}/",
                "ErrorOutputPrefix": "e/",
                "BufferingHints": {"SizeInMBs": 64, "IntervalInSeconds": 0},
                "DynamicPartitioningConfiguration": {"Enabled": True},
                "ProcessingConfiguration": {
                    "Enabled": True,
                    "Processors": [
                        {
                            "Type": "MetadataExtraction",
                            "Parameters": [
                                {
                                    "ParameterName": "MetadataExtractionQuery",
                                    "ParameterValue": "{c:.c}",
                                },
                                {"ParameterName": "JsonParsingEngine", "ParameterValue": "JQ-1.6"},
                            ],
                        }
                    ],
                },
            },
            "InvalidArgumentException",
        ),
        (
            {
                "CompressionFormat": "GZIP",
                "DataFormatConversionConfiguration": {
                    "SchemaConfiguration": {"DatabaseName": "d", "TableName": "t", "RoleARN": ROLE},
                    "InputFormatConfiguration": {"Deserializer": {"OpenXJsonSerDe": {}}},
                    "OutputFormatConfiguration": {"Serializer": {"ParquetSerDe": {}}},
                },
            },
            "InvalidArgumentException",
        ),
    ],
    ids=[
        "hints-both-or-neither",
        "expressions-need-error-prefix",
        "error-type-outside-error-prefix",
        "error-prefix-needs-error-type",
        "malformed-expression",
        "compression-is-case-sensitive",
        "unknown-time-zone",
        "backup-unsupported",
        "decompression-unsupported",
        "sub-record-deaggregation-unsupported",
        "one-lambda-only",
        "partitioning-needs-buffering",
        "conversion-needs-uncompressed",
    ],
)
def test_configurations_aws_refuses(
    firehose: Any, name: str, members: dict[str, Any], code: str
) -> None:
    refused = _refused(
        firehose, name, ExtendedS3DestinationConfiguration=destination("b", **members)
    )
    assert error_code(refused) == code
    with pytest.raises(ClientError):
        firehose.describe_delivery_stream(DeliveryStreamName=name)


def test_prefix_rule_message_is_awss(firehose: Any, name: str) -> None:
    refused = _refused(
        firehose, name, ExtendedS3DestinationConfiguration=destination("b", Prefix=ARTICLE_PREFIX)
    )
    assert error_message(refused) == (
        "Ths supplied prefix(es) do not satisfy the following constraint: ErrorOutputPrefix "
        "cannot be null or empty when Prefix contains expressions"
    )


def test_sources_and_destinations_must_fit_the_type(firehose: Any, name: str) -> None:
    assert error_code(_refused(firehose, name, DeliveryStreamType="KinesisStreamAsSource")) == (
        "InvalidArgumentException"
    )
    with pytest.raises(ClientError) as no_destination:
        firehose.create_delivery_stream(DeliveryStreamName=name)
    assert error_code(no_destination) == "InvalidArgumentException"
    missing_stream = _refused(
        firehose,
        name,
        DeliveryStreamType="KinesisStreamAsSource",
        KinesisStreamSourceConfiguration={
            "KinesisStreamARN": f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{name}-none",
            "RoleARN": ROLE,
        },
    )
    assert error_code(missing_stream) == "InvalidArgumentException"


def test_dynamic_partitioning_cannot_be_switched_by_update(firehose: Any, name: str) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination("b")
    )
    with pytest.raises(ClientError) as refused:
        firehose.update_destination(
            DeliveryStreamName=name,
            CurrentDeliveryStreamVersionId="1",
            DestinationId="destinationId-000000000001",
            ExtendedS3DestinationUpdate={"DynamicPartitioningConfiguration": {"Enabled": True}},
        )
    assert error_code(refused) == "InvalidArgumentException"
    version = firehose.describe_delivery_stream(DeliveryStreamName=name)[
        "DeliveryStreamDescription"
    ]["VersionId"]
    assert version == "1"
