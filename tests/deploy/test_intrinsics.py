"""Intrinsic, condition and rule functions, table-driven, including CDK's usual forms."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest

from lakehose.deploy.errors import TemplateError
from lakehose.deploy.intrinsics import Evaluator
from lakehose.deploy.template import template_from_dict

STREAM_ARN = "arn:aws:kinesis:us-east-1:000000000000:stream/my-stream"

TEMPLATE = template_from_dict(
    {
        "Parameters": {
            "Env": {"Type": "String"},
            "Zones": {"Type": "CommaDelimitedList"},
            "Count": {"Type": "Number"},
            "Attr": {"Type": "String"},
        },
        "Mappings": {"Sizes": {"dev": {"Shards": 1}, "prod": {"Shards": 4}}},
        "Conditions": {
            "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
            "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
            "DevAndThree": {
                "Fn::And": [{"Condition": "IsDev"}, {"Fn::Equals": [{"Ref": "Count"}, 3]}]
            },
            "ProdOrThree": {
                "Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["3", {"Ref": "Count"}]}]
            },
            "Loop1": {"Fn::Not": [{"Condition": "Loop2"}]},
            "Loop2": {"Fn::Not": [{"Condition": "Loop1"}]},
            "OnResource": {"Fn::Equals": [{"Ref": "Bucket"}, "x"]},
        },
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket"},
            "Stream": {"Type": "AWS::Kinesis::Stream"},
            "Db": {"Type": "AWS::RDS::DBInstance"},
        },
    }
)


class Scope:
    """Resource values as a deployer would answer them."""

    refs: ClassVar = {"Bucket": "my-bucket", "Stream": "my-stream", "Db": "my-db"}
    attributes: ClassVar = {("Stream", "Arn"): STREAM_ARN, ("Db", "Endpoint.Address"): "db.example"}

    def ref(self, logical_id: str) -> Any:
        return self.refs[logical_id]

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return self.attributes[(logical_id, attribute)]

    def import_value(self, name: str) -> Any:
        if name != "shared-bucket":
            raise TemplateError(f"No export named {name} found.")
        return "exported-bucket"


def evaluator(*, scope: bool = True) -> Evaluator:
    base = Evaluator(
        TEMPLATE,
        parameters={"Env": "dev", "Zones": ["a", "b"], "Count": "3", "Attr": "Arn"},
        pseudo={
            "AWS::AccountId": "000000000000",
            "AWS::Region": "us-east-1",
            "AWS::Partition": "aws",
            "AWS::StackName": "Stack",
            "AWS::StackId": "arn:aws:cloudformation:us-east-1:000000000000:stack/Stack/id",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        },
        region="us-east-1",
    )
    return base.with_resources(Scope()) if scope else base


NO_VALUE = {"Ref": "AWS::NoValue"}

CASES: list[tuple[str, Any, Any]] = [
    ("ref parameter", {"Ref": "Env"}, "dev"),
    ("ref list parameter", {"Ref": "Zones"}, ["a", "b"]),
    ("ref region", {"Ref": "AWS::Region"}, "us-east-1"),
    ("ref account", {"Ref": "AWS::AccountId"}, "000000000000"),
    ("ref stack name", {"Ref": "AWS::StackName"}, "Stack"),
    ("ref partition", {"Ref": "AWS::Partition"}, "aws"),
    ("ref url suffix", {"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
    ("ref notification arns", {"Ref": "AWS::NotificationARNs"}, []),
    ("ref resource", {"Ref": "Bucket"}, "my-bucket"),
    ("getatt list form", {"Fn::GetAtt": ["Stream", "Arn"]}, STREAM_ARN),
    ("getatt dotted form", {"Fn::GetAtt": "Stream.Arn"}, STREAM_ARN),
    ("getatt dotted attribute", {"Fn::GetAtt": "Db.Endpoint.Address"}, "db.example"),
    ("getatt attribute by ref", {"Fn::GetAtt": ["Stream", {"Ref": "Attr"}]}, STREAM_ARN),
    (
        "cdk join arn",
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "Bucket"}, "/*"]]},
        "arn:aws:s3:::my-bucket/*",
    ),
    ("join list parameter", {"Fn::Join": [",", {"Ref": "Zones"}]}, "a,b"),
    ("join scalars", {"Fn::Join": ["-", [True, 1, "x"]]}, "true-1-x"),
    (
        "sub string form",
        {"Fn::Sub": "s3://${Bucket}/${AWS::Region}/${Stream.Arn}"},
        f"s3://my-bucket/us-east-1/{STREAM_ARN}",
    ),
    (
        "cdk asset bucket sub",
        {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"},
        "cdk-hnb659fds-assets-000000000000-us-east-1",
    ),
    ("sub literal", {"Fn::Sub": "${!Literal}-${Env}"}, "${Literal}-dev"),
    (
        "sub list form",
        {"Fn::Sub": ["${Name}-${Env}-${Arn}", {"Name": {"Ref": "Bucket"}, "Arn": "x"}]},
        "my-bucket-dev-x",
    ),
    ("select", {"Fn::Select": [1, ["a", "b"]]}, "b"),
    ("select string index from azs", {"Fn::Select": ["0", {"Fn::GetAZs": ""}]}, "us-east-1a"),
    ("split", {"Fn::Split": [",", "a,b,c"]}, ["a", "b", "c"]),
    (
        "cdk select split of an arn",
        {"Fn::Select": [1, {"Fn::Split": ["/", {"Fn::GetAtt": ["Stream", "Arn"]}]}]},
        "my-stream",
    ),
    ("if false branch", {"Fn::If": ["IsProd", "big", "small"]}, "small"),
    ("if true branch", {"Fn::If": ["IsDev", "dev!", "prod!"]}, "dev!"),
    ("novalue removes member", {"A": 1, "B": {"Fn::If": ["IsProd", 2, NO_VALUE]}}, {"A": 1}),
    ("novalue removes element", [1, NO_VALUE, 2], [1, 2]),
    ("find in map", {"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Shards"]}, 1),
    ("getazs default region", {"Fn::GetAZs": ""}, ["us-east-1a", "us-east-1b", "us-east-1c"]),
    (
        "getazs named region",
        {"Fn::GetAZs": "eu-west-1"},
        ["eu-west-1a", "eu-west-1b", "eu-west-1c"],
    ),
    ("base64", {"Fn::Base64": {"Fn::Sub": "hi ${Env}"}}, "aGkgZGV2"),
    ("import value", {"Fn::ImportValue": "shared-bucket"}, "exported-bucket"),
    (
        "nested objects resolve",
        {"Outer": [{"Inner": {"Ref": "Env"}}]},
        {"Outer": [{"Inner": "dev"}]},
    ),
    ("plain values stay", {"N": 5, "B": False, "S": "s"}, {"N": 5, "B": False, "S": "s"}),
]


@pytest.mark.parametrize(("value", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_resolves(value: Any, expected: Any) -> None:
    assert evaluator().resolve(value) == expected


@pytest.mark.parametrize(
    ("condition", "expected"),
    [("IsProd", False), ("IsDev", True), ("DevAndThree", True), ("ProdOrThree", True)],
)
def test_conditions(condition: str, expected: bool) -> None:
    assert evaluator(scope=False).condition(condition) is expected


RULES = [
    ({"Fn::Contains": [["1", "2", "3"], {"Ref": "Count"}]}, True),
    ({"Fn::Not": [{"Fn::Contains": [["1", "2"], {"Ref": "Count"}]}]}, True),
    ({"Fn::EachMemberEquals": [{"Ref": "Zones"}, "a"]}, False),
    ({"Fn::EachMemberIn": [{"Ref": "Zones"}, ["a", "b", "c"]]}, True),
    ({"Fn::Equals": [{"Ref": "Count"}, 3]}, True),
]


@pytest.mark.parametrize(("rule", "expected"), RULES)
def test_rule_functions(rule: Any, expected: bool) -> None:
    assert evaluator(scope=False).truth(rule, "rule") is expected


ERRORS: list[tuple[str, Any, str]] = [
    ("unknown ref", {"Ref": "Nothing"}, "Unresolved resource dependencies \\[Nothing\\]"),
    ("unsupported function", {"Fn::Cidr": ["10.0.0.0/16", 2, 8]}, "unsupported function: Fn::Cidr"),
    ("getatt of undefined resource", {"Fn::GetAtt": ["Nope", "Arn"]}, "undefined resource Nope"),
    ("select out of range", {"Fn::Select": [5, ["a"]]}, "cannot select index 5"),
    ("missing mapping", {"Fn::FindInMap": ["Sizes", "qa", "Shards"]}, "Sizes::qa::Shards"),
    ("join of a non-list", {"Fn::Join": [",", "abc"]}, "takes \\[delimiter, list\\]"),
    ("sub of a list value", {"Fn::Sub": "${Zones}"}, "expects a string"),
    ("unknown export", {"Fn::ImportValue": {"Fn::Sub": "shared-${!x}"}}, "No export named shared-"),
    ("if on unknown condition", {"Fn::If": ["Nope", 1, 2]}, "unresolved condition dependency Nope"),
]


@pytest.mark.parametrize(("value", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors(value: Any, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        evaluator().resolve(value)


def test_condition_cycle_is_an_error() -> None:
    with pytest.raises(TemplateError, match="circular dependency between conditions"):
        evaluator(scope=False).condition("Loop1")


def test_conditions_cannot_refer_to_resources() -> None:
    with pytest.raises(TemplateError, match="Bucket is a resource"):
        evaluator(scope=False).condition("OnResource")
