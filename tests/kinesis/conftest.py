"""Fixtures of the Kinesis suite: a boto3 client in both modes and streams that clean up.

``aws`` is overridden here so that the in-process mode, like the server mode, uses one runtime for
the whole session: starting a runtime per test costs more than most Kinesis tests themselves, and
the tests already isolate themselves by stream name (``make_stream``), as the shared server needs.
Tests that need a fresh runtime or the manual clock use ``lake`` instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.conftest import AwsTarget, InProcess

StreamFactory = Callable[..., str]

# Errors are asserted, not retried: botocore would retry LimitExceededException and throttles.
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture(scope="session")
def shared_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    home = tmp_path_factory.mktemp("kinesis") / "home"
    with Lakehose(home=home, background=False) as runtime:
        yield InProcess(runtime)


@pytest.fixture(params=["inprocess", "server"])
def aws(request: pytest.FixtureRequest) -> AwsTarget:
    target: AwsTarget = request.getfixturevalue(
        "shared_runtime" if request.param == "inprocess" else "server"
    )
    return target


@pytest.fixture(scope="session")
def client_cache() -> dict[str, Any]:
    return {}


@pytest.fixture
def kinesis(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    """One client per mode for the session (building a boto3 client is not free either)."""
    if aws.mode not in client_cache:
        client_cache[aws.mode] = aws.client("kinesis", config=NO_RETRIES)
    return client_cache[aws.mode]


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
    key = f"{aws.mode}-unchecked"
    if key not in client_cache:
        config = NO_RETRIES.merge(Config(parameter_validation=False))
        client_cache[key] = aws.client("kinesis", config=config)
    return client_cache[key]
