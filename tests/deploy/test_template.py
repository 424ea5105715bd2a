"""Reading templates: JSON, YAML with CloudFormation's short tags, and malformed templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakehose.deploy.errors import TemplateError
from lakehose.deploy.template import load_template, parse_template

YAML = """\
AWSTemplateFormatVersion: 2010-09-09
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Parameters:
  Env: {Type: String, Default: dev}
Resources:
  Stream:
    Type: AWS::Kinesis::Stream
    Properties:
      Name: !Sub "${AWS::StackName}-stream"
      ShardCount: !If [IsProd, 4, 1]
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KinesisStreamSpecification:
        StreamArn: !GetAtt Stream.Arn
      Other: !GetAtt [Stream, Arn]
      Dotted: !GetAtt Db.Endpoint.Address
      Joined: !Join ["-", [!Ref Env, !Select [0, !GetAZs ""], !Base64 abc]]
      Parts: !Split [",", "a,b"]
      Found: !FindInMap [Map, !Ref "AWS::Region", Key]
      Imported: !ImportValue shared
      Both: !And [!Condition IsProd, !Or [!Condition NotProd, !Equals [a, b]]]
      Multi: !Sub
        - "${A}-${B}"
        - A: x
          B: !Ref Env
"""


def test_yaml_short_tags_become_long_form() -> None:
    template = parse_template(YAML)
    assert template.body["AWSTemplateFormatVersion"] == "2010-09-09"
    assert template.conditions == {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "NotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
    }
    stream = template.resources["Stream"]["Properties"]
    assert stream == {
        "Name": {"Fn::Sub": "${AWS::StackName}-stream"},
        "ShardCount": {"Fn::If": ["IsProd", 4, 1]},
    }
    table = template.resources["Table"]["Properties"]
    assert table["KinesisStreamSpecification"] == {"StreamArn": {"Fn::GetAtt": ["Stream", "Arn"]}}
    assert table["Other"] == {"Fn::GetAtt": ["Stream", "Arn"]}
    assert table["Dotted"] == {"Fn::GetAtt": ["Db", "Endpoint.Address"]}
    assert table["Joined"] == {
        "Fn::Join": [
            "-",
            [{"Ref": "Env"}, {"Fn::Select": [0, {"Fn::GetAZs": ""}]}, {"Fn::Base64": "abc"}],
        ]
    }
    assert table["Parts"] == {"Fn::Split": [",", "a,b"]}
    assert table["Found"] == {"Fn::FindInMap": ["Map", {"Ref": "AWS::Region"}, "Key"]}
    assert table["Imported"] == {"Fn::ImportValue": "shared"}
    assert table["Both"] == {
        "Fn::And": [
            {"Condition": "IsProd"},
            {"Fn::Or": [{"Condition": "NotProd"}, {"Fn::Equals": ["a", "b"]}]},
        ]
    }
    assert table["Multi"] == {"Fn::Sub": ["${A}-${B}", {"A": "x", "B": {"Ref": "Env"}}]}


def test_json_and_yaml_of_one_template_are_equal(tmp_path: Path) -> None:
    json_file = tmp_path / "t.json"
    json_file.write_text(
        '{"Resources": {"B": {"Type": "AWS::S3::Bucket", "Properties": '
        '{"BucketName": {"Fn::Sub": "${AWS::Region}-b"}}}}}'
    )
    yaml_file = tmp_path / "t.yaml"
    yaml_file.write_text(
        "Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n"
        "      BucketName: !Sub '${AWS::Region}-b'\n"
    )
    assert load_template(json_file).body == load_template(yaml_file).body
    assert load_template(json_file).digest != load_template(yaml_file).digest


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "a template is a JSON or YAML object"),
        ("{not json", "not valid JSON or YAML"),
        ("Resources: {}", "At least one Resources member"),
        ("Resources:\n  A: {Properties: {}}", "must contain a Type member"),
        ("Resource:\n  A: {Type: X}", "Invalid template property"),
        ("Transform: AWS::Serverless-2016-10-31\nResources:\n  A: {Type: X}", "Transform"),
    ],
)
def test_malformed_templates_are_refused(text: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        parse_template(text)


def test_unreadable_file_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read template"):
        load_template(tmp_path / "missing.yaml")
