"""The gateway answers every service's unimplemented and malformed requests as AWS does."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget

NO_CLIENT_VALIDATION = Config(parameter_validation=False, retries={"total_max_attempts": 1})

# (service, operation, params) for operations no engine implements.
UNIMPLEMENTED: list[tuple[str, str, dict[str, Any]]] = [
    ("dynamodb", "describe_global_table", {"GlobalTableName": "xyz"}),
    ("kinesis", "list_channels", {}),
    ("firehose", "start_delivery_stream_encryption", {"DeliveryStreamName": "x"}),
    ("lambda", "get_account_settings", {}),
    ("glue", "get_jobs", {}),
    ("athena", "list_capacity_reservations", {}),
]


@pytest.mark.parametrize(("service", "operation", "params"), UNIMPLEMENTED)
def test_unimplemented_operation_is_a_clean_error(
    aws: AwsTarget, service: str, operation: str, params: dict[str, Any]
) -> None:
    client = aws.client(service, config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(**params)
    response = caught.value.response
    assert response["Error"]["Code"] == "UnknownOperationException"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["ResponseMetadata"]["RequestId"]


def test_unimplemented_s3_operation_is_not_implemented(aws: AwsTarget) -> None:
    s3 = aws.client("s3", config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        s3.get_bucket_analytics_configuration(Bucket="bucket", Id="id")
    response = caught.value.response
    assert response["Error"]["Code"] == "NotImplemented"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amz-request-id"]
    # S3's message names nothing; lakehose's adds the operation it does not implement.
    assert response["Error"]["Message"].endswith(
        "(lakehose does not implement S3 GetBucketAnalyticsConfiguration)"
    )


# (service, operation, params, the message AWS's Coral validation gives)
MISSING_REQUIRED: list[tuple[str, str, dict[str, Any], str]] = [
    (
        "dynamodb",
        "describe_table",
        {},
        "1 validation error detected: Value null at 'tableName' failed to satisfy constraint: "
        "Member must not be null",
    ),
    (
        "kinesis",
        "get_shard_iterator",
        {"StreamName": "s"},
        "2 validation errors detected: Value null at 'shardId' failed to satisfy constraint: "
        "Member must not be null; Value null at 'shardIteratorType' failed to satisfy "
        "constraint: Member must not be null",
    ),
    (
        "firehose",
        "describe_delivery_stream",
        {},
        "1 validation error detected: Value null at 'deliveryStreamName' failed to satisfy "
        "constraint: Member must not be null",
    ),
    (
        "lambda",
        "put_function_concurrency",
        {"FunctionName": "f"},
        "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to "
        "satisfy constraint: Member must not be null",
    ),
    (
        "glue",
        "get_database",
        {},
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: "
        "Member must not be null",
    ),
    (
        # A body member: under rest-json a missing URI label never leaves the client.
        "athena",
        "start_query_execution",
        {},
        "1 validation error detected: Value null at 'queryString' failed to satisfy "
        "constraint: Member must not be null",
    ),
]


@pytest.mark.parametrize(("service", "operation", "params", "message"), MISSING_REQUIRED)
def test_missing_required_member_is_a_validation_error(
    aws: AwsTarget, service: str, operation: str, params: dict[str, Any], message: str
) -> None:
    client = aws.client(service, config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(**params)
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == message


def test_s3_request_without_its_required_body_is_malformed_xml(aws: AwsTarget) -> None:
    s3 = aws.client("s3", config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        s3.put_bucket_tagging(Bucket="bucket")
    assert caught.value.response["Error"]["Code"] == "MalformedXML"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"StreamName": "", "ShardId": "shardId-000000000000", "ShardIteratorType": "LATEST"},
            "2 validation errors detected: Value '' at 'streamName' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; Value '' at "
            "'streamName' failed to satisfy constraint: Member must have length greater than or "
            "equal to 1",
        ),
        (
            {"StreamName": "s", "ShardId": "shardId-000000000000", "ShardIteratorType": "FIRST"},
            "1 validation error detected: Value 'FIRST' at 'shardIteratorType' failed to satisfy "
            "constraint: Member must satisfy enum value set: [AT_SEQUENCE_NUMBER, "
            "AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP]",
        ),
        (
            {"StreamName": "bad name!", "ShardId": "x", "ShardIteratorType": "LATEST"},
            "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
        ),
    ],
)
def test_constraints_are_reported_in_coral_format(
    aws: AwsTarget, params: dict[str, Any], message: str
) -> None:
    kinesis = aws.client("kinesis", config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        kinesis.get_shard_iterator(**params)
    assert caught.value.response["Error"] == {"Code": "ValidationException", "Message": message}


def test_range_constraint_and_list_paths(aws: AwsTarget) -> None:
    kinesis = aws.client("kinesis", config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        kinesis.put_records(StreamName="s", Records=[{"Data": b"x", "PartitionKey": ""}])
    # Kinesis's PartitionKey has a length constraint and no pattern.
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '' at 'records.1.member.partitionKey' failed to "
        "satisfy constraint: Member must have length greater than or equal to 1"
    )
    with pytest.raises(ClientError) as caught:
        kinesis.get_records(ShardIterator="i", Limit=0)
    assert caught.value.response["Error"]["Message"] == (
        "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
        "Member must have value greater than or equal to 1"
    )


def test_wrong_json_type_is_a_serialization_error(aws: AwsTarget) -> None:
    dynamodb = aws.client("dynamodb", config=NO_CLIENT_VALIDATION)
    with pytest.raises(ClientError) as caught:
        dynamodb.list_tables(ExclusiveStartTableName=5)
    assert caught.value.response["Error"] == {
        "Code": "SerializationException",
        "Message": "NUMBER_VALUE cannot be converted to String",
    }
    with pytest.raises(ClientError) as caught:
        dynamodb.list_tables(Limit="5")
    assert caught.value.response["Error"] == {
        "Code": "SerializationException",
        "Message": "STRING_VALUE cannot be converted to Integer",
    }
