"""Deploying templates through boto3, in-process and against ``lakehose up``.

Every test names its stack and resources after the ``name`` fixture: the server is shared.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose.deploy import Deployer, StackState
from lakehose.deploy.errors import ResourceFailed, StackNotFound, UnsupportedResourceType
from tests.deploy.conftest import Clients, Recorder, Target, deploy_dict

HANDLER = "import json\n\ndef handler(event, context):\n    return {'echo': event}\n"


def pipeline(name: str) -> dict[str, Any]:
    """The article's shape, hand-written: table -> stream, bucket, catalog, workgroup, function."""
    return {
        "Parameters": {"Shards": {"Type": "Number", "Default": "1"}},
        "Resources": {
            "Stream": {
                "Type": "AWS::Kinesis::Stream",
                "Properties": {"Name": f"{name}-stream", "ShardCount": {"Ref": "Shards"}},
            },
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": f"{name}-table",
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "KinesisStreamSpecification": {"StreamArn": {"Fn::GetAtt": ["Stream", "Arn"]}},
                },
            },
            "Bucket": {
                "Type": "AWS::S3::Bucket",
                "Properties": {"Tags": [{"Key": "aws-cdk:auto-delete-objects", "Value": "true"}]},
            },
            "AutoDelete": {
                "Type": "Custom::S3AutoDeleteObjects",
                "DependsOn": "BucketPolicy",
                "Properties": {
                    "ServiceToken": "arn:aws:lambda:us-east-1:000000000000:function:provider",
                    "BucketName": {"Ref": "Bucket"},
                },
            },
            "Delivery": {
                "Type": "AWS::KinesisFirehose::DeliveryStream",
                "Properties": {
                    "DeliveryStreamType": "KinesisStreamAsSource",
                    "KinesisStreamSourceConfiguration": {
                        "KinesisStreamARN": {"Fn::GetAtt": ["Stream", "Arn"]},
                        "RoleARN": {"Fn::GetAtt": ["Role", "Arn"]},
                    },
                    "ExtendedS3DestinationConfiguration": {
                        "BucketARN": {"Fn::GetAtt": ["Bucket", "Arn"]},
                        "RoleARN": {"Fn::GetAtt": ["Role", "Arn"]},
                        "BufferingHints": {"IntervalInSeconds": 60, "SizeInMBs": 1},
                        "Prefix": "data/",
                        "ErrorOutputPrefix": "errors/",
                    },
                },
            },
            "BucketPolicy": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Bucket"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": {"AWS": {"Fn::GetAtt": ["Role", "Arn"]}},
                                "Action": "s3:GetObject",
                                "Resource": {"Fn::Sub": "${Bucket.Arn}/*"},
                            }
                        ],
                    },
                },
            },
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {}}},
            "Logs": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 1}},
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": {"Fn::GetAtt": ["Role", "Arn"]},
                    "Code": {"ZipFile": HANDLER},
                    "Environment": {"Variables": {"TABLE": {"Ref": "Table"}}},
                },
            },
            "Permission": {
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "FunctionName": {"Fn::GetAtt": ["Function", "Arn"]},
                    "Principal": "firehose.amazonaws.com",
                },
            },
            "Database": {
                "Type": "AWS::Glue::Database",
                "Properties": {
                    "CatalogId": {"Ref": "AWS::AccountId"},
                    "DatabaseInput": {"Name": name.replace("-", "_")},
                },
            },
            "GlueTable": {
                "Type": "AWS::Glue::Table",
                "Properties": {
                    "CatalogId": {"Ref": "AWS::AccountId"},
                    "DatabaseName": {"Ref": "Database"},
                    "TableInput": {
                        "Name": "readings",
                        "TableType": "EXTERNAL_TABLE",
                        "StorageDescriptor": {
                            "Columns": [{"Name": "id", "Type": "string"}],
                            "Location": {"Fn::Sub": "s3://${Bucket}/data/"},
                            "SerdeInfo": {
                                "SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"
                            },
                        },
                    },
                },
            },
            "WorkGroup": {
                "Type": "AWS::Athena::WorkGroup",
                "Properties": {
                    "Name": f"{name}-wg",
                    "WorkGroupConfiguration": {
                        "ResultConfiguration": {"OutputLocation": {"Fn::Sub": "s3://${Bucket}/out"}}
                    },
                },
            },
            "Query": {
                "Type": "AWS::Athena::NamedQuery",
                "DependsOn": "WorkGroup",
                "Properties": {
                    "Name": "all readings",
                    "Database": {"Ref": "Database"},
                    "WorkGroup": {"Ref": "WorkGroup"},
                    "QueryString": {"Fn::Sub": "SELECT * FROM ${GlueTable}"},
                },
            },
        },
        "Outputs": {
            "BucketName": {"Value": {"Ref": "Bucket"}},
            "Delivery": {"Value": {"Ref": "Delivery"}},
            "FunctionArn": {"Value": {"Fn::GetAtt": ["Function", "Arn"]}},
            "QueryId": {"Value": {"Ref": "Query"}},
            "LogGroup": {"Value": {"Ref": "Logs"}},
        },
    }


