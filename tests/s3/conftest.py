"""Fixtures of the S3 suite: a boto3 client in both modes and buckets that clean up after.

Tests isolate themselves by bucket name (``bucket``) on the session's shared targets. Tests that
need a fresh state directory use ``lake``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget, cached_client

MiB = 1024 * 1024


@pytest.fixture
def s3(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "s3")


@pytest.fixture
def unchecked(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    """A client that sends what it is given, so that the service's own checks answer."""
    return cached_client(aws, client_cache, "s3", unchecked=True)


def empty_bucket(client: Any, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


BucketFactory = Callable[..., str]


@pytest.fixture
def make_bucket(s3: Any, name: str) -> Iterator[BucketFactory]:
    """Creates buckets named after the test; empties and deletes them afterwards."""
    created: list[str] = []

    def make(suffix: str = "") -> str:
        bucket = f"{name}{suffix}"[:63].rstrip("-")
        s3.create_bucket(Bucket=bucket)
        created.append(bucket)
        return bucket

    yield make
    for bucket in created:
        with contextlib.suppress(ClientError):
            empty_bucket(s3, bucket)
            s3.delete_bucket(Bucket=bucket)


@pytest.fixture
def bucket(make_bucket: BucketFactory) -> str:
    return make_bucket()


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def error_of(error: pytest.ExceptionInfo[ClientError]) -> dict[str, Any]:
    """The parsed error elements and the HTTP status."""
    details = dict(error.value.response["Error"])
    details["Status"] = error.value.response["ResponseMetadata"]["HTTPStatusCode"]
    return details


def fetch(client: Any, **arguments: Any) -> dict[str, Any]:
    """GetObject with the body read (an unread body would hold its connection open)."""
    response = dict(client.get_object(**arguments))
    response["Body"] = response["Body"].read()
    return response


def files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}
