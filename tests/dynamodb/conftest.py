"""Fixtures of the DynamoDB suite: clients in both modes, tables and streams that clean up.

Tests isolate themselves by table and stream name (the ``name`` fixture) on the session's shared
targets. Tests that need a fresh runtime or the manual clock use ``lake``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.conftest import NO_RETRIES, AwsTarget, cached_client

TableFactory = Callable[..., str]


@pytest.fixture
def ddb(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "dynamodb")


@pytest.fixture
def kinesis(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "kinesis")


def key_schema(
    hash_key: tuple[str, str], range_key: tuple[str, str] | None = None
) -> dict[str, Any]:
    """CreateTable's KeySchema and AttributeDefinitions for a hash and optional range key."""
    keys = [{"AttributeName": hash_key[0], "KeyType": "HASH"}]
    definitions = [{"AttributeName": hash_key[0], "AttributeType": hash_key[1]}]
    if range_key is not None:
        keys.append({"AttributeName": range_key[0], "KeyType": "RANGE"})
        definitions.append({"AttributeName": range_key[0], "AttributeType": range_key[1]})
    return {"KeySchema": keys, "AttributeDefinitions": definitions}


def table_factory(client: Any, base: str) -> Iterator[TableFactory]:
    created: list[str] = []

    def make(
        hash_key: tuple[str, str] = ("id", "S"),
        range_key: tuple[str, str] | None = None,
        *,
        suffix: str = "",
        **arguments: Any,
    ) -> str:
        table = f"{base}{suffix}"
        schema = key_schema(hash_key, range_key)
        extra = arguments.pop("AttributeDefinitions", [])
        schema["AttributeDefinitions"] += extra
        arguments.setdefault("BillingMode", "PAY_PER_REQUEST")
        client.create_table(TableName=table, **schema, **arguments)
        created.append(table)
        return table

    yield make
    for table in created:
        with contextlib.suppress(ClientError):
            client.delete_table(TableName=table)


@pytest.fixture
def make_table(ddb: Any, name: str) -> Iterator[TableFactory]:
    """Creates tables named after the test (``suffix`` tells several apart); deletes them after."""
    yield from table_factory(ddb, name)


@pytest.fixture
def table(make_table: TableFactory) -> str:
    """A PAY_PER_REQUEST table keyed by ``id`` (S)."""
    return make_table()


@pytest.fixture
def sorted_table(make_table: TableFactory) -> str:
    """A table keyed by ``pk`` (S) and ``sk`` (N)."""
    return make_table(("pk", "S"), ("sk", "N"))


@pytest.fixture
def lake_ddb(lake: Lakehose) -> Any:
    return lake.client("dynamodb", config=NO_RETRIES)


@pytest.fixture
def lake_kinesis(lake: Lakehose) -> Any:
    return lake.client("kinesis", config=NO_RETRIES)


def error_of(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    """The AWS error code and message of a failed call."""
    details = error.value.response["Error"]
    return str(details["Code"]), str(details["Message"])


def stream_records(kinesis: Any, stream: str) -> list[dict[str, Any]]:
    """Every record of every shard of ``stream``, shard by shard, in order."""
    records: list[dict[str, Any]] = []
    for shard in kinesis.list_shards(StreamName=stream)["Shards"]:
        iterator = kinesis.get_shard_iterator(
            StreamName=stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = kinesis.get_records(ShardIterator=iterator)
            records.extend(page["Records"])
            if not page["Records"] and page["MillisBehindLatest"] == 0:
                break
            iterator = page.get("NextShardIterator")
    return records


@pytest.fixture
def streamed_table(
    ddb: Any, kinesis: Any, make_table: TableFactory, name: str
) -> Iterator[tuple[str, str]]:
    """A table with an ACTIVE Kinesis streaming destination: ``(table, stream)``."""
    table = make_table()
    stream = f"{name}-s"
    kinesis.create_stream(StreamName=stream, ShardCount=2)
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"][
        "StreamARN"
    ]
    ddb.enable_kinesis_streaming_destination(TableName=table, StreamArn=arn)
    yield table, stream
    with contextlib.suppress(ClientError):
        kinesis.delete_stream(StreamName=stream, EnforceConsumerDeletion=True)
