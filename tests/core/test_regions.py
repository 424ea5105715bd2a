"""Regions and accounts as AWS scopes them, through boto3 in both modes.

Regional resources (streams, tables, delivery streams, functions, databases, workgroups) live per
account and region: made through an eu-west-1 client they carry eu-west-1 ARNs and are invisible
in us-east-1, and one name can exist in both. S3 bucket names are one global namespace whose
buckets each have a region. A 12-digit access key id acts in that account.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from tests.awslambda.conftest import zip_of
from tests.conftest import NO_RETRIES, AwsTarget, cached_client
from tests.dynamodb.conftest import key_schema, stream_records
from tests.firehose.conftest import ROLE, destination, flush, objects

EU, US = "eu-west-1", "us-east-1"
ACCOUNT = "000000000000"
OTHER = "111122223333"  # an access key id of 12 digits acts in that account
ILLEGAL = (
    "location constraint is incompatible for the region specific endpoint this request was sent to."
)


def code_of(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def clients(aws: AwsTarget, cache: dict[str, Any], service: str) -> tuple[Any, Any]:
    """(eu-west-1, us-east-1) clients of the configured account."""
    return (
        cached_client(aws, cache, service, region_name=EU),
        cached_client(aws, cache, service, region_name=US),
    )


def other_account(aws: AwsTarget, cache: dict[str, Any], service: str, region: str = EU) -> Any:
    key = f"{aws.mode}-{service}-{region}-{OTHER}"
    if key not in cache:
        cache[key] = aws.client(
            service, region_name=region, aws_access_key_id=OTHER, config=NO_RETRIES
        )
    return cache[key]


@pytest.fixture
def eu_bucket(aws: AwsTarget, client_cache: dict[str, Any], name: str) -> Iterator[str]:
    """An emptied-after bucket in eu-west-1."""
    s3, _ = clients(aws, client_cache, "s3")
    bucket = name[-63:].strip("-")
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": EU})
    yield bucket
    with contextlib.suppress(ClientError):
        for key in objects(s3, bucket):
            s3.delete_object(Bucket=bucket, Key=key)
        s3.delete_bucket(Bucket=bucket)


def _stream_names(kinesis: Any) -> set[str]:
    pages = kinesis.get_paginator("list_streams").paginate()
    return {stream for page in pages for stream in page["StreamNames"]}


# -- regional services ----------------------------------------------------------------------------


def test_kinesis_streams_live_in_their_region(
    aws: AwsTarget, client_cache: dict[str, Any], name: str
) -> None:
    eu, us = clients(aws, client_cache, "kinesis")
    eu.create_stream(StreamName=name, ShardCount=1)
    try:
        summary = eu.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        assert summary["StreamARN"] == f"arn:aws:kinesis:{EU}:{ACCOUNT}:stream/{name}"
        assert name not in _stream_names(us)
        with pytest.raises(ClientError) as missing:
            us.describe_stream_summary(StreamName=name)
        assert code_of(missing) == "ResourceNotFoundException"
        # The same name in the other region is another stream.
        us.create_stream(StreamName=name, ShardCount=2)
        us_summary = us.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        assert us_summary["StreamARN"] == f"arn:aws:kinesis:{US}:{ACCOUNT}:stream/{name}"
        assert us_summary["OpenShardCount"] == 2
        us.delete_stream(StreamName=name)
        assert (
            eu.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
                "OpenShardCount"
            ]
            == 1
        )
    finally:
        eu.delete_stream(StreamName=name)


def test_dynamodb_tables_live_in_their_region(
    aws: AwsTarget, client_cache: dict[str, Any], name: str
) -> None:
    eu, us = clients(aws, client_cache, "dynamodb")
    created = eu.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S"))
    )
    try:
        arn = created["TableDescription"]["TableArn"]
        assert arn == f"arn:aws:dynamodb:{EU}:{ACCOUNT}:table/{name}"
        assert name not in us.list_tables()["TableNames"]
        with pytest.raises(ClientError) as missing:
            us.describe_table(TableName=name)
        assert code_of(missing) == "ResourceNotFoundException"
        us.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **key_schema(("pk", "N")))
        us.put_item(TableName=name, Item={"pk": {"N": "1"}})
        eu.put_item(TableName=name, Item={"id": {"S": "a"}})
        assert us.scan(TableName=name)["Items"] == [{"pk": {"N": "1"}}]
        assert eu.scan(TableName=name)["Items"] == [{"id": {"S": "a"}}]
        us.delete_table(TableName=name)
    finally:
        eu.delete_table(TableName=name)


def test_firehose_streams_live_in_their_region(
    aws: AwsTarget, client_cache: dict[str, Any], name: str, eu_bucket: str
) -> None:
    eu, us = clients(aws, client_cache, "firehose")
    s3, _ = clients(aws, client_cache, "s3")
    arn = eu.create_delivery_stream(
        DeliveryStreamName=name, ExtendedS3DestinationConfiguration=destination(eu_bucket)
    )["DeliveryStreamARN"]
    try:
        assert arn == f"arn:aws:firehose:{EU}:{ACCOUNT}:deliverystream/{name}"
        assert name not in us.list_delivery_streams(Limit=10000)["DeliveryStreamNames"]
        with pytest.raises(ClientError) as missing:
            us.describe_delivery_stream(DeliveryStreamName=name)
        assert code_of(missing) == "ResourceNotFoundException"
        other = destination(eu_bucket, Prefix="us/", ErrorOutputPrefix="us-errors/")
        us.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration=other)
        eu.put_record(DeliveryStreamName=name, Record={"Data": b"from eu\n"})
        us.put_record(DeliveryStreamName=name, Record={"Data": b"from us\n"})
        flush(aws)
        delivered = objects(s3, eu_bucket)
        assert sorted(delivered.values()) == [b"from eu\n", b"from us\n"]
        (us_key,) = (key for key, body in delivered.items() if body == b"from us\n")
        assert us_key.startswith("us/")
        us.delete_delivery_stream(DeliveryStreamName=name)
    finally:
        eu.delete_delivery_stream(DeliveryStreamName=name)


CALLS_BACK = """
import os
import boto3

