"""Fixtures of the Glue suite: clients in both modes, databases that clean up, flushing.

``aws`` is overridden so that the in-process mode, like the server mode, uses one runtime for the
session; tests isolate themselves by database, bucket and crawler names (``name``). Crawler runs
that need the clock use ``lake`` (a fresh runtime with a manual clock) instead.
"""

from __future__ import annotations

import contextlib
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.conftest import AwsTarget, InProcess, ServerProcess

NO_RETRIES = Config(retries={"total_max_attempts": 1})
ACCOUNT = "000000000000"

DatabaseFactory = Callable[..., str]


@pytest.fixture(scope="session")
def shared_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    with Lakehose(home=tmp_path_factory.mktemp("glue") / "home", background=False) as runtime:
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


def _client(cache: dict[str, Any], aws: AwsTarget, service: str) -> Any:
    key = f"{aws.mode}-{service}"
    if key not in cache:
        cache[key] = aws.client(service, config=NO_RETRIES)
    return cache[key]


@pytest.fixture
def glue(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return _client(client_cache, aws, "glue")


@pytest.fixture
def s3(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return _client(client_cache, aws, "s3")


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
        request = urllib.request.Request(f"{aws.endpoint}/_lakehose/flush", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass


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
