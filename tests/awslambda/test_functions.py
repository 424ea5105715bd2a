"""Function life cycle through boto3, in both modes: create, read, list, update, delete, with
AWS's shapes and error codes."""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.request
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awslambda.conftest import (
    ACCOUNT,
    ECHO,
    ROLE,
    FunctionFactory,
    cached_client,
    error_code,
    error_message,
    zip_of,
)
from tests.conftest import AwsTarget

LAST_MODIFIED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def arn(function: str, qualifier: str | None = None) -> str:
    base = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}"
    return f"{base}:{qualifier}" if qualifier else base


def test_create_returns_the_configuration_aws_returns(lam: Any, name: str) -> None:
    code = zip_of({"app.py": ECHO})
    response = lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": code},
        Description="echo",
        Environment={"Variables": {"STAGE": "test"}},
    )
    try:
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 201
        configuration = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        assert LAST_MODIFIED.fullmatch(configuration.pop("LastModified"))
        assert UUID.fullmatch(configuration.pop("RevisionId"))
        assert configuration == {
            "FunctionName": name,
            "FunctionArn": arn(name),
            "Runtime": "python3.12",
            "Role": ROLE,
            "Handler": "app.handler",
            "CodeSize": len(code),
            "CodeSha256": base64.b64encode(hashlib.sha256(code).digest()).decode(),
            "Description": "echo",
            "Timeout": 3,
            "MemorySize": 128,
            "Version": "$LATEST",
            "Environment": {"Variables": {"STAGE": "test"}},
            "TracingConfig": {"Mode": "PassThrough"},
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "PackageType": "Zip",
            "Architectures": ["x86_64"],
            "EphemeralStorage": {"Size": 512},
            "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
            "LoggingConfig": {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{name}"},
        }
    finally:
        lam.delete_function(FunctionName=name)


def test_get_function_returns_configuration_code_and_tags(lam: Any, name: str) -> None:
    code = zip_of({"app.py": ECHO})
    lam.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": code},
        Tags={"team": "data"},
    )
    try:
        found = lam.get_function(FunctionName=name)
        assert found["Configuration"] == {
            k: v
            for k, v in lam.get_function_configuration(FunctionName=name).items()
            if k != "ResponseMetadata"
        }
        assert found["Code"]["RepositoryType"] == "S3"
        with urllib.request.urlopen(found["Code"]["Location"]) as package:
            assert package.read() == code
        assert found["Tags"] == {"team": "data"}
        assert "Concurrency" not in found
    finally:
        lam.delete_function(FunctionName=name)


