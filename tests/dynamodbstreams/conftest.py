"""Fixtures of the DynamoDB Streams suite: tables with a stream, and reading a stream whole."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from lakehose import Lakehose
from tests.conftest import NO_RETRIES, AwsTarget, cached_client
from tests.dynamodb.conftest import TableFactory, ddb, error_of, table_factory

__all__ = ["ddb", "error_of", "read_stream", "stream_spec"]


@pytest.fixture
def streams(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "dynamodbstreams")


@pytest.fixture
def make_table(ddb: Any, name: str) -> Iterator[TableFactory]:
    yield from table_factory(ddb, name)


@pytest.fixture
def lake_ddb(lake: Lakehose) -> Any:
    return lake.client("dynamodb", config=NO_RETRIES)


@pytest.fixture
def lake_streams(lake: Lakehose) -> Any:
    return lake.client("dynamodbstreams", config=NO_RETRIES)


def stream_spec(view_type: str = "NEW_AND_OLD_IMAGES") -> dict[str, Any]:
    return {"StreamEnabled": True, "StreamViewType": view_type}


def read_stream(streams: Any, arn: str) -> list[dict[str, Any]]:
    """Every record of the stream: each shard from its trim horizon to its end (closed) or to
    its latest record (open), parents before children, as a DynamoDB Streams reader does."""
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        while iterator:
            page = streams.get_records(ShardIterator=iterator)
            records.extend(page["Records"])
            if not page["Records"]:
                break
            iterator = page.get("NextShardIterator")
    return records
