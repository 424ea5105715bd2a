"""Published versions and aliases: PublishVersion, ListVersionsByFunction, the alias operations,
qualified ARNs and ``Qualifier`` on GetFunction(Configuration), Invoke and DeleteFunction."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awslambda.conftest import (
    ACCOUNT,
    REGION,
    FunctionFactory,
    error_code,
    error_message,
    log_tail,
    zip_of,
)

SAYS = """
import os
def handler(event, context):
    return {{
        "says": "{word}",
        "version": context.function_version,
        "variable": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "invoked": context.invoked_function_arn,
        "stream": context.log_stream_name,
    }}
"""


def arn(function: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"
    return f"{base}:{qualifier}" if qualifier else base


def says(word: str) -> dict[str, bytes]:
    return {"ZipFile": zip_of({"app.py": SAYS.format(word=word)})}


def call(lam: Any, function: str, qualifier: str | None = None) -> tuple[dict[str, Any], str]:
    extra = {"Qualifier": qualifier} if qualifier else {}
    response = lam.invoke(FunctionName=function, **extra)
    assert "FunctionError" not in response
    return json.loads(response["Payload"].read()), response["ExecutedVersion"]


def test_publishing_freezes_code_and_configuration(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function(Code=says("one"), Description="first")
    published = lam.publish_version(FunctionName=function)
    assert published["Version"] == "1"
    assert published["FunctionArn"] == arn(function, "1")
    assert published["Description"] == "first"
    assert published["State"] == "Active"
    # Nothing changed: the same version again, not a new one.
    assert lam.publish_version(FunctionName=function)["Version"] == "1"

    lam.update_function_code(FunctionName=function, **says("two"))
    lam.update_function_configuration(FunctionName=function, Description="second")
    latest_sha = lam.get_function_configuration(FunctionName=function)["CodeSha256"]
    second = lam.publish_version(FunctionName=function, Description="v2", CodeSha256=latest_sha)
    assert (second["Version"], second["Description"]) == ("2", "v2")

    one = lam.get_function_configuration(FunctionName=function, Qualifier="1")
    assert (one["Version"], one["FunctionArn"], one["Description"]) == (
        "1",
        arn(function, "1"),
        "first",
    )
    assert one["CodeSha256"] == published["CodeSha256"] != latest_sha
    assert lam.get_function(FunctionName=arn(function, "2"))["Configuration"]["Version"] == "2"

    listed = lam.list_versions_by_function(FunctionName=function)["Versions"]
    assert [(v["Version"], v["FunctionArn"]) for v in listed] == [
        ("$LATEST", arn(function, "$LATEST")),
        ("1", arn(function, "1")),
        ("2", arn(function, "2")),
    ]
    first_page = lam.list_versions_by_function(FunctionName=function, MaxItems=2)
    assert [v["Version"] for v in first_page["Versions"]] == ["$LATEST", "1"]
    rest = lam.list_versions_by_function(FunctionName=function, Marker=first_page["NextMarker"])
    assert [v["Version"] for v in rest["Versions"]] == ["2"]
    assert "NextMarker" not in rest

    result, executed = call(lam, function, "1")
    assert (result["says"], result["version"], result["variable"], executed) == (
        "one",
        "1",
        "1",
        "1",
    )
    assert result["invoked"] == arn(function, "1")
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[1\][0-9a-f]{32}", result["stream"])
    assert call(lam, function)[0]["says"] == "two"
    tail = log_tail(lam.invoke(FunctionName=function, Qualifier="2", LogType="Tail"))
    assert re.search(r"^START RequestId: \S+ Version: 2$", tail, re.MULTILINE)

    every = lam.list_functions(FunctionVersion="ALL")["Functions"]
    ours = [f["FunctionArn"] for f in every if f["FunctionName"] == function]
    assert ours == [arn(function), arn(function, "1"), arn(function, "2")]


def test_publish_on_create_and_code_update(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(Code=says("one"), Publish=True)
    assert lam.get_function_configuration(FunctionName=function, Qualifier="1")["Version"] == "1"
    updated = lam.update_function_code(FunctionName=function, Publish=True, **says("two"))
    assert updated["Version"] == "2"
    assert call(lam, function, "2")[0]["says"] == "two"


def test_versions_are_numbered_once_and_deleted_alone(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function(Code=says("one"))
    lam.publish_version(FunctionName=function)
    lam.update_function_code(FunctionName=function, **says("two"))
    lam.publish_version(FunctionName=function)
    lam.delete_function(FunctionName=function, Qualifier="2")
    with pytest.raises(ClientError) as error:
        lam.get_function(FunctionName=function, Qualifier="2")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Function not found: {arn(function, '2')}"
    lam.update_function_code(FunctionName=function, **says("three"))
    assert lam.publish_version(FunctionName=function)["Version"] == "3"
    assert call(lam, function, "1")[0]["says"] == "one"
    assert call(lam, function, "3")[0]["says"] == "three"


def test_aliases_route_invocations(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(Code=says("one"))
    lam.publish_version(FunctionName=function)
    lam.update_function_code(FunctionName=function, **says("two"))
    lam.publish_version(FunctionName=function)

    created = lam.create_alias(
        FunctionName=function, Name="live", FunctionVersion="1", Description="prod"
    )
    created.pop("ResponseMetadata")
    revision = created.pop("RevisionId")
    assert created == {
        "AliasArn": arn(function, "live"),
        "Name": "live",
        "FunctionVersion": "1",
        "Description": "prod",
    }
    got = lam.get_alias(FunctionName=function, Name="live")
    assert (got["RevisionId"], got["FunctionVersion"]) == (revision, "1")
    result, executed = call(lam, arn(function, "live"))
    assert (result["says"], executed, result["invoked"]) == ("one", "1", arn(function, "live"))
    configuration = lam.get_function_configuration(FunctionName=function, Qualifier="live")
    assert (configuration["FunctionArn"], configuration["Version"]) == (arn(function, "live"), "1")

    # All of the traffic shifted to version 2 by weight, then none of it.
    shifted = lam.update_alias(
        FunctionName=function,
        Name="live",
        RoutingConfig={"AdditionalVersionWeights": {"2": 1.0}},
        RevisionId=revision,
    )
    assert shifted["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 1.0}}
    assert shifted["RevisionId"] != revision
    assert call(lam, function, "live")[0]["says"] == "two"
    lam.update_alias(
        FunctionName=function, Name="live", RoutingConfig={"AdditionalVersionWeights": {"2": 0.0}}
    )
    assert call(lam, function, "live")[1] == "1"

    with pytest.raises(ClientError) as error:
        lam.update_alias(FunctionName=function, Name="live", RevisionId=revision)
    assert error_code(error) == "PreconditionFailedException"
    with pytest.raises(ClientError) as error:
        lam.delete_function(FunctionName=function, Qualifier="2")
    assert error_code(error) == "ResourceConflictException"

    lam.create_alias(FunctionName=function, Name="edge", FunctionVersion="$LATEST")
    listed = lam.list_aliases(FunctionName=function)["Aliases"]
    assert [(a["Name"], a["FunctionVersion"]) for a in listed] == [
        ("edge", "$LATEST"),
        ("live", "1"),
    ]
    only = lam.list_aliases(FunctionName=function, FunctionVersion="$LATEST")["Aliases"]
    assert [a["Name"] for a in only] == ["edge"]
    result, executed = call(lam, function, "edge")
    assert (result["says"], executed, result["invoked"]) == (
        "two",
        "$LATEST",
        arn(function, "edge"),
    )

    lam.delete_alias(FunctionName=function, Name="edge")
    with pytest.raises(ClientError) as error:
        lam.get_alias(FunctionName=function, Name="edge")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Cannot find alias arn: {arn(function, 'edge')}"
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=function, Qualifier="edge")
    assert error_code(error) == "ResourceNotFoundException"


def test_alias_errors(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(Code=says("one"))
    lam.publish_version(FunctionName=function)
    lam.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    with pytest.raises(ClientError) as error:
        lam.create_alias(FunctionName=function, Name="live", FunctionVersion="1")
    assert error_code(error) == "ResourceConflictException"
    assert error_message(error) == f"Alias already exists: {arn(function, 'live')}"
    with pytest.raises(ClientError) as error:
        lam.create_alias(FunctionName=function, Name="later", FunctionVersion="7")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Function not found: {arn(function, '7')}"
    with pytest.raises(ClientError) as error:
        lam.create_alias(
            FunctionName=function,
            Name="split",
            FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}},
        )
    assert error_code(error) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        lam.publish_version(FunctionName=function, CodeSha256="c2hh")
    assert error_code(error) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=function, Qualifier="9")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Function not found: {arn(function, '9')}"
