"""AWS::Lambda::Version, ::Alias and ::EventSourceMapping as aws-cdk-lib synthesizes them
(``lambda.Version`` retained, ``lambda.Alias`` on its ``Version`` attribute,
``KinesisEventSource``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose.deploy import Deployer
from tests.deploy.conftest import Clients, Target, deploy_dict

SOURCE = (
    "def handler(event, context):\n    return {'word': '%s', 'version': context.function_version}\n"
)


def template(name: str, word: str, weight: float | None = None) -> dict[str, Any]:
    alias: dict[str, Any] = {
        "FunctionName": {"Ref": "Function"},
        "FunctionVersion": {"Fn::GetAtt": ["Version", "Version"]},
        "Name": "live",
    }
    if weight is not None:
        alias["RoutingConfig"] = {
            "AdditionalVersionWeights": [{"FunctionVersion": "1", "FunctionWeight": weight}]
        }
    return {
        "Resources": {
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": f"{name}-fn",
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": "arn:aws:iam::000000000000:role/r",
                    "Code": {"ZipFile": SOURCE % word},
                },
            },
            "Version": {
                "Type": "AWS::Lambda::Version",
                "DeletionPolicy": "Retain",
                "UpdateReplacePolicy": "Retain",
                "Properties": {"FunctionName": {"Ref": "Function"}, "Description": word},
            },
            "Alias": {"Type": "AWS::Lambda::Alias", "Properties": alias},
        },
        "Outputs": {
            "VersionArn": {"Value": {"Ref": "Version"}},
            "AliasArn": {"Value": {"Ref": "Alias"}},
        },
    }


def test_versions_and_aliases_deploy_update_and_destroy(
    clients: Clients, deployer: Deployer, name: str
) -> None:
    state = deploy_dict(deployer, name, template(name, "one"))
    outputs = {output.key: output.value for output in state.outputs}
    function = f"arn:aws:lambda:us-east-1:000000000000:function:{name}-fn"
    assert outputs == {"VersionArn": f"{function}:1", "AliasArn": f"{function}:live"}
    awslambda = clients("lambda")

    def invoke_alias() -> Any:
        answer = awslambda.invoke(FunctionName=f"{function}:live")
        return json.loads(answer["Payload"].read())

    assert invoke_alias() == {"word": "one", "version": "1"}

    # New code: a new version is published, the old one retained, the alias moved.
    deploy_dict(deployer, name, template(name, "two", weight=0.0))
    assert invoke_alias() == {"word": "two", "version": "2"}
    alias = awslambda.get_alias(FunctionName=f"{name}-fn", Name="live")
    assert alias["FunctionVersion"] == "2"
    assert alias["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.0}}
    versions = awslambda.list_versions_by_function(FunctionName=f"{name}-fn")["Versions"]
    assert [v["Version"] for v in versions] == ["$LATEST", "1", "2"]

    # The retained versions go with their function, as on AWS.
    deployer.destroy(name)
    with pytest.raises(ClientError) as error:
        awslambda.get_function(FunctionName=f"{function}:1")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_an_event_source_mapping_deploys_and_delivers(
    target: Target, clients: Clients, deployer: Deployer, name: str, tmp_path: Path
) -> None:
    out = tmp_path / "events.jsonl"
    source = (
        "import json\n"
        "def handler(event, context):\n"
        f"    with open({str(out)!r}, 'a') as f:\n"
        "        f.write(json.dumps(event) + '\\n')\n"
    )
    body = {
        "Resources": {
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"ShardCount": 1}},
            "Function": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Role": "arn:aws:iam::000000000000:role/r",
                    "Code": {"ZipFile": source},
                },
            },
            # What aws-cdk-lib's KinesisEventSource synthesizes.
            "Mapping": {
                "Type": "AWS::Lambda::EventSourceMapping",
                "Properties": {
                    "FunctionName": {"Ref": "Function"},
                    "EventSourceArn": {"Fn::GetAtt": ["Stream", "Arn"]},
                    "StartingPosition": "TRIM_HORIZON",
                    "BatchSize": 100,
                },
            },
        },
        "Outputs": {"Mapping": {"Value": {"Ref": "Mapping"}}},
    }
    state = deploy_dict(deployer, name, body)
    uuid = next(output.value for output in state.outputs if output.key == "Mapping")
    awslambda = clients("lambda")
    mapping = awslambda.get_event_source_mapping(UUID=uuid)
    stream = state.resources["Stream"].physical_id
    clients("kinesis").put_record(StreamName=stream, PartitionKey="k", Data=b"beat")
    target.flush()
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["kinesis"]["data"] for e in events for r in e["Records"]] == ["YmVhdA=="]
    assert events[0]["Records"][0]["eventSourceARN"] == mapping["EventSourceArn"]

    body["Resources"]["Mapping"]["Properties"]["BatchSize"] = 10
    deploy_dict(deployer, name, body)
    assert awslambda.get_event_source_mapping(UUID=uuid)["BatchSize"] == 10
    deployer.destroy(name)
    with pytest.raises(ClientError) as error:
        awslambda.get_event_source_mapping(UUID=uuid)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