def outputs(state: StackState) -> dict[str, str]:
    return {o.key: o.value for o in state.outputs}


def gone(call: Any, code: str, **kwargs: Any) -> bool:
    try:
        call(**kwargs)
    except ClientError as error:
        return bool(error.response["Error"]["Code"] == code)
    return False


def delivered(clients: Clients, bucket: str) -> list[dict[str, Any]]:
    """The change records Firehose wrote under ``data/``, in order."""
    s3 = clients("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="data/").get("Contents", [])]
    body = b"".join(s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys)
    # Firehose concatenates records without a delimiter (no transform adds one here).
    text, records, decoder = body.decode(), [], json.JSONDecoder()
    while text:
        record, end = decoder.raw_decode(text)
        records.append(record)
        text = text[end:]
    return records


def test_pipeline_deploys_works_and_destroys(
    target: Target, clients: Clients, deployer: Deployer, name: str
) -> None:
    state = deploy_dict(deployer, name, pipeline(name))
    assert state.status == "CREATE_COMPLETE"
    out = outputs(state)
    bucket = out["BucketName"]
    # CloudFormation's generated bucket name: <stack>-<logical id>-<random>, lowercase, <= 63.
    assert re.fullmatch(r"test-pipeline[a-z0-9-]*-bucket-[a-z0-9]{12}", bucket)
    assert len(bucket) <= 63

    # The table streams its changes to the stream the template connected it to.
    clients("dynamodb").put_item(TableName=f"{name}-table", Item={"id": {"S": "a"}})
    clients("dynamodb").put_item(TableName=f"{name}-table", Item={"id": {"S": "b"}})
    kinesis = clients("kinesis")
    shard = kinesis.list_shards(StreamName=f"{name}-stream")["Shards"][0]["ShardId"]
    iterator = kinesis.get_shard_iterator(
        StreamName=f"{name}-stream", ShardId=shard, ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = kinesis.get_records(ShardIterator=iterator)["Records"]
    assert [json.loads(r["Data"])["dynamodb"]["Keys"]["id"]["S"] for r in records] == ["a", "b"]
    # ... and the delivery stream the template connected to it delivers them to the bucket.
    target.flush()
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in delivered(clients, bucket)] == ["a", "b"]

    awslambda = clients("lambda")
    answer = awslambda.invoke(FunctionName=out["FunctionArn"], Payload=b'{"x": 1}')
    assert json.loads(answer["Payload"].read()) == {"echo": {"x": 1}}
    configuration = awslambda.get_function_configuration(FunctionName=out["FunctionArn"])
    assert configuration["Environment"]["Variables"] == {"TABLE": f"{name}-table"}
    assert (
        "firehose.amazonaws.com" in awslambda.get_policy(FunctionName=out["FunctionArn"])["Policy"]
    )

    query = clients("athena").get_named_query(NamedQueryId=out["QueryId"])["NamedQuery"]
    assert query["QueryString"] == "SELECT * FROM readings"
    assert query["WorkGroup"] == f"{name}-wg"
    location = clients("glue").get_table(DatabaseName=name.replace("-", "_"), Name="readings")
    assert location["Table"]["StorageDescriptor"]["Location"] == f"s3://{bucket}/data/"
    assert json.loads(clients("s3").get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]

    recorded = {e.logical_id: e for e in state.resources.values() if not e.enforced}
    assert set(recorded) == {"Role"}
    logs = clients("logs").describe_log_groups(logGroupNamePrefix=out["LogGroup"])["logGroups"]
    assert [(g["logGroupName"], g["retentionInDays"]) for g in logs] == [(out["LogGroup"], 1)]
    assert state.resources["Role"].attributes["Arn"].startswith("arn:aws:iam::000000000000:role/")

    deployer.destroy(name)
    assert name not in [s.name for s in deployer.stacks()]
    assert gone(
        clients("kinesis").describe_stream_summary,
        "ResourceNotFoundException",
        StreamName=f"{name}-stream",
    )
    assert gone(
        clients("dynamodb").describe_table, "ResourceNotFoundException", TableName=f"{name}-table"
    )
    assert gone(clients("s3").head_bucket, "404", Bucket=bucket)
    assert gone(
        awslambda.get_function, "ResourceNotFoundException", FunctionName=out["FunctionArn"]
    )
    assert (
        clients("logs").describe_log_groups(logGroupNamePrefix=out["LogGroup"])["logGroups"] == []
    )
    assert gone(
        clients("glue").get_database, "EntityNotFoundException", Name=name.replace("-", "_")
    )

    # The same names can be deployed again once destroyed.
    again = deploy_dict(deployer, name, pipeline(name))
    assert again.status == "CREATE_COMPLETE"
    assert again.stack_id != state.stack_id
    deployer.destroy(name)


def test_update_in_place_keeps_items_and_records(
    target: Target, clients: Clients, deployer: Deployer, recorder: Recorder, name: str
) -> None:
    body = pipeline(name)
    first = deploy_dict(deployer, name, body)
    delivery = outputs(first)["Delivery"]
    version = clients("firehose").describe_delivery_stream(DeliveryStreamName=delivery)[
        "DeliveryStreamDescription"
    ]["VersionId"]
    dynamodb, kinesis = clients("dynamodb"), clients("kinesis")
    dynamodb.put_item(TableName=f"{name}-table", Item={"id": {"S": "kept"}})
    kinesis.put_record(StreamName=f"{name}-stream", Data=b'{"also": "kept"}', PartitionKey="p")
    recorder.clear()

    table = body["Resources"]["Table"]["Properties"]
    table["TimeToLiveSpecification"] = {"AttributeName": "expires", "Enabled": True}
    body["Resources"]["Function"]["Properties"]["Timeout"] = 9
    destination = body["Resources"]["Delivery"]["Properties"]["ExtendedS3DestinationConfiguration"]
    destination["BufferingHints"]["IntervalInSeconds"] = 120
    state = deploy_dict(deployer, name, body, parameters={"Shards": "2"})

    assert state.status == "UPDATE_COMPLETE"
    for logical_id in ("Stream", "Table", "Function", "Delivery"):
        assert recorder.statuses(logical_id) == ["UPDATE_IN_PROGRESS", "UPDATE_COMPLETE"]
    assert recorder.statuses("Bucket") == ["UNCHANGED"]
    assert dynamodb.get_item(TableName=f"{name}-table", Key={"id": {"S": "kept"}})["Item"]
    ttl = dynamodb.describe_time_to_live(TableName=f"{name}-table")["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expires"
    summary = kinesis.describe_stream_summary(StreamName=f"{name}-stream")
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == 2
    shards = kinesis.list_shards(StreamName=f"{name}-stream")["Shards"]
    data = []
    for shard in shards:
        iterator = kinesis.get_shard_iterator(
            StreamName=f"{name}-stream", ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        data += [r["Data"] for r in kinesis.get_records(ShardIterator=iterator)["Records"]]
    assert b'{"also": "kept"}' in data
    # The delivery stream was updated, not replaced: same stream, next version, and what it had
    # read (or had yet to read) is delivered once.
    description = clients("firehose").describe_delivery_stream(DeliveryStreamName=delivery)
    assert int(description["DeliveryStreamDescription"]["VersionId"]) == int(version) + 1
    target.flush()
    records = delivered(clients, outputs(state)["BucketName"])
    assert [r["dynamodb"]["Keys"]["id"]["S"] for r in records if "dynamodb" in r] == ["kept"]
    assert [r for r in records if "dynamodb" not in r] == [{"also": "kept"}]
    function = clients("lambda").get_function_configuration(
        FunctionName=outputs(state)["FunctionArn"]
    )
    assert function["Timeout"] == 9

    # The same template and parameters again: nothing changes.
    recorder.clear()
    same = deploy_dict(deployer, name, body)
    assert same.status == "UPDATE_COMPLETE"
    assert same.reason == "No updates are to be performed."
    assert {e.status for e in recorder.events} == {"UNCHANGED"}
    deployer.destroy(name)


def test_unsupported_type_fails_before_anything_is_created(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    body = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}},
            "Queue": {"Type": "AWS::SQS::Queue"},
        }
    }
    with pytest.raises(UnsupportedResourceType, match="AWS::SQS::Queue"):
        deploy_dict(deployer, name, body)
    assert name not in [s.name for s in deployer.stacks()]
    assert name not in [b["Name"] for b in clients("s3").list_buckets()["Buckets"]]


