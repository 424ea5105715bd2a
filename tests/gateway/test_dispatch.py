"""The gateway calls engine methods by operation name and serializes what they return."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.errors import ServiceError
from lakehose.gateway.context import RequestContext
from lakehose.services.engine import Engine, EngineEnvironment


class EntityNotFoundException(ServiceError):
    pass


class FakeGlue(Engine):
    """Just enough of an engine to watch the gateway at work."""

    service_name = "glue"

    def __init__(self, environment: EngineEnvironment) -> None:
        super().__init__(environment)
        self.calls: list[dict[str, Any]] = []

    def get_database(self, *, name: str, context: RequestContext) -> dict[str, Any]:
        self.calls.append({"name": name, "context": context})
        if name == "missing":
            raise EntityNotFoundException("Database missing not found.")
        if name == "crash":
            raise RuntimeError("a bug")
        return {
            "Database": {
                "Name": name,
                "CreateTime": datetime(2024, 3, 1, 12, 30, 15, 250_000, tzinfo=UTC),
                "Parameters": {"classification": "json"},
                "NotInTheModel": "dropped",
            }
        }


@pytest.fixture
def glue(tmp_path: Path) -> Iterator[tuple[FakeGlue, Any]]:
    made: list[FakeGlue] = []

    def build(_: Lakehose, environment: EngineEnvironment) -> FakeGlue:
        made.append(FakeGlue(environment))
        return made[-1]

    with Lakehose(home=tmp_path / "home", background=False, builders={"glue": build}) as lake:
        client = lake.client("glue")
        assert lake.engine("glue") is made[0]
        yield made[0], client


def test_result_is_serialized_by_the_model(glue: tuple[FakeGlue, Any]) -> None:
    engine, client = glue
    response = client.get_database(Name="heartrate-glue-db")
    assert response["Database"] == {
        "Name": "heartrate-glue-db",
        "CreateTime": datetime(2024, 3, 1, 12, 30, 15, 250_000, tzinfo=UTC),
        "Parameters": {"classification": "json"},
    }
    context = engine.calls[0]["context"]
    assert (context.service, context.operation, context.region) == (
        "glue",
        "GetDatabase",
        "us-east-1",
    )
    assert context.access_key_id == "test"
    assert response["ResponseMetadata"]["RequestId"] == context.request_id


def test_service_error_uses_its_code(glue: tuple[FakeGlue, Any]) -> None:
    _, client = glue
    with pytest.raises(ClientError) as caught:
        client.get_database(Name="missing")
    assert caught.value.response["Error"] == {
        "Code": "EntityNotFoundException",
        "Message": "Database missing not found.",
    }
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_unexpected_exception_is_an_internal_failure(glue: tuple[FakeGlue, Any]) -> None:
    _, client = glue
    with pytest.raises(ClientError) as caught:
        client.get_database(Name="crash")
    assert caught.value.response["Error"]["Code"] == "InternalFailure"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "a bug" not in str(caught.value.response)


def test_parameter_the_engine_does_not_support_is_refused(glue: tuple[FakeGlue, Any]) -> None:
    _, client = glue
    with pytest.raises(ClientError) as caught:
        client.get_database(Name="db", CatalogId="000000000000")
    assert caught.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "lakehose does not support the parameter CatalogId of GetDatabase",
    }


def test_unregistered_operation_of_a_registered_engine(glue: tuple[FakeGlue, Any]) -> None:
    _, client = glue
    with pytest.raises(ClientError) as caught:
        client.get_databases()
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