def handler(event, context):
    kinesis = boto3.client("kinesis")
    kinesis.create_stream(StreamName=event["stream"], ShardCount=1)
    summary = kinesis.describe_stream_summary(StreamName=event["stream"])
    arn = summary["StreamDescriptionSummary"]["StreamARN"]
    return {"region": os.environ["AWS_REGION"], "arn": arn}
"""


def test_lambda_functions_live_in_their_region_and_call_back_there(
    aws: AwsTarget, client_cache: dict[str, Any], name: str
) -> None:
    eu, us = clients(aws, client_cache, "lambda")
    theirs = other_account(aws, client_cache, "lambda")
    code = {"ZipFile": zip_of({"app.py": CALLS_BACK})}
    role = f"arn:aws:iam::{OTHER}:role/lambda-role"
    function = theirs.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler", Code=code
    )
    try:
        assert function["FunctionArn"] == f"arn:aws:lambda:{EU}:{OTHER}:function:{name}"
        for elsewhere in (eu, us):
            with pytest.raises(ClientError) as missing:
                elsewhere.get_function(FunctionName=name)
            assert code_of(missing) == "ResourceNotFoundException"
        # The function's own SDK calls land in its account and region.
        answer = json.loads(
            theirs.invoke(FunctionName=name, Payload=orjson.dumps({"stream": name}))[
                "Payload"
            ].read()
        )
        assert answer == {"region": EU, "arn": f"arn:aws:kinesis:{EU}:{OTHER}:stream/{name}"}
        assert name in _stream_names(other_account(aws, client_cache, "kinesis"))
        assert name not in _stream_names(clients(aws, client_cache, "kinesis")[0])
        # The same name in another region is another function.
        us.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=f"arn:aws:iam::{ACCOUNT}:role/lambda-role",
            Handler="app.other",
            Code=code,
        )
        assert us.get_function(FunctionName=name)["Configuration"]["Handler"] == "app.other"
        assert theirs.get_function(FunctionName=name)["Configuration"]["Handler"] == "app.handler"
        us.delete_function(FunctionName=name)
    finally:
        theirs.delete_function(FunctionName=name)
        with contextlib.suppress(ClientError):
            other_account(aws, client_cache, "kinesis").delete_stream(StreamName=name)


def test_glue_databases_live_in_their_region(
    aws: AwsTarget, client_cache: dict[str, Any], name: str
) -> None:
    eu, us = clients(aws, client_cache, "glue")
    database = name.replace("-", "_")
    eu.create_database(DatabaseInput={"Name": database, "Description": "eu"})
    try:
        with pytest.raises(ClientError) as missing:
            us.get_database(Name=database)
        assert code_of(missing) == "EntityNotFoundException"
        us.create_database(DatabaseInput={"Name": database, "Description": "us"})
        assert eu.get_database(Name=database)["Database"]["Description"] == "eu"
        assert us.get_database(Name=database)["Database"]["Description"] == "us"
        us.delete_database(Name=database)
        assert eu.get_database(Name=database)["Database"]["CatalogId"] == ACCOUNT
    finally:
        eu.delete_database(Name=database)


def test_athena_workgroups_and_its_catalog_live_in_their_region(
    aws: AwsTarget, client_cache: dict[str, Any], name: str, eu_bucket: str
) -> None:
    eu, us = clients(aws, client_cache, "athena")
    glue_eu, glue_us = clients(aws, client_cache, "glue")
    output = {"ResultConfiguration": {"OutputLocation": f"s3://{eu_bucket}/results"}}
    eu.create_work_group(Name=name, Configuration=output, Tags=[{"Key": "at", "Value": "eu"}])
    try:
        arn = f"arn:aws:athena:{EU}:{ACCOUNT}:workgroup/{name}"
        assert eu.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "at", "Value": "eu"}]
        listed = {group["Name"] for group in us.list_work_groups()["WorkGroups"]}
        assert name not in listed
        with pytest.raises(ClientError) as missing:
            us.get_work_group(WorkGroup=name)
        assert code_of(missing) == "InvalidRequestException"
        us.create_work_group(Name=name, Description="us", Configuration=output)
        assert "Description" not in eu.get_work_group(WorkGroup=name)["WorkGroup"]
        # DDL through eu-west-1's Athena writes eu-west-1's Glue catalog.
        database = name.replace("-", "_")
        execution = eu.start_query_execution(
            QueryString=f"CREATE DATABASE {database}", WorkGroup=name
        )
        _wait(eu, execution["QueryExecutionId"])
        assert glue_eu.get_database(Name=database)["Database"]["Name"] == database
        with pytest.raises(ClientError) as elsewhere:
            glue_us.get_database(Name=database)
        assert code_of(elsewhere) == "EntityNotFoundException"
        glue_eu.delete_database(Name=database)
        us.delete_work_group(WorkGroup=name)
    finally:
        eu.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)


def _wait(athena: Any, execution_id: str) -> None:
    from tests.athena.conftest import wait_for

    execution = wait_for(athena, execution_id)
    assert execution["Status"]["State"] == "SUCCEEDED", execution["Status"]


# -- S3: one namespace, buckets with regions ------------------------------------------------------


def test_buckets_are_global_names_with_a_region(
    aws: AwsTarget, client_cache: dict[str, Any], eu_bucket: str
) -> None:
    eu, us = clients(aws, client_cache, "s3")
    head = us.head_bucket(Bucket=eu_bucket)
    assert head["BucketRegion"] == EU
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == EU
    assert us.get_bucket_location(Bucket=eu_bucket)["LocationConstraint"] == EU
    listed = us.list_buckets(Prefix=eu_bucket)["Buckets"]
    assert [(b["Name"], b["BucketRegion"]) for b in listed] == [(eu_bucket, EU)]
    # The name is taken everywhere: by its owner, whichever region asks ...
    for client, arguments in (
        (us, {}),
        (eu, {"CreateBucketConfiguration": {"LocationConstraint": EU}}),
    ):
        with pytest.raises(ClientError) as owned:
            client.create_bucket(Bucket=eu_bucket, **arguments)
        assert code_of(owned) == "BucketAlreadyOwnedByYou"
    # ... and by every other account, which does not see it listed.
    theirs = other_account(aws, client_cache, "s3")
    with pytest.raises(ClientError) as taken:
        theirs.create_bucket(Bucket=eu_bucket, CreateBucketConfiguration={"LocationConstraint": EU})
    assert code_of(taken) == "BucketAlreadyExists"
    assert taken.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert theirs.list_buckets(Prefix=eu_bucket)["Buckets"] == []


def test_a_bucket_is_created_in_the_region_its_request_was_sent_to(
    aws: AwsTarget, client_cache: dict[str, Any], name: str
) -> None:
    eu, us = clients(aws, client_cache, "s3")
    with pytest.raises(ClientError) as mismatch:
        us.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": EU})
    assert code_of(mismatch) == "IllegalLocationConstraintException"
    assert mismatch.value.response["Error"]["Message"] == f"The {EU} {ILLEGAL}"
    with pytest.raises(ClientError) as unspecified:
        eu.create_bucket(Bucket=name)
    assert unspecified.value.response["Error"]["Message"] == f"The unspecified {ILLEGAL}"
    us.create_bucket(Bucket=name)
    try:
        assert eu.get_bucket_location(Bucket=name)["LocationConstraint"] is None
        assert eu.head_bucket(Bucket=name)["BucketRegion"] == US
    finally:
        us.delete_bucket(Bucket=name)


# -- accounts and malformed scopes ----------------------------------------------------------------


def test_a_twelve_digit_access_key_acts_in_that_account(
    aws: AwsTarget, client_cache: dict[str, Any], name: str
) -> None:
    theirs = other_account(aws, client_cache, "kinesis", US)
    ours = cached_client(aws, client_cache, "kinesis")
    theirs.create_stream(StreamName=name, ShardCount=1)
    try:
        summary = theirs.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
        assert summary["StreamARN"] == f"arn:aws:kinesis:{US}:{OTHER}:stream/{name}"
        assert name not in _stream_names(ours)
        ours.create_stream(StreamName=name, ShardCount=2)
        assert (
            ours.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
            == f"arn:aws:kinesis:{US}:{ACCOUNT}:stream/{name}"
        )
        ours.delete_stream(StreamName=name)
        # Another account's ARN names nothing here.
        with pytest.raises(ClientError) as foreign:
            ours.describe_stream_summary(StreamARN=summary["StreamARN"])
        assert code_of(foreign) == "ResourceNotFoundException"
    finally:
        theirs.delete_stream(StreamName=name)
    sts = other_account(aws, client_cache, "sts", US)
    assert sts.get_caller_identity()["Account"] == OTHER
    # Any other key id is the configured account.
    key = aws.client("sts", region_name=US, aws_access_key_id="AKIAIOSFODNN7EXAMPLE")
    assert key.get_caller_identity()["Account"] == ACCOUNT


@pytest.mark.parametrize(
    ("service", "call", "code", "message"),
    [
        (
            "kinesis",
            lambda c: c.list_streams(),
            "InvalidSignatureException",
            "Credential should be scoped to a valid region, not 'local'. ",
        ),
        (
            "s3",
            lambda c: c.list_buckets(),
            "AuthorizationHeaderMalformed",
            "The authorization header is malformed; the region 'local' is wrong; "
            "expecting 'us-east-1'",
        ),
    ],
)
def test_a_signature_for_no_region_is_refused(
    aws: AwsTarget, service: str, call: Any, code: str, message: str
) -> None:
    client = aws.client(service, region_name="local", config=NO_RETRIES)
    with pytest.raises(ClientError) as refused:
        call(client)
    assert (code_of(refused), refused.value.response["Error"]["Message"]) == (code, message)


# -- a pipeline outside the configured region -----------------------------------------------------


def test_table_to_stream_to_bucket_all_in_eu_west_1(
    aws: AwsTarget, client_cache: dict[str, Any], name: str, eu_bucket: str
) -> None:
    ddb, _ = clients(aws, client_cache, "dynamodb")
    kinesis, _ = clients(aws, client_cache, "kinesis")
    firehose, _ = clients(aws, client_cache, "firehose")
    s3, _ = clients(aws, client_cache, "s3")
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S")))
    kinesis.create_stream(StreamName=name, ShardCount=1)
    stream_arn = f"arn:aws:kinesis:{EU}:{ACCOUNT}:stream/{name}"
    try:
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            DeliveryStreamType="KinesisStreamAsSource",
            KinesisStreamSourceConfiguration={"KinesisStreamARN": stream_arn, "RoleARN": ROLE},
            ExtendedS3DestinationConfiguration=destination(eu_bucket),
        )
        ddb.enable_kinesis_streaming_destination(TableName=name, StreamArn=stream_arn)
        (described,) = ddb.describe_kinesis_streaming_destination(TableName=name)[
            "KinesisDataStreamDestinations"
        ]
        assert described["DestinationStatus"] == "ACTIVE", described
        ddb.put_item(TableName=name, Item={"id": {"S": "beat"}, "bpm": {"N": "72"}})
        (record,) = stream_records(kinesis, name)
        change = orjson.loads(record["Data"])
        assert (change["awsRegion"], change["tableName"]) == (EU, name)
        assert change["dynamodb"]["NewImage"]["bpm"] == {"N": "72"}
        flush(aws)
        (body,) = objects(s3, eu_bucket).values()
        assert orjson.loads(body) == change
    finally:
        with contextlib.suppress(ClientError):
            firehose.delete_delivery_stream(DeliveryStreamName=name)
        ddb.delete_table(TableName=name)
        kinesis.delete_stream(StreamName=name, EnforceConsumerDeletion=True)


# -- restarts -------------------------------------------------------------------------------------


def test_each_scope_keeps_its_state_and_its_buffers_across_a_restart(
    tmp_path: Path, clock: ManualClock
) -> None:
    home = tmp_path / "home"
    hints = {"SizeInMBs": 1, "IntervalInSeconds": 900}
    with Lakehose(home=home, clock=clock, background=False) as lake:
        for region, shards in ((EU, 1), (US, 2)):
            lake.client("kinesis", region_name=region).create_stream(
                StreamName="beats", ShardCount=shards
            )
        theirs = lake.client("dynamodb", region_name=EU, aws_access_key_id=OTHER)
        theirs.create_table(
            TableName="beats", BillingMode="PAY_PER_REQUEST", **key_schema(("id", "S"))
        )
        theirs.put_item(TableName="beats", Item={"id": {"S": "kept"}})
        lake.client("s3", region_name=EU).create_bucket(
            Bucket="beats-eu", CreateBucketConfiguration={"LocationConstraint": EU}
        )
        firehose = lake.client("firehose", region_name=EU)
        firehose.create_delivery_stream(
            DeliveryStreamName="beats",
            ExtendedS3DestinationConfiguration=destination("beats-eu", BufferingHints=hints),
        )
        firehose.put_record(DeliveryStreamName="beats", Record={"Data": b"buffered\n"})
    with Lakehose(home=home, clock=clock, background=False) as lake:
        for region, shards in ((EU, 1), (US, 2)):
            summary = lake.client("kinesis", region_name=region).describe_stream_summary(
                StreamName="beats"
            )["StreamDescriptionSummary"]
            assert summary["StreamARN"] == f"arn:aws:kinesis:{region}:{ACCOUNT}:stream/beats"
            assert summary["OpenShardCount"] == shards
        theirs = lake.client("dynamodb", region_name=EU, aws_access_key_id=OTHER)
        assert theirs.scan(TableName="beats")["Items"] == [{"id": {"S": "kept"}}]
        assert "beats" not in lake.client("dynamodb", region_name=EU).list_tables()["TableNames"]
        # The eu-west-1 Firehose was resumed at start, so its buffer is delivered by flush().
        lake.flush()
        s3 = lake.client("s3")
        assert list(objects(s3, "beats-eu").values()) == [b"buffered\n"]
        assert s3.get_bucket_location(Bucket="beats-eu")["LocationConstraint"] == EU
