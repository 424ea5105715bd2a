"""An engine's public methods are its AWS operations, its life cycle and its declared ports.

The gateway answers an operation by the engine method of its snake_case name, so any other public
method is a name a future operation could collide with and a helper other code could come to
depend on. Helpers the mixins share are private; what other engines' adapters (``wiring``) or the
runtime call is listed in the engine's ``PORT_METHODS``.
"""

from __future__ import annotations

import inspect

import pytest
from botocore import xform_name

from lakehose.gateway.catalog import default_catalog
from lakehose.services.athena.engine import AthenaEngine
from lakehose.services.awslambda.engine import LambdaEngine
from lakehose.services.dynamodb.engine import DynamoDBEngine
from lakehose.services.dynamodbstreams.engine import DynamoDBStreamsEngine
from lakehose.services.engine import Engine
from lakehose.services.firehose.engine import FirehoseEngine
from lakehose.services.glue.engine import GlueEngine
from lakehose.services.kinesis.engine import KinesisEngine
from lakehose.services.s3.engine import S3Engine
from lakehose.services.sts.engine import STSEngine

ENGINES: list[type[Engine]] = [
    AthenaEngine,
    LambdaEngine,
    DynamoDBEngine,
    DynamoDBStreamsEngine,
    FirehoseEngine,
    GlueEngine,
    KinesisEngine,
    S3Engine,
    STSEngine,
]
LIFE_CYCLE = frozenset({"start", "run_due", "flush", "close", "abandon", "health"})


def _public_methods(cls: type) -> set[str]:
    """Public names whose class attribute is a function (properties and constants are not)."""
    found = set()
    for name in dir(cls):
        if name.startswith("_"):
            continue
        attribute = inspect.getattr_static(cls, name)
        if isinstance(attribute, staticmethod | classmethod) or inspect.isfunction(attribute):
            found.add(name)
    return found


@pytest.mark.parametrize("engine", ENGINES, ids=lambda cls: cls.__name__)
def test_public_methods_are_operations_life_cycle_or_ports(engine: type[Engine]) -> None:
    model = default_catalog().model(engine.service_name)
    operations = {xform_name(name) for name in model.operation_names}
    extra = _public_methods(engine) - operations - LIFE_CYCLE - engine.PORT_METHODS
    assert not extra, (
        f"{engine.__name__} has public methods that are not {engine.service_name} operations: "
        f"{sorted(extra)}; make them private or list them in PORT_METHODS"
    )


@pytest.mark.parametrize("engine", ENGINES, ids=lambda cls: cls.__name__)
def test_declared_port_methods_exist_and_are_not_operations(engine: type[Engine]) -> None:
    model = default_catalog().model(engine.service_name)
    operations = {xform_name(name) for name in model.operation_names}
    assert _public_methods(engine) >= engine.PORT_METHODS
    assert not engine.PORT_METHODS & (operations | LIFE_CYCLE)