def test_a_second_create_conflicts(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    with pytest.raises(ClientError) as error:
        make_function()
    assert error_code(error) == "ResourceConflictException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error_message(error) == f"Function already exist: {function}"


@pytest.mark.parametrize(
    "call",
    [
        lambda c, n: c.get_function(FunctionName=n),
        lambda c, n: c.get_function_configuration(FunctionName=n),
        lambda c, n: c.delete_function(FunctionName=n),
        lambda c, n: c.invoke(FunctionName=n),
        lambda c, n: c.update_function_configuration(FunctionName=n, Timeout=5),
        lambda c, n: c.update_function_code(FunctionName=n, ZipFile=zip_of({"a.py": ""})),
        lambda c, n: c.get_policy(FunctionName=n),
    ],
    ids=["get", "configuration", "delete", "invoke", "update-config", "update-code", "policy"],
)
def test_unknown_functions_are_not_found(lam: Any, name: str, call: Any) -> None:
    with pytest.raises(ClientError) as error:
        call(lam, name)
    assert error_code(error) == "ResourceNotFoundException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error_message(error) == f"Function not found: {arn(name)}"


def test_functions_are_addressed_by_name_partial_arn_and_arn(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function()
    for reference in (function, f"{ACCOUNT}:function:{function}", arn(function)):
        found = lam.get_function_configuration(FunctionName=reference)
        assert found["FunctionArn"] == arn(function)
    qualified = lam.get_function_configuration(FunctionName=arn(function, "$LATEST"))
    assert qualified["FunctionArn"] == arn(function, "$LATEST")
    by_parameter = lam.get_function(FunctionName=function, Qualifier="$LATEST")
    assert by_parameter["Configuration"]["FunctionArn"] == arn(function, "$LATEST")


def test_versions_and_aliases_other_than_latest_do_not_exist(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function()
    for call in (
        lambda: lam.get_function(FunctionName=function, Qualifier="1"),
        lambda: lam.invoke(FunctionName=f"{function}:live"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == f"Function not found: {arn(function, 'live')}"
    with pytest.raises(ClientError) as error:
        lam.get_function(FunctionName=f"{function}:$LATEST", Qualifier="1")
    assert error_code(error) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as error:
        lam.get_function(FunctionName=f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{function}")
    assert error_code(error) == "ResourceNotFoundException"
    assert error_message(error) == (
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"
    )


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (
            {"Code": {"ZipFile": b"not a zip"}},
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ),
        (
            # A sound central directory over a damaged local entry.
            {"Code": {"ZipFile": b"XXXX" + zip_of({"app.py": ECHO})[4:]}},
            "InvalidParameterValueException",
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        ),
        (
            {"Code": {}},
            "InvalidParameterValueException",
            "Please provide a source for function code.",
        ),
        (
            {"Runtime": "python2.7"},
            "InvalidParameterValueException",
            "The runtime parameter of python2.7 is no longer supported for creating or updating "
            "AWS Lambda functions. We recommend you use the new runtime (python3.14) while "
            "creating or updating functions.",
        ),
        ({"Runtime": "java21"}, "InvalidParameterValueException", None),
        (
            {"Environment": {"Variables": {"AWS_REGION": "eu-west-1"}}},
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            "for modification. Reserved keys used in this request: AWS_REGION",
        ),
        ({"Role": "not-a-role"}, "ValidationException", None),
        ({"Runtime": "cobol85"}, "ValidationException", None),
        ({"Timeout": 0}, "ValidationException", None),
        ({"TracingConfig": {"Mode": "Active"}}, "ValidationException", None),
    ],
    ids=[
        "bad-zip",
        "damaged-zip-entry",
        "no-code",
        "retired-runtime",
        "unsupported-runtime",
        "reserved-variable",
        "role-pattern",
        "unknown-runtime",
        "timeout-range",
        "unsupported-parameter",
    ],
)
def test_create_validates_as_aws(
    lam: Any, unchecked: Any, name: str, arguments: dict[str, Any], code: str, message: str | None
) -> None:
    request: dict[str, Any] = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "app.handler",
        "Code": {"ZipFile": zip_of({"app.py": ECHO})},
        **arguments,
    }
    with pytest.raises(ClientError) as error:
        unchecked.create_function(**request)
    assert error_code(error) == code
    if message is not None:
        assert error_message(error) == message
    with pytest.raises(ClientError) as missing:
        lam.get_function(FunctionName=name)
    assert error_code(missing) == "ResourceNotFoundException"


def test_handler_is_required_for_zip_packages(lam: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Code={"ZipFile": zip_of({})}
        )
    assert error_code(error) == "InvalidParameterValueException"
    assert error_message(error) == (
        "Runtime and Handler are mandatory parameters for functions created with deployment "
        "packages."
    )


def test_bare_names_are_limited_to_64_characters(lam: Any) -> None:
    long_name = "f" * 65
    with pytest.raises(ClientError) as error:
        lam.create_function(
            FunctionName=long_name,
            Runtime="python3.12",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": ECHO})},
        )
    assert error_code(error) == "InvalidParameterValueException"


def test_list_functions_pages_in_name_order(lam: Any, make_function: FunctionFactory) -> None:
    mine = sorted(make_function(suffix=f"-{i}") for i in range(3))
    seen: list[dict[str, Any]] = []
    marker: dict[str, str] = {}
    while True:
        page = lam.list_functions(MaxItems=2, **marker)
        assert len(page["Functions"]) <= 2
        seen.extend(page["Functions"])
        if "NextMarker" not in page:
            break
        marker = {"Marker": page["NextMarker"]}
    names = [f["FunctionName"] for f in seen]
    assert names == sorted(names)
    assert [n for n in names if n in mine] == mine
    listed = next(f for f in seen if f["FunctionName"] == mine[0])
    assert listed["FunctionArn"] == arn(mine[0])
    assert "State" not in listed  # listings leave out the state fields, as AWS's do
    paginated = [
        f["FunctionName"]
        for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1})
        for f in page["Functions"]
    ]
    assert [n for n in paginated if n in mine] == mine


def test_update_function_code_replaces_the_code_and_the_warm_worker(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function("def handler(event, context):\n    return 'one'\n")
    before = lam.get_function_configuration(FunctionName=function)
    assert lam.invoke(FunctionName=function)["Payload"].read() == b'"one"'
    code = zip_of({"app.py": "def handler(event, context):\n    return 'two'\n"})
    updated = lam.update_function_code(FunctionName=function, ZipFile=code)
    assert updated["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert updated["CodeSize"] == len(code)
    assert updated["RevisionId"] != before["RevisionId"]
    assert lam.invoke(FunctionName=function)["Payload"].read() == b'"two"'


def test_update_function_configuration_applies_to_the_next_invocation(
    lam: Any, make_function: FunctionFactory
) -> None:
    source = (
        "import os\n"
        "def handler(event, context):\n"
        "    return [os.environ.get('COLOR'), context.memory_limit_in_mb]\n"
        "def other(event, context):\n"
        "    return 'other'\n"
    )
    function = make_function(source)
    assert lam.invoke(FunctionName=function)["Payload"].read() == b'[null, "128"]'
    updated = lam.update_function_configuration(
        FunctionName=function,
        Environment={"Variables": {"COLOR": "blue"}},
        MemorySize=256,
        Timeout=10,
        Description="changed",
    )
    assert updated["Environment"] == {"Variables": {"COLOR": "blue"}}
    assert (updated["MemorySize"], updated["Timeout"], updated["Description"]) == (
        256,
        10,
        "changed",
    )
    assert lam.invoke(FunctionName=function)["Payload"].read() == b'["blue", "256"]'
    lam.update_function_configuration(FunctionName=function, Handler="app.other")
    assert lam.invoke(FunctionName=function)["Payload"].read() == b'"other"'


def test_a_stale_revision_id_is_refused(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    revision = lam.get_function_configuration(FunctionName=function)["RevisionId"]
    lam.update_function_configuration(FunctionName=function, Timeout=4, RevisionId=revision)
    with pytest.raises(ClientError) as error:
        lam.update_function_configuration(FunctionName=function, Timeout=5, RevisionId=revision)
    assert error_code(error) == "PreconditionFailedException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 412


def test_delete_function(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    with pytest.raises(ClientError) as error:
        lam.delete_function(FunctionName=function, Qualifier="$LATEST")
    assert error_code(error) == "InvalidParameterValueException"
    assert error_message(error) == (
        "$LATEST version cannot be deleted without deleting the function."
    )
    response = lam.delete_function(FunctionName=arn(function))
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as error:
        lam.get_function(FunctionName=function)
    assert error_code(error) == "ResourceNotFoundException"


def test_code_from_s3(
    aws: AwsTarget, lam: Any, make_function: FunctionFactory, name: str, client_cache: Any
) -> None:
    s3 = cached_client(aws, client_cache, "s3")
    s3.create_bucket(Bucket=name)
    code = zip_of({"app.py": "def handler(event, context):\n    return 's3'\n"})
    s3.put_object(Bucket=name, Key="code/app.zip", Body=code)
    function = make_function(Code={"S3Bucket": name, "S3Key": "code/app.zip"})
    configuration = lam.get_function_configuration(FunctionName=function)
    assert configuration["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert lam.invoke(FunctionName=function)["Payload"].read() == b'"s3"'
    for bucket, key, message in (
        (
            name,
            "missing.zip",
            "S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.",
        ),
        (
            f"{name}-missing",
            "a.zip",
            "S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
        ),
    ):
        with pytest.raises(ClientError) as error:
            lam.update_function_code(FunctionName=function, S3Bucket=bucket, S3Key=key)
        assert error_code(error) == "InvalidParameterValueException"
        assert error_message(error) == f"Error occurred while GetObject. {message}"
    s3.delete_object(Bucket=name, Key="code/app.zip")
    s3.delete_bucket(Bucket=name)
