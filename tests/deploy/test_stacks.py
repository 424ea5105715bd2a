"""Two stacks: parameters, mappings, conditions and outputs, exports imported by another stack."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.deploy import Deployer
from lakehose.deploy.errors import ParameterError, StackConflict
from tests.deploy.conftest import Clients, deploy_dict


def producer(name: str) -> dict[str, Any]:
    return {
        "Parameters": {
            "Env": {"Type": "String", "AllowedValues": ["dev", "prod"], "Default": "dev"},
            "Suffix": {"Type": "String", "AllowedPattern": "[a-z]+"},
        },
        "Mappings": {"Shards": {"dev": {"Count": 1}, "prod": {"Count": 2}}},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
        "Resources": {
            "Stream": {
                "Type": "AWS::Kinesis::Stream",
                "Properties": {
                    "Name": {"Fn::Sub": f"{name}-${{Env}}-${{Suffix}}"},
                    "ShardCount": {"Fn::FindInMap": ["Shards", {"Ref": "Env"}, "Count"]},
                    "RetentionPeriodHours": {"Fn::If": ["IsProd", 48, {"Ref": "AWS::NoValue"}]},
                },
            },
            "ProdOnly": {
                "Type": "AWS::S3::Bucket",
                "Condition": "IsProd",
                "Properties": {"BucketName": f"{name}-prod-only"},
            },
        },
        "Outputs": {
            "StreamArn": {
                "Value": {"Fn::GetAtt": ["Stream", "Arn"]},
                "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-stream-arn"}},
            },
            "StreamName": {"Value": {"Ref": "Stream"}, "Export": {"Name": f"{name}-stream-name"}},
            "DevNote": {"Condition": "IsDev", "Value": "development", "Description": "dev only"},
        },
    }


def consumer(name: str, producer_stack: str) -> dict[str, Any]:
    return {
        "Resources": {
            "Table": {
                "Type": "AWS::DynamoDB::Table",
                "Properties": {
                    "TableName": f"{name}-consumer",
                    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                    "BillingMode": "PAY_PER_REQUEST",
                    "KinesisStreamSpecification": {
                        "StreamArn": {"Fn::ImportValue": f"{producer_stack}-stream-arn"}
                    },
                },
            }
        },
        "Outputs": {"Imported": {"Value": {"Fn::ImportValue": f"{name}-stream-name"}}},
    }


def test_conditions_mappings_parameters_and_exports_across_stacks(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    first, second = f"{name}-a", f"{name}-b"
    with pytest.raises(ParameterError, match="Suffix"):
        deploy_dict(deployer, first, producer(name))
    a = deploy_dict(deployer, first, producer(name), parameters={"Suffix": "one"})
    stream = f"{name}-dev-one"
    assert set(a.resources) == {"Stream"}  # ProdOnly's condition is false
    assert {o.key: o.value for o in a.outputs} == {
        "StreamArn": f"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}",
        "StreamName": stream,
        "DevNote": "development",
    }
    assert a.exports == {
        f"{first}-stream-arn": f"arn:aws:kinesis:us-east-1:000000000000:stream/{stream}",
        f"{name}-stream-name": stream,
    }

    b = deploy_dict(deployer, second, consumer(name, first))
    assert {o.key: o.value for o in b.outputs} == {"Imported": stream}
    assert sorted(b.imports) == sorted(a.exports)
    destinations = clients("dynamodb").describe_kinesis_streaming_destination(
        TableName=f"{name}-consumer"
    )["KinesisDataStreamDestinations"]
    assert [d["StreamArn"] for d in destinations] == [a.exports[f"{first}-stream-arn"]]

    # An export in use can be neither deleted nor changed.
    with pytest.raises(StackConflict, match=f"in use by {second}"):
        deployer.destroy(first)
    with pytest.raises(StackConflict, match=f"Cannot update export {first}-stream-arn"):
        deploy_dict(deployer, first, producer(name), parameters={"Suffix": "two"})
    summary = clients("kinesis").describe_stream_summary(StreamName=stream)
    assert summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE"  # rolled back

    # Another stack may not export the same name.
    duplicate = {
        "Resources": {"S": {"Type": "AWS::Kinesis::Stream"}},
        "Outputs": {"X": {"Value": "x", "Export": {"Name": f"{name}-stream-name"}}},
    }
    with pytest.raises(StackConflict, match=f"already exported by stack {first}"):
        deploy_dict(deployer, f"{name}-c", duplicate)
    assert f"{name}-c" not in [s.name for s in deployer.stacks()]

    # Switching the condition on creates the conditional resource and drops the dev output.
    deployer.destroy(second)
    prod = deploy_dict(deployer, first, producer(name), parameters={"Env": "prod"})
    assert set(prod.resources) == {"Stream", "ProdOnly"}
    assert "DevNote" not in {o.key for o in prod.outputs}
    assert prod.parameters == {"Env": "prod", "Suffix": "one"}  # Suffix: the previous value
    prod_stream = clients("kinesis").describe_stream_summary(StreamName=f"{name}-prod-one")
    assert prod_stream["StreamDescriptionSummary"]["RetentionPeriodHours"] == 48
    deployer.destroy(first)
    assert not {first, second} & {s.name for s in deployer.stacks()}
