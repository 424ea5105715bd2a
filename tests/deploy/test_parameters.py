"""Parameters (types, constraints, previous values, SSM) and Rules, CDK's included."""

from __future__ import annotations

from typing import Any

import pytest

from lakehose.deploy.errors import ParameterError, RuleFailed, TemplateError
from lakehose.deploy.intrinsics import Evaluator
from lakehose.deploy.parameters import BOOTSTRAP_VERSION, check_rules, resolve_parameters
from lakehose.deploy.template import template_from_dict

BUCKET = {"B": {"Type": "AWS::S3::Bucket"}}

# What every CDK stack synthesizes (aws-cdk-lib 2.x, default synthesizer).
CDK_BOOTSTRAP = {
    "Parameters": {
        "BootstrapVersion": {
            "Type": "AWS::SSM::Parameter::Value<String>",
            "Default": "/cdk-bootstrap/hnb659fds/version",
            "Description": "Version of the CDK Bootstrap resources in this environment, "
            "automatically retrieved from SSM Parameter Store. [cdk:skip]",
        }
    },
    "Rules": {
        "CheckBootstrapVersion": {
            "Assertions": [
                {
                    "Assert": {
                        "Fn::Not": [
                            {
                                "Fn::Contains": [
                                    ["1", "2", "3", "4", "5"],
                                    {"Ref": "BootstrapVersion"},
                                ]
                            }
                        ]
                    },
                    "AssertDescription": "CDK bootstrap stack version 6 required. Please run "
                    "'cdk bootstrap' with a recent version of the CDK CLI.",
                }
            ]
        }
    },
    "Resources": BUCKET,
}


def _resolve(parameters: dict[str, Any], given: dict[str, str], previous: Any = None) -> Any:
    template = template_from_dict({"Parameters": parameters, "Resources": BUCKET})
    return resolve_parameters(template, given, previous)


def _rules(body: dict[str, Any], given: dict[str, str] | None = None) -> None:
    template = template_from_dict(body)
    values, _ = resolve_parameters(template, given or {})
    check_rules(template, Evaluator(template, parameters=values, pseudo={}, region="us-east-1"))


def test_cdk_bootstrap_version_resolves_and_its_rule_passes() -> None:
    values, raw = resolve_parameters(template_from_dict(CDK_BOOTSTRAP), {})
    assert values == {"BootstrapVersion": BOOTSTRAP_VERSION}
    assert raw == {"BootstrapVersion": "/cdk-bootstrap/hnb659fds/version"}
    _rules(CDK_BOOTSTRAP)


def test_a_false_assertion_fails_with_its_description() -> None:
    body = {
        "Parameters": {"Env": {"Type": "String", "Default": "dev"}},
        "Rules": {
            "ProdOnly": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "Env"}, "dev"]},
                "Assertions": [
                    {
                        "Assert": {"Fn::Contains": [["prod"], {"Ref": "Env"}]},
                        "AssertDescription": "no dev",
                    }
                ],
            }
        },
        "Resources": BUCKET,
    }
    with pytest.raises(RuleFailed, match="no dev"):
        _rules(body)
    _rules(body, {"Env": "qa"})  # the rule's condition is false: not checked


def test_unknown_ssm_parameter_is_refused() -> None:
    with pytest.raises(ParameterError, match="/my/param"):
        _resolve({"P": {"Type": "AWS::SSM::Parameter::Value<String>"}}, {"P": "/my/param"})


@pytest.mark.parametrize(
    ("declaration", "given", "expected"),
    [
        ({"Type": "String", "Default": "d"}, {}, "d"),
        ({"Type": "String", "Default": "d"}, {"P": "given"}, "given"),
        ({"Type": "Number", "Default": 3}, {}, "3"),
        ({"Type": "CommaDelimitedList", "Default": "a, b,c"}, {}, ["a", "b", "c"]),
        ({"Type": "List<Number>"}, {"P": "1,2"}, ["1", "2"]),
        ({"Type": "AWS::EC2::KeyPair::KeyName"}, {"P": "key"}, "key"),
    ],
)
def test_types(declaration: dict[str, Any], given: dict[str, str], expected: Any) -> None:
    values, _ = _resolve({"P": declaration}, given)
    assert values["P"] == expected


def test_previous_values_are_reused_unless_given() -> None:
    declared = {"A": {"Type": "String", "Default": "default"}, "B": {"Type": "String"}}
    values, raw = _resolve(declared, {"B": "new"}, previous={"A": "old", "B": "old"})
    assert values == {"A": "old", "B": "new"}
    assert raw == values


@pytest.mark.parametrize(
    ("declaration", "given", "message"),
    [
        ({"Type": "String"}, {}, r"Parameters: \['P'\] must have values"),
        (
            {"Type": "String", "AllowedValues": ["a", "b"]},
            {"P": "c"},
            "must be one of AllowedValues",
        ),
        ({"Type": "String", "AllowedPattern": "[a-z]+"}, {"P": "A1"}, "must match pattern"),
        (
            {"Type": "String", "AllowedPattern": "[a-z]+", "ConstraintDescription": "lowercase!"},
            {"P": "A"},
            "lowercase!",
        ),
        ({"Type": "String", "MaxLength": 2}, {"P": "abc"}, "failed to satisfy constraint"),
        ({"Type": "Number"}, {"P": "ten"}, "must be a number"),
        ({"Type": "Number", "MinValue": 1, "MaxValue": 5}, {"P": "9"}, "between 1 and 5"),
    ],
)
def test_constraints(declaration: dict[str, Any], given: dict[str, str], message: str) -> None:
    with pytest.raises(ParameterError, match=message):
        _resolve({"P": declaration}, given)


def test_unknown_parameter_is_refused() -> None:
    with pytest.raises(ParameterError, match=r"\['Nope'\] do not exist in the template"):
        _resolve({}, {"Nope": "x"})


def test_unknown_type_is_refused() -> None:
    with pytest.raises(TemplateError, match="Unrecognized parameter type: Strin"):
        _resolve({"P": {"Type": "Strin"}}, {"P": "x"})
