"""Each outcome of the Lambda transformation contract, through real functions made with boto3:
the data object gets exactly the ``Ok`` records, the error output gets every failed record."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import AwsTarget
from tests.firehose.conftest import (
    STAMP,
    UUID,
    FunctionFactory,
    destination,
    error_lines,
    flush,
    lambda_processor,
    objects,
    raw,
)

# One function, a record's content choosing its fate.
BY_CONTENT = """
import base64

def handler(event, context):
    out = []
    for record in event["records"]:
        data = base64.b64decode(record["data"])
        rid = record["recordId"]
        if data == b"drop":
            out.append({"recordId": rid, "result": "Dropped"})
        elif data == b"fail":
            out.append({"recordId": rid, "result": "ProcessingFailed", "data": record["data"]})
        elif data == b"missing":
            continue
        elif data == b"twice":
            out += [{"recordId": rid, "result": "Ok", "data": record["data"]}] * 2
        elif data == b"null":
            out.append({"recordId": rid, "result": "Ok"})
        else:
            upper = base64.b64encode(data.upper() + b"\\n").decode()
            out.append({"recordId": rid, "result": "Ok", "data": upper})
    out.append({"recordId": "not-in-the-batch", "result": "Ok", "data": "eA=="})
    return {"records": out}
"""

RAISES = """
def handler(event, context):
    raise RuntimeError("boom")
"""

NOT_RECORDS = """
def handler(event, context):
    return "not the status model"
"""

SLEEPS = """
import time

def handler(event, context):
    time.sleep(5)
"""


def _stream(firehose: Any, name: str, bucket: str, function_arn: str, **parameters: str) -> None:
    firehose.create_delivery_stream(
        DeliveryStreamName=name,
        ExtendedS3DestinationConfiguration=destination(
            bucket,
            ErrorOutputPrefix="errors/",
            ProcessingConfiguration=lambda_processor(function_arn, **parameters),
        ),
    )


def test_each_record_outcome(
    aws: AwsTarget,
    firehose: Any,
    s3: Any,
    make_function: FunctionFactory,
    name: str,
    bucket: str,
) -> None:
    function_arn = make_function(BY_CONTENT)
    _stream(firehose, name, bucket, function_arn)
    datas = [b"a", b"drop", b"fail", b"missing", b"twice", b"null", b"b"]
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": d} for d in datas])
    flush(aws)
    data = {key: body for key, body in objects(s3, bucket).items() if not key.startswith("errors/")}
    assert list(data.values()) == [b"A\nB\n"]  # Dropped leaves no trace; unknown ids are ignored
    lines = {raw(line): line for line in error_lines(s3, bucket)}
    expected = {
        b"fail": ("Lambda.ProcessingFailedStatus", "ProcessingFailed status set for record"),
        b"missing": ("Lambda.MissingRecordId", "One or more record Ids were not returned."),
        b"twice": ("Lambda.DuplicatedRecordId", "Multiple records were returned"),
        b"null": ("Lambda.InvalidReturnFormat", "The data field cannot be null"),
    }
    assert set(lines) == set(expected)
    for original, (code, message) in expected.items():
        line = lines[original]
        assert line["errorCode"] == code and line["errorMessage"].startswith(message)
        assert line["attemptsMade"] == 1 and line["lambdaARN"] == function_arn
        assert line["attemptEndingTimestamp"] >= line["arrivalTimestamp"] > 0
        assert list(line) == [
            "rawData",
            "errorCode",
            "errorMessage",
            "attemptsMade",
            "arrivalTimestamp",
            "attemptEndingTimestamp",
            "lambdaARN",
        ]
    (error_key,) = objects(s3, bucket, "errors/")
    # An expressionless ErrorOutputPrefix is used as it is: no date, no type, no extension.
    assert re.fullmatch(rf"errors/{re.escape(name)}-1-{STAMP}-{UUID}", error_key)


@pytest.mark.parametrize(
    ("source", "parameters", "code", "attempts"),
    [
        (RAISES, {"NumberOfRetries": "1"}, "Lambda.FunctionError", 2),
        (NOT_RECORDS, {}, "Lambda.JsonProcessingException", 1),
        (SLEEPS, {"NumberOfRetries": "0"}, "Lambda.FunctionTimedOut", 1),
        (None, {"NumberOfRetries": "0"}, "Lambda.ResourceNotFound", 1),
    ],
    ids=["function-error", "json-processing", "timed-out", "no-such-function"],
)
def test_whole_batch_failures(
    aws: AwsTarget,
    firehose: Any,
    s3: Any,
    make_function: FunctionFactory,
    name: str,
    bucket: str,
    source: str | None,
    parameters: dict[str, str],
    code: str,
    attempts: int,
) -> None:
    if source is None:
        function_arn = f"arn:aws:lambda:us-east-1:000000000000:function:{name}-none"
    else:
        function_arn = make_function(source, timeout=1)
    _stream(firehose, name, bucket, function_arn, **parameters)
    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"x"}, {"Data": b"y"}])
    flush(aws)
    assert not [key for key in objects(s3, bucket) if not key.startswith("errors/")]
    lines = error_lines(s3, bucket)
    assert sorted(raw(line) for line in lines) == [b"x", b"y"]
    assert {(line["errorCode"], line["attemptsMade"]) for line in lines} == {(code, attempts)}