def test_unsupported_property_fails_before_anything_is_created(
    deployer: Deployer, name: str
) -> None:
    body = {
        "Resources": {
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": name}},
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"LifecycleConfiguration": {}}},
        }
    }
    with pytest.raises(Exception, match="unsupported properties \\['LifecycleConfiguration'\\]"):
        deploy_dict(deployer, name, body)
    assert name not in [s.name for s in deployer.stacks()]


def failing(name: str) -> dict[str, Any]:
    """A Glue table in a database that does not exist: fails after the others are created."""
    return {
        "Type": "AWS::Glue::Table",
        "DependsOn": ["Stream"],
        "Properties": {
            "CatalogId": {"Ref": "AWS::AccountId"},
            "DatabaseName": f"{name.replace('-', '_')}_missing",
            "TableInput": {"Name": "t"},
        },
    }


def test_failure_midway_rolls_back_a_new_stack(
    clients: Clients, deployer: Deployer, recorder: Recorder, name: str
) -> None:
    body = {
        "Resources": {
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": f"{name}-s"}},
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Broken": failing(name),
        }
    }
    with pytest.raises(ResourceFailed, match=r"Broken .*EntityNotFoundException"):
        deploy_dict(deployer, name, body)
    # As in CloudFormation, the rollback deletes the failed resource first (nothing of it
    # exists here), then what was created before it.
    assert recorder.statuses("Broken") == [
        "CREATE_IN_PROGRESS", "CREATE_FAILED", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"
    ]  # fmt: skip
    assert recorder.statuses("Stream")[-1] == "DELETE_COMPLETE"
    assert recorder.statuses("Bucket")[-1] == "DELETE_COMPLETE"
    bucket = recorder.events_of("Bucket")[-1].physical_id
    assert gone(clients("s3").head_bucket, "404", Bucket=bucket)
    assert gone(
        clients("kinesis").describe_stream_summary,
        "ResourceNotFoundException",
        StreamName=f"{name}-s",
    )
    assert name not in [s.name for s in deployer.stacks()]


