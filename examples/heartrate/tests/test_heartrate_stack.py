"""The CDK stack: the article's resources, names and settings, and the fixes README.md lists."""

from __future__ import annotations

from typing import Any


def _one(template: Any, kind: str) -> tuple[str, dict[str, Any]]:
    (item,) = template.find_resources(kind).items()
    return item  # type: ignore[no-any-return]


def _ref(template: Any, kind: str) -> dict[str, str]:
    return {"Ref": _one(template, kind)[0]}


def _arn(template: Any, kind: str) -> dict[str, list[str]]:
    return {"Fn::GetAtt": [_one(template, kind)[0], "Arn"]}


def test_resource_counts(template: Any) -> None:
    for kind, count in {
        "AWS::Kinesis::Stream": 1,
        "AWS::DynamoDB::Table": 1,
        "AWS::S3::Bucket": 1,
        "Custom::S3AutoDeleteObjects": 1,
        "AWS::KinesisFirehose::DeliveryStream": 1,
        # The transformation, and the provider behind Custom::S3AutoDeleteObjects.
        "AWS::Lambda::Function": 2,
        "AWS::Glue::Database": 1,
        "AWS::Glue::Table": 1,
        "AWS::Athena::WorkGroup": 1,
        "AWS::Athena::NamedQuery": 2,
        # No analytics resource: the committed assembly must not change with the CDK version.
        "AWS::CDK::Metadata": 0,
    }.items():
        template.resource_count_is(kind, count)


def test_stream_and_table_are_the_articles(template: Any) -> None:
    template.has_resource(
        "AWS::Kinesis::Stream",
        {
            "Properties": {"Name": "heartrate-kinesis", "ShardCount": 1},
            "DeletionPolicy": "Delete",
        },
    )
    template.has_resource(
        "AWS::DynamoDB::Table",
        {
            "Properties": {
                "TableName": "heartrate-ddb",
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "BillingMode": "PAY_PER_REQUEST",
                "KinesisStreamSpecification": {"StreamArn": _arn(template, "AWS::Kinesis::Stream")},
            },
            "DeletionPolicy": "Delete",
        },
    )


def test_bucket_is_destroyed_with_its_objects(template: Any) -> None:
    template.has_resource("AWS::S3::Bucket", {"DeletionPolicy": "Delete"})
    template.has_resource_properties(
        "Custom::S3AutoDeleteObjects", {"BucketName": _ref(template, "AWS::S3::Bucket")}
    )
    template.has_output("BucketName", {"Value": _ref(template, "AWS::S3::Bucket")})


def test_transformation_is_the_python_handler(template: Any) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Runtime": "python3.12", "Handler": "transform.handler", "Timeout": 60},
    )
    template.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 1})


def test_delivery_stream_reads_the_stream_and_writes_the_articles_layout(template: Any) -> None:
    transform = next(
        logical_id
        for logical_id, resource in template.find_resources("AWS::Lambda::Function").items()
        if resource["Properties"].get("Handler") == "transform.handler"
    )
    _, delivery = _one(template, "AWS::KinesisFirehose::DeliveryStream")
    properties = delivery["Properties"]
    assert properties["DeliveryStreamName"] == "heartrate-firehose"
    assert properties["DeliveryStreamType"] == "KinesisStreamAsSource"
    assert properties["KinesisStreamSourceConfiguration"]["KinesisStreamARN"] == _arn(
        template, "AWS::Kinesis::Stream"
    )
    s3 = properties["ExtendedS3DestinationConfiguration"]
    assert s3["BucketARN"] == _arn(template, "AWS::S3::Bucket")
    assert s3["BufferingHints"] == {"SizeInMBs": 1, "IntervalInSeconds": 60}
    assert s3["CompressionFormat"] == "GZIP"
    assert s3["Prefix"] == (
        "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
        "hour=!{timestamp:HH}/"
    )
    assert s3["ErrorOutputPrefix"] == "errors/"
    processing = s3["ProcessingConfiguration"]
    assert processing["Enabled"] is True
    (processor,) = processing["Processors"]
    assert processor["Type"] == "Lambda"
    parameters = {p["ParameterName"]: p["ParameterValue"] for p in processor["Parameters"]}
    assert parameters["LambdaArn"] == {"Fn::GetAtt": [transform, "Arn"]}
    # The role's grants must exist before Firehose starts reading the stream.
    policies = template.find_resources("AWS::IAM::Policy")
    granting = [
        logical_id
        for logical_id, policy in policies.items()
        if {"Ref": _role_of(template, s3["RoleARN"])} in policy["Properties"]["Roles"]
    ]
    assert granting
    assert set(granting) <= set(delivery["DependsOn"])


