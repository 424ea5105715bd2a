"""Fixtures of the Firehose suite: clients in both modes, buckets, configurations, objects.

Tests isolate themselves by resource name on the session's shared targets. Delivery is driven by
``flush(aws)``, which runs the runtime's ``flush()`` in-process and posts ``/_lakehose/flush`` to a
server; both return when the objects are written, so no test waits on time. Clock-driven tests use
``lake`` (manual clock) and the ``lake_*`` clients instead.
"""

from __future__ import annotations

import base64
import contextlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import orjson
import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.awslambda.conftest import zip_of
from tests.conftest import NO_RETRIES, AwsTarget, InProcess, ServerProcess, cached_client

ROLE = "arn:aws:iam::000000000000:role/firehose-role"
ARTICLE_PREFIX = (
    "data/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/hour=!{timestamp:HH}/"
)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
STAMP = r"\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}"

# The article's transform: every record back with "\n" appended (input keys echoed, as its
# handler spreads the input record).
APPEND_NEWLINE = """
import base64

def handler(event, context):
    out = []
    for record in event["records"]:
        data = base64.b64decode(record["data"]) + b"\\n"
        out.append({**record, "data": base64.b64encode(data).decode(), "result": "Ok"})
    return {"records": out}
"""


@pytest.fixture
def firehose(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "firehose")


@pytest.fixture
def s3(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "s3")


@pytest.fixture
def kinesis(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "kinesis")


@pytest.fixture
def lam(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "lambda")


@pytest.fixture
def glue(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "glue")


def flush(aws: AwsTarget) -> None:
    """Deliver everything buffered now (the runtime's ``flush()``, or the server's endpoint)."""
    if isinstance(aws, InProcess):
        aws.lake.flush()
        return
    assert isinstance(aws, ServerProcess)
    aws.flush()  # the signed admin endpoint


def bucket_name(name: str) -> str:
    """A valid bucket name from a test's resource name."""
    return re.sub(r"[^a-z0-9-]", "-", name.lower())[-60:].strip("-")


@pytest.fixture
def bucket(s3: Any, name: str) -> str:
    created = bucket_name(name)
    s3.create_bucket(Bucket=created)
    return created


def destination(bucket: str, **members: Any) -> dict[str, Any]:
    """An ExtendedS3DestinationConfiguration writing to ``bucket``, with ``members`` set."""
    return {"RoleARN": ROLE, "BucketARN": f"arn:aws:s3:::{bucket}", **members}


def lambda_processor(function_arn: str, **parameters: str) -> dict[str, Any]:
    values = {"LambdaArn": function_arn, **parameters}
    return {
        "Enabled": True,
        "Processors": [
            {
                "Type": "Lambda",
                "Parameters": [
                    {"ParameterName": key, "ParameterValue": value} for key, value in values.items()
                ],
            }
        ],
    }


def objects(s3: Any, bucket: str, prefix: str = "") -> dict[str, bytes]:
    """Every object under ``prefix``: key to body, as stored (not decompressed)."""
    found: dict[str, bytes] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
    return found


def error_lines(s3: Any, bucket: str, prefix: str = "errors/") -> list[dict[str, Any]]:
    """The error records under ``prefix``, parsed, in key order."""
    found = objects(s3, bucket, prefix)
    return [orjson.loads(line) for key in sorted(found) for line in found[key].splitlines()]


def raw(line: dict[str, Any]) -> bytes:
    return base64.b64decode(line["rawData"])


FunctionFactory = Callable[..., str]


@pytest.fixture
def make_function(lam: Any, name: str) -> Iterator[FunctionFactory]:
    """Creates Python functions from handler source; returns their ARN; deletes them after."""
    created: list[str] = []

    def make(source: str, *, suffix: str = "", timeout: int = 30) -> str:
        function = f"{name}{suffix}"[-64:]
        answer = lam.create_function(
            FunctionName=function,
            Runtime="python3.12",
            Role="arn:aws:iam::000000000000:role/lambda-role",
            Handler="app.handler",
            Code={"ZipFile": zip_of({"app.py": source})},
            Timeout=timeout,
        )
        created.append(function)
        return str(answer["FunctionArn"])

    yield make
    for function in created:
        with contextlib.suppress(ClientError):
            lam.delete_function(FunctionName=function)


def unzip(body: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (entry,) = archive.namelist()
        return archive.read(entry)


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def error_message(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Message"])


class LakeClients:
    """Clients of the manual-clock runtime ``lake``, made on first use (``lam`` is Lambda's)."""

    def __init__(self, lake: Lakehose) -> None:
        self.lake = lake
        self._clients: dict[str, Any] = {}

    def __getattr__(self, attribute: str) -> Any:
        service = "lambda" if attribute == "lam" else attribute
        if service not in self._clients:
            self._clients[service] = self.lake.client(service, config=NO_RETRIES)
        return self._clients[service]


@pytest.fixture
def clients(lake: Lakehose) -> LakeClients:
    return LakeClients(lake)
