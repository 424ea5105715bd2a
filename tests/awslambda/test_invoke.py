"""Invoke through boto3, in both modes: responses, errors, timeouts, logs, events, the context
object and environment, and handlers that call lakehose back through boto3."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.awslambda.conftest import (
    ACCOUNT,
    FunctionFactory,
    cached_client,
    endpoint_of,
    error_code,
    error_message,
    log_tail,
    process_gone,
    request_id_of,
    wait_for,
)
from tests.conftest import AwsTarget

RAISES = """
class BadThing(Exception):
    pass

def inner(kind):
    if kind == "custom":
        raise BadThing("custom failure")
    raise ValueError("boom")

def handler(event, context):
    inner(event.get("kind"))
"""

SLEEPS = """
import os, time

# Written at init, which the function's Timeout does not bound: the file exists even when a
# loaded machine is slow to start the invocation itself.
with open(os.environ["PID_FILE"], "w") as out:
    out.write(str(os.getpid()))

def handler(event, context):
    time.sleep(event["sleep"])
    return os.getpid()
"""

WRITES = """
import pathlib
def handler(event, context):
    pathlib.Path(event["path"] + ".tmp").write_text(context.aws_request_id)
    pathlib.Path(event["path"] + ".tmp").rename(event["path"])
"""

PRINTS = """
import logging, sys
def handler(event, context):
    print("line one")
    logging.getLogger().warning("warned")
    sys.stderr.write("to stderr\\n")
    print("x" * event.get("pad", 0))
    return "done"
"""

CONTEXT = """
import os
def handler(event, context):
    return {
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "custom": context.client_context.custom if context.client_context else None,
        "environment": dict(os.environ),
        "cwd": os.getcwd(),
    }
"""

CALLS_BACK = """
import os
import boto3

def handler(event, context):
    kinesis = boto3.client("kinesis")
    kinesis.create_stream(StreamName=event["stream"], ShardCount=1)
    s3 = boto3.client("s3")
    return {
        "streams": kinesis.list_streams()["StreamNames"],
        "buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]],
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
    }
