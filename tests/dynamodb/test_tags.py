"""TagResource, UntagResource, ListTagsOfResource and CreateTable's Tags."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.dynamodb.conftest import TableFactory, error_of


def test_tags_round_trip(ddb: Any, make_table: TableFactory) -> None:
    table = make_table(Tags=[{"Key": "team", "Value": "data"}])
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "test"}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "data"},
        {"Key": "env", "Value": "test"},
    ]
    ddb.untag_resource(ResourceArn=arn, TagKeys=["team", "absent"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "test"}]


def test_tag_errors(ddb: Any, table: str) -> None:
    arn = ddb.describe_table(TableName=table)["Table"]["TableArn"]
    with pytest.raises(ClientError) as error:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "v"}])
    assert error_of(error) == (
        "ValidationException",
        "Tag Key cannot be prefixed with aws:, Key: aws:x",
    )
    with pytest.raises(ClientError) as error:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert (
        error_of(error)[1] == "Number of Tags exceed the current limit for the provided ResourceArn"
    )
    with pytest.raises(ClientError) as error:
        ddb.tag_resource(ResourceArn=arn, Tags=[])
    assert error_of(error)[1] == "Atleast one Tag needs to be provided as Input."
    missing = f"{arn}-missing"
    with pytest.raises(ClientError) as error:
        ddb.list_tags_of_resource(ResourceArn=missing)
    assert error_of(error) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {missing} not found",
    )
    with pytest.raises(ClientError) as error:
        ddb.list_tags_of_resource(ResourceArn=f"{arn}/index/x")
    assert error_of(error)[1] == (
        f"Invalid TableArn: Invalid ResourceArn provided as input {arn}/index/x"
    )