def test_a_create_that_fails_part_way_leaves_nothing(
    clients: Clients, deployer: Deployer, recorder: Recorder, name: str
) -> None:
    # CreateBucket succeeds, then PutBucketTagging refuses the reserved prefix.
    tags = [{"Key": "aws:reserved", "Value": "x"}]
    body = {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"Tags": tags}}}}
    with pytest.raises(ResourceFailed, match="InvalidTag: System tags cannot be added"):
        deploy_dict(deployer, name, body)
    (created, failed, deleting, deleted) = recorder.events_of("Bucket")
    assert [created.status, failed.status, deleting.status, deleted.status] == [
        "CREATE_IN_PROGRESS", "CREATE_FAILED", "DELETE_IN_PROGRESS", "DELETE_COMPLETE"
    ]  # fmt: skip
    # The name was chosen before the create, so what it made is found and deleted.
    assert created.physical_id.startswith(name.lower()[:30])
    assert gone(clients("s3").head_bucket, "404", Bucket=created.physical_id)
    assert name not in [s.name for s in deployer.stacks()]


def test_failed_update_rolls_back_to_the_previous_properties(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    stream = {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": f"{name}-s", "ShardCount": 1}}
    deploy_dict(deployer, name, {"Resources": {"Stream": stream}})
    bigger = {**stream, "Properties": {**stream["Properties"], "ShardCount": 3}}
    with pytest.raises(ResourceFailed):
        deploy_dict(deployer, name, {"Resources": {"Stream": bigger, "Broken": failing(name)}})
    summary = clients("kinesis").describe_stream_summary(StreamName=f"{name}-s")
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == 1
    (state,) = [s for s in deployer.stacks() if s.name == name]
    assert state.status == "UPDATE_ROLLBACK_COMPLETE"
    assert set(state.resources) == {"Stream"}
    assert state.resources["Stream"].properties["ShardCount"] == 1
    deployer.destroy(name)


def test_destroy_keeps_retained_resources(clients: Clients, deployer: Deployer, name: str) -> None:
    body = {
        "Resources": {
            "Kept": {
                "Type": "AWS::S3::Bucket",
                "DeletionPolicy": "Retain",
                "Properties": {"BucketName": f"{name}-kept"},
            },
            "Deleted": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"{name}-deleted"}},
        }
    }
    deploy_dict(deployer, name, body)
    deployer.destroy(name)
    s3 = clients("s3")
    s3.head_bucket(Bucket=f"{name}-kept")
    assert gone(s3.head_bucket, "404", Bucket=f"{name}-deleted")
    with pytest.raises(StackNotFound):
        deployer.destroy(name)
    s3.delete_bucket(Bucket=f"{name}-kept")