"""

REPORT = re.compile(
    r"REPORT RequestId: (?P<id>[0-9a-f-]{36})\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\t(Init Duration: \d+\.\d\d ms\t)?"
)


def test_invoke_returns_the_handler_response(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    response = lam.invoke(FunctionName=function, Payload=b'{"a": [1, 2, {"b": null}]}')
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    assert "LogResult" not in response
    assert json.loads(response["Payload"].read()) == {"a": [1, 2, {"b": None}]}
    # An empty payload is the event {}; JSON scalars are events too.
    assert lam.invoke(FunctionName=function)["Payload"].read() == b"{}"
    assert lam.invoke(FunctionName=function, Payload=b'"text"')["Payload"].read() == b'"text"'


def test_a_raising_handler_reports_the_error_as_aws(
    lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function(RAISES)
    response = lam.invoke(FunctionName=function, LogType="Tail")
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    body = response["Payload"].read()
    # Key order and separators as AWS's Python runtime writes them.
    assert body.startswith(b'{"errorMessage": "boom", "errorType": "ValueError", "requestId": ')
    error = json.loads(body)
    assert error["requestId"] == request_id_of(response)
    frames = error["stackTrace"]
    assert len(frames) == 2
    assert re.fullmatch(r'  File ".+/app\.py", line 11, in handler\n    inner\(.+\)\n', frames[0])
    assert re.fullmatch(
        r'  File ".+/app\.py", line 8, in inner\n    raise ValueError\("boom"\)\n', frames[1]
    )
    log = log_tail(response)
    assert "[ERROR] ValueError: boom\nTraceback (most recent call last):\n" in log
    assert '\u00a0\u00a0File "' in log  # AWS indents report lines with no-break spaces
    custom = lam.invoke(FunctionName=function, Payload=b'{"kind": "custom"}')
    assert json.loads(custom["Payload"].read())["errorType"] == "BadThing"


def test_a_timed_out_invocation_kills_its_worker(
    lam: Any, make_function: FunctionFactory, tmp_path: Path
) -> None:
    pid_file = tmp_path / "pid"
    function = make_function(
        SLEEPS, Timeout=1, Environment={"Variables": {"PID_FILE": str(pid_file)}}
    )
    response = lam.invoke(FunctionName=function, Payload=b'{"sleep": 60}', LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    rid = request_id_of(response)
    assert response["Payload"].read() == (
        b'{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: '
        + rid.encode()
        + b' Error: Task timed out after 1.00 seconds"}'
    )
    log = log_tail(response)
    assert re.search(
        rf"\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z {rid} Task timed out after 1.00 seconds\n",
        log,
    )
    assert "\tStatus: timeout\t" in log
    killed = int(pid_file.read_text())
    wait_for(lambda: process_gone(killed), "the timed-out worker to be gone")
    quick = lam.invoke(FunctionName=function, Payload=b'{"sleep": 0}')
    assert "FunctionError" not in quick
    assert int(quick["Payload"].read()) != killed


def test_printed_output_is_in_the_log_tail(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(PRINTS)
    response = lam.invoke(FunctionName=function, LogType="Tail")
    rid = request_id_of(response)
    lines = log_tail(response).splitlines(keepends=True)
    start = lines.index(f"START RequestId: {rid} Version: $LATEST\n")
    assert lines[start + 1] == "line one\n"
    assert re.fullmatch(
        rf"\[WARNING\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{rid}\twarned\n",
        lines[start + 2],
    )
    assert lines[start + 3 : start + 6] == ["to stderr\n", "\n", f"END RequestId: {rid}\n"]
    report = REPORT.fullmatch(lines[start + 6].rstrip("\n"))
    assert report is not None and report.group("id") == rid


def test_the_log_tail_is_the_last_4_kb(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(PRINTS)
    response = lam.invoke(FunctionName=function, LogType="Tail", Payload=b'{"pad": 10000}')
    log = base64.b64decode(response["LogResult"])
    assert len(log) == 4096
    assert log.decode().startswith("x" * 100)
    assert REPORT.fullmatch(log.decode().splitlines()[-1])


def test_event_invocations_run_in_the_background(
    lam: Any, make_function: FunctionFactory, tmp_path: Path
) -> None:
    function = make_function(WRITES)
    done = tmp_path / "done"
    event = json.dumps({"path": str(done)})
    response = lam.invoke(FunctionName=function, InvocationType="Event", Payload=event)
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    wait_for(done.exists, "the event invocation to run")
    # The event's request id is the one Invoke answered with, as on AWS.
    assert done.read_text() == request_id_of(response)


def test_dry_run_checks_without_running(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    response = lam.invoke(FunctionName=function, InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=function, InvocationType="DryRun", Payload=b"{")
    assert error_code(error) == "InvalidRequestContentException"


def test_payloads_must_be_json_and_at_most_6_mb(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function()
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=function, Payload=b"not json")
    assert error_code(error) == "InvalidRequestContentException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert error_message(error).startswith(
        "Could not parse request body into json: Could not parse payload into json: "
    )
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=function, Payload=b'"' + b"x" * 6_291_456 + b'"')
    assert error_code(error) == "RequestTooLargeException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error_message(error) == (
        "Request must be smaller than 6291456 bytes for the InvokeFunction operation"
    )


def test_the_context_object_and_environment_are_aws_s(
    aws: AwsTarget, lam: Any, make_function: FunctionFactory
) -> None:
    function = make_function(
        CONTEXT, MemorySize=256, Timeout=30, Environment={"Variables": {"MY_SETTING": "on"}}
    )
    client_context = base64.b64encode(b'{"custom": {"tenant": "a"}}').decode()
    response = lam.invoke(FunctionName=function, ClientContext=client_context)
    seen = json.loads(response["Payload"].read())
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}"
    assert seen["aws_request_id"] == request_id_of(response)
    assert seen["function_name"] == function
    assert seen["function_version"] == "$LATEST"
    assert seen["invoked_function_arn"] == arn
    assert seen["memory_limit_in_mb"] == "256"
    assert seen["log_group_name"] == f"/aws/lambda/{function}"
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", seen["log_stream_name"])
    assert 0 < seen["remaining"] <= 30_000
    assert seen["custom"] == {"tenant": "a"}
    environment = seen["environment"]
    task_root = environment["LAMBDA_TASK_ROOT"]
    assert seen["cwd"] == task_root
    assert environment["PYTHONPATH"].split(":")[0] == task_root
    assert {key: environment[key] for key in EXPECTED_VARIABLES} == {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": function,
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function}",
        "AWS_LAMBDA_LOG_STREAM_NAME": seen["log_stream_name"],
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "_HANDLER": "app.handler",
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_ENDPOINT_URL": endpoint_of(aws),
        "MY_SETTING": "on",
    }
    by_arn = lam.invoke(FunctionName=f"{arn}:$LATEST")
    assert json.loads(by_arn["Payload"].read())["invoked_function_arn"] == f"{arn}:$LATEST"
    with pytest.raises(ClientError) as error:
        lam.invoke(FunctionName=function, ClientContext="not base64 json!")
    assert error_code(error) == "InvalidRequestContentException"


EXPECTED_VARIABLES = (
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_EXECUTION_ENV",
    "_HANDLER",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ENDPOINT_URL",
    "MY_SETTING",
)


def test_a_handler_calls_lakehose_through_boto3(
    aws: AwsTarget, lam: Any, make_function: FunctionFactory, name: str, client_cache: Any
) -> None:
    function = make_function(CALLS_BACK, Timeout=60)
    response = lam.invoke(FunctionName=function, Payload=json.dumps({"stream": name}))
    assert "FunctionError" not in response, response["Payload"].read()
    seen = json.loads(response["Payload"].read())
    assert seen["endpoint"] == endpoint_of(aws)
    assert name in seen["streams"]
    assert isinstance(seen["buckets"], list)
    kinesis = cached_client(aws, client_cache, "kinesis")
    described = kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]
    assert described["StreamName"] == name
    kinesis.delete_stream(StreamName=name)


@pytest.mark.parametrize(
    ("handler", "files", "error"),
    [
        (
            "missing.handler",
            {"app.py": ""},
            {
                "errorMessage": "Unable to import module 'missing': No module named 'missing'",
                "errorType": "Runtime.ImportModuleError",
                "requestId": "",
                "stackTrace": [],
            },
        ),
        (
            "app.absent",
            {"app.py": "x = 1\n"},
            {
                "errorMessage": "Handler 'absent' missing on module 'app'",
                "errorType": "Runtime.HandlerNotFound",
                "requestId": "",
                "stackTrace": [],
            },
        ),
        (
            "app",
            {"app.py": ""},
            {
                "errorMessage": "Bad handler 'app': not enough values to unpack "
                "(expected 2, got 1)",
                "errorType": "Runtime.MalformedHandlerName",
                "requestId": "",
                "stackTrace": [],
            },
        ),
    ],
    ids=["module", "function", "malformed"],
)
def test_init_errors_are_reported_as_aws_runtime_errors(
    lam: Any, make_function: FunctionFactory, handler: str, files: dict[str, str], error: Any
) -> None:
    function = make_function(handler=handler, files=files)
    response = lam.invoke(FunctionName=function, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert json.loads(response["Payload"].read()) == error
    log = log_tail(response)
    assert f"[ERROR] {error['errorType']}: {error['errorMessage']}" in log
    assert f"\tStatus: error\tError Type: {error['errorType']}\t" in log


def test_responses_must_serialize_and_fit(lam: Any, make_function: FunctionFactory) -> None:
    function = make_function(
        "def handler(event, context):\n    return {1, 2} if event.get('set') else 'x' * 7_000_000\n"
    )
    unserializable = lam.invoke(FunctionName=function, Payload=b'{"set": true}')
    assert unserializable["FunctionError"] == "Unhandled"
    error = json.loads(unserializable["Payload"].read())
    assert error["errorType"] == "Runtime.MarshalError"
    assert error["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )
    oversized = lam.invoke(FunctionName=function)
    assert oversized["FunctionError"] == "Unhandled"
    assert json.loads(oversized["Payload"].read()) == {
        "errorMessage": "Response payload size exceeded maximum allowed payload size "
        "(6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
