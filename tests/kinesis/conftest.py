"""Fixtures of the Kinesis suite: a boto3 client in both modes and streams that clean up.

Tests isolate themselves by stream name (``make_stream``) on the session's shared targets. Tests
that need a fresh runtime or the manual clock use ``lake`` instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.conftest import NO_RETRIES, AwsTarget, cached_client

StreamFactory = Callable[..., str]

# Errors are asserted, not retried: botocore would retry LimitExceededException and throttles.


@pytest.fixture
def kinesis(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "kinesis")


def _stream_factory(client: Any, base: str) -> Iterator[StreamFactory]:
    created: list[str] = []

    def make(shards: int = 1, *, suffix: str = "", **arguments: Any) -> str:
        stream = f"{base}{suffix}"
        if "StreamModeDetails" not in arguments:
            arguments["ShardCount"] = shards
        client.create_stream(StreamName=stream, **arguments)
        created.append(stream)
        return stream

    yield make
    # The server is shared by the whole session: give its shard quota back.
    for stream in created:
        with contextlib.suppress(ClientError):
            client.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)


@pytest.fixture
def make_stream(kinesis: Any, name: str) -> Iterator[StreamFactory]:
    """Creates streams named after the test (``suffix`` tells several apart); deletes them after."""
    yield from _stream_factory(kinesis, name)


@pytest.fixture
def lake_kinesis(lake: Lakehose) -> Any:
    """A client of the in-process runtime with the manual clock."""
    return lake.client("kinesis", config=NO_RETRIES)


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def error_message(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Message"])


def read_shard(client: Any, stream: str, shard: str, kind: str = "TRIM_HORIZON") -> list[Any]:
    """Every record of a shard from ``kind`` to its current end."""
    iterator = client.get_shard_iterator(StreamName=stream, ShardId=shard, ShardIteratorType=kind)[
        "ShardIterator"
    ]
    records: list[Any] = []
    while iterator:
        page = client.get_records(ShardIterator=iterator)
        records.extend(page["Records"])
        if page["MillisBehindLatest"] == 0 and not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return records


@pytest.fixture
def unchecked(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    """A client that sends what it is given, so the service's own validation answers."""
    return cached_client(aws, client_cache, "kinesis", unchecked=True)
