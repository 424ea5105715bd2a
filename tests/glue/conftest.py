"""Fixtures of the Glue suite: clients in both modes, databases that clean up, flushing.

Tests isolate themselves by database, bucket and crawler names (``name``) on the session's shared
targets. Crawler runs
that need the clock use ``lake`` (a fresh runtime with a manual clock) instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget, InProcess, ServerProcess, cached_client

ACCOUNT = "000000000000"

DatabaseFactory = Callable[..., str]


@pytest.fixture
def glue(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "glue")


@pytest.fixture
def s3(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "s3")


@pytest.fixture
def make_database(glue: Any, name: str) -> Iterator[DatabaseFactory]:
    """Creates databases named after the test (``suffix`` tells several apart); deletes them."""
    created: list[str] = []

    def make(suffix: str = "", **members: Any) -> str:
        database = f"{name}{suffix}"
        glue.create_database(DatabaseInput={"Name": database, **members})
        created.append(database)
        return database

    yield make
    for database in created:
        with contextlib.suppress(ClientError):
            glue.delete_database(Name=database)


@pytest.fixture
def database(make_database: DatabaseFactory) -> str:
    return make_database()


def flush(aws: AwsTarget) -> None:
    """Run all pending work now (crawls included), in either mode."""
    if isinstance(aws, InProcess):
        aws.lake.flush()
    else:
        assert isinstance(aws, ServerProcess)
        aws.flush()


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def error_message(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Message"])


def table_input(name: str, **members: Any) -> dict[str, Any]:
    """A small JSON table over s3://bucket/<name>/, with ``members`` added or replaced."""
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "string"}, {"Name": "value", "Type": "int"}],
            "Location": f"s3://bucket/{name}/",
            "InputFormat": "org.apache.hadoop.mapred.TextInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
            "SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"},
        },
        "PartitionKeys": [],
        **members,
    }