def _role_of(template: Any, role_arn: dict[str, list[str]]) -> str:
    logical_id = role_arn["Fn::GetAtt"][0]
    assert logical_id in template.find_resources("AWS::IAM::Role")
    return logical_id


def test_glue_table_reads_data_only_with_projected_partitions(template: Any) -> None:
    _, table = _one(template, "AWS::Glue::Table")
    properties = table["Properties"]
    assert properties["DatabaseName"] == _ref(template, "AWS::Glue::Database")
    table_input = properties["TableInput"]
    assert table_input["Name"] == "heartrate-glue-table"
    assert table_input["TableType"] == "EXTERNAL_TABLE"
    assert [k["Name"] for k in table_input["PartitionKeys"]] == ["year", "month", "day", "hour"]
    parameters = table_input["Parameters"]
    assert parameters["projection.enabled"] == "true"
    assert parameters["projection.year.type"] == "date"
    for key, low, high in (("month", 1, 12), ("day", 1, 31), ("hour", 0, 23)):
        assert parameters[f"projection.{key}.type"] == "integer"
        assert parameters[f"projection.{key}.range"] == f"{low},{high}"
        assert parameters[f"projection.{key}.digits"] == "2"
    assert parameters["storage.location.template"] == {
        "Fn::Sub": [
            "s3://${Bucket}/data/year=${!year}/month=${!month}/day=${!day}/hour=${!hour}/",
            {"Bucket": _ref(template, "AWS::S3::Bucket")},
        ]
    }
    storage = table_input["StorageDescriptor"]
    assert storage["Location"] == {
        "Fn::Join": ["", ["s3://", _ref(template, "AWS::S3::Bucket"), "/data/"]]
    }
    assert storage["SerdeInfo"] == {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}
    columns = {c["Name"]: c["Type"] for c in storage["Columns"]}
    assert list(columns) == [
        "awsRegion",
        "eventID",
        "eventName",
        "userIdentity",
        "recordFormat",
        "tableName",
        "dynamodb",
        "eventSource",
    ]
    image = (
        "struct<id:struct<S:string>,HeartRate:struct<S:int>,SensorID:struct<S:int>,"
        "ReportTime:struct<S:string>>"
    )
    assert columns["dynamodb"] == (
        "struct<ApproximateCreationDateTime:bigint,Keys:struct<id:struct<S:string>>,"
        f"NewImage:{image},OldImage:{image},SizeBytes:bigint>"
    )


def test_workgroup_writes_results_next_to_the_data(template: Any) -> None:
    template.has_resource_properties(
        "AWS::Athena::WorkGroup",
        {
            "Name": "heartrate-athena-workgroup",
            "WorkGroupConfiguration": {
                "ResultConfiguration": {
                    "OutputLocation": {
                        "Fn::Join": [
                            "",
                            ["s3://", _ref(template, "AWS::S3::Bucket"), "/athena-results/"],
                        ]
                    }
                }
            },
        },
    )


def test_named_queries(template: Any) -> None:
    queries = {
        q["Properties"]["Name"]: q["Properties"]
        for q in template.find_resources("AWS::Athena::NamedQuery").values()
    }
    assert set(queries) == {"high-heart-rate", "current-state"}
    for query in queries.values():
        assert query["Database"] == _ref(template, "AWS::Glue::Database")
        assert query["WorkGroup"] == _ref(template, "AWS::Athena::WorkGroup")
        assert 'FROM "heartrate-glue-table"' in query["QueryString"]
    assert "WHERE dynamodb.newimage.HeartRate.S > 120" in queries["high-heart-rate"]["QueryString"]
    current = queries["current-state"]["QueryString"]
    assert "row_number() OVER" in current
    assert "event_name <> 'REMOVE'" in current
