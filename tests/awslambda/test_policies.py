"""Resource policies, tags and reserved concurrency through boto3, in both modes."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awslambda.conftest import ACCOUNT, FunctionFactory, error_code, error_message


def function_arn(function: str) -> str:
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}"


def test_add_permission_returns_the_statement_as_aws_writes_it(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function()
    response = lam.add_permission(
        FunctionName=function,
        StatementId="s3-invoke",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        SourceArn="arn:aws:s3:::my-bucket",
        SourceAccount="123456789012",
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert json.loads(response["Statement"]) == {
        "Sid": "s3-invoke",
        "Effect": "Allow",
        "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": function_arn(function),
        "Condition": {
            "StringEquals": {"AWS:SourceAccount": "123456789012"},
            "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::my-bucket"},
        },
    }


def test_get_policy_returns_every_statement_and_the_revision(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function()
    lam.add_permission(
        FunctionName=function, StatementId="a", Action="lambda:InvokeFunction", Principal="*"
    )
    lam.add_permission(
        FunctionName=function_arn(function),
        StatementId="b",
        Action="lambda:GetFunction",
        Principal=ACCOUNT,
    )
    policy = lam.get_policy(FunctionName=function)
    assert json.loads(policy["Policy"]) == {
        "Version": "2012-10-17",
        "Id": "default",
        "Statement": [
            {
                "Sid": "a",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "lambda:InvokeFunction",
                "Resource": function_arn(function),
            },
            {
                "Sid": "b",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "lambda:GetFunction",
                "Resource": function_arn(function),
            },
        ],
    }
    configuration = lam.get_function_configuration(FunctionName=function)
    assert policy["RevisionId"] == configuration["RevisionId"]


def test_permission_errors(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    with pytest.raises(ClientError) as error:
        lam.get_policy(FunctionName=function)
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == "The resource you requested does not exist."
    with pytest.raises(ClientError) as error:
        lam.remove_permission(FunctionName=function, StatementId="nope")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == "No policy is associated with the given resource."
    grant = {"Action": "lambda:InvokeFunction", "Principal": "events.amazonaws.com"}
    lam.add_permission(FunctionName=function, StatementId="rule", **grant)
    with pytest.raises(ClientError) as error:
        lam.add_permission(FunctionName=function, StatementId="rule", **grant)
    assert error_code(error) == "ResourceConflictException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error_message(error) == (
        "The statement id (rule) provided already exists. Please provide a new statement id, "
        "or remove the existing statement."
    )
    with pytest.raises(ClientError) as error:
        lam.remove_permission(FunctionName=function, StatementId="other")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == "Statement other is not found in resource policy."
    with pytest.raises(ClientError) as error:
        lam.add_permission(
            FunctionName=function, StatementId="x", Action="lambda:*", Principal="me"
        )
    assert error_code(error) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        lam.add_permission(
            FunctionName=function, StatementId="y", RevisionId="stale-revision", **grant
        )
    assert error_code(error) == "PreconditionFailedException"


def test_removing_the_last_statement_removes_the_policy(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function()
    lam.add_permission(
        FunctionName=function, StatementId="only", Action="lambda:InvokeFunction", Principal="*"
    )
    response = lam.remove_permission(FunctionName=function, StatementId="only")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as error:
        lam.get_policy(FunctionName=function)
    assert error_code(error) == "ResourceNotFoundException"


def test_tags(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(Tags={"a": "1"})
    arn = function_arn(function)
    lam.tag_resource(Resource=arn, Tags={"b": "2", "a": "changed"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"a": "changed", "b": "2"}
    lam.untag_resource(Resource=arn, TagKeys=["a"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"b": "2"}
    assert lam.get_function(FunctionName=function)["Tags"] == {"b": "2"}


def test_reserved_concurrency_is_stored(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=function)
    lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=5)
    assert lam.get_function_concurrency(FunctionName=function)["ReservedConcurrentExecutions"] == 5
    assert lam.get_function(FunctionName=function)["Concurrency"] == {
        "ReservedConcurrentExecutions": 5
    }
    with pytest.raises(ClientError) as error:
        lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=901)
    assert error_code(error) == "InvalidParameterValueException"
    assert error_message(error) == (
        "Specified ReservedConcurrentExecutions for function decreases account's "
        "UnreservedConcurrentExecution below its minimum value of [100]."
    )
    response = lam.delete_function_concurrency(FunctionName=function)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert "Concurrency" not in lam.get_function(FunctionName=function)