def test_non_empty_bucket_fails_destroy_and_keeps_the_stack(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    body = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": name}},
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": name}},
        }
    }
    deploy_dict(deployer, name, body)
    clients("s3").put_object(Bucket=name, Key="k", Body=b"data")
    with pytest.raises(Exception, match="Bucket"):
        deployer.destroy(name)
    (state,) = [s for s in deployer.stacks() if s.name == name]
    assert state.status == "DELETE_FAILED"
    assert set(state.resources) == {"Bucket"}
    assert state.resources["Bucket"].status == "DELETE_FAILED"
    clients("s3").delete_object(Bucket=name, Key="k")
    deployer.destroy(name)
    assert name not in [s.name for s in deployer.stacks()]


def test_removed_resources_are_deleted_unless_retained(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    kept = {
        "Type": "AWS::S3::Bucket",
        "DeletionPolicy": "Retain",
        "Properties": {"BucketName": f"{name}-kept"},
    }
    dropped = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"{name}-dropped"}}
    stay = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"{name}-stay"}}
    deploy_dict(deployer, name, {"Resources": {"Kept": kept, "Dropped": dropped, "Stay": stay}})
    state = deploy_dict(deployer, name, {"Resources": {"Stay": stay}})
    assert set(state.resources) == {"Stay"}
    s3 = clients("s3")
    s3.head_bucket(Bucket=f"{name}-kept")
    assert gone(s3.head_bucket, "404", Bucket=f"{name}-dropped")
    deployer.destroy(name)
    s3.delete_bucket(Bucket=f"{name}-kept")


def table(key: str, **extra: Any) -> dict[str, Any]:
    return {
        "Type": "AWS::DynamoDB::Table",
        **extra,
        "Properties": {
            "KeySchema": [{"AttributeName": key, "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key, "AttributeType": "S"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    }


@pytest.mark.parametrize("policy", ["Delete", "Retain"])
def test_replacement_creates_new_then_deletes_old_per_policy(
    clients: Clients, deployer: Deployer, name: str, policy: str
) -> None:
    first = deploy_dict(
        deployer, name, {"Resources": {"T": table("id", UpdateReplacePolicy=policy)}}
    )
    old = first.resources["T"].physical_id
    second = deploy_dict(
        deployer, name, {"Resources": {"T": table("pk", UpdateReplacePolicy=policy)}}
    )
    new = second.resources["T"].physical_id
    assert new != old
    dynamodb = clients("dynamodb")
    schema = dynamodb.describe_table(TableName=new)["Table"]["KeySchema"]
    assert schema == [{"AttributeName": "pk", "KeyType": "HASH"}]
    if policy == "Retain":
        dynamodb.describe_table(TableName=old)
        dynamodb.delete_table(TableName=old)
    else:
        assert gone(dynamodb.describe_table, "ResourceNotFoundException", TableName=old)
    deployer.destroy(name)


def test_custom_named_resource_cannot_be_replaced(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    named = table("id")
    named["Properties"]["TableName"] = name
    deploy_dict(deployer, name, {"Resources": {"T": named}})
    clients("dynamodb").put_item(TableName=name, Item={"id": {"S": "x"}})
    renamed_key = table("pk")
    renamed_key["Properties"]["TableName"] = name
    with pytest.raises(ResourceFailed, match=f"Rename {name} and update the stack again"):
        deploy_dict(deployer, name, {"Resources": {"T": renamed_key}})
    assert clients("dynamodb").get_item(TableName=name, Key={"id": {"S": "x"}})["Item"]
    deployer.destroy(name)


def test_a_template_that_lifts_block_public_access_may_attach_a_public_policy(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    open_to_all = {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": False,
        "RestrictPublicBuckets": False,
    }
    body = {
        "Resources": {
            "Site": {
                "Type": "AWS::S3::Bucket",
                "Properties": {
                    "BucketName": f"{name}-site",
                    "PublicAccessBlockConfiguration": open_to_all,
                },
            },
            "Public": {
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "Site"},
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Principal": "*",
                                "Action": "s3:GetObject",
                                "Resource": {"Fn::Sub": "${Site.Arn}/*"},
                            }
                        ],
                    },
                },
            },
        }
    }
    deploy_dict(deployer, name, body)
    s3 = clients("s3")
    block = s3.get_public_access_block(Bucket=f"{name}-site")["PublicAccessBlockConfiguration"]
    assert block == open_to_all
    assert s3.get_bucket_policy_status(Bucket=f"{name}-site")["PolicyStatus"]["IsPublic"] is True
    deployer.destroy(name)
    assert gone(s3.head_bucket, "404", Bucket=f"{name}-site")
