"""The engine without the wire: the S3 code port, the invoke port Firehose uses, directory
deploys, durability across restarts, and how function names parse."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from lakehose.clock import ManualClock
from lakehose.ids import IdGenerator
from lakehose.services.awslambda import LambdaEngine
from lakehose.services.awslambda.code import package_directory
from lakehose.services.awslambda.errors import (
    InvalidParameterValueException,
    InvalidRequestContentException,
    ResourceNotFoundException,
)
from lakehose.services.awslambda.names import parse_reference
from lakehose.services.awslambda.ports import CodeObjectMissing, CodeSource
from lakehose.services.engine import EngineEnvironment
from tests.awslambda.conftest import ECHO, ROLE, zip_of

SLEEPS = "import time\ndef handler(event, context):\n    time.sleep(event['sleep'])\n"


class FakeS3:
    """A ``CodeSource`` holding objects in a dict."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def read_object(self, bucket: str, key: str) -> bytes:
        if (bucket, key) not in self.objects:
            raise CodeObjectMissing("NoSuchKey", "The specified key does not exist.")
        return self.objects[(bucket, key)]


def start_engine(directory: Path, code_source: CodeSource | None = None) -> LambdaEngine:
    environment = EngineEnvironment(
        region="us-east-1",
        account_id="000000000000",
        clock=ManualClock(),
        ids=IdGenerator(),
        directory=directory,
        endpoint_url="http://localhost:4566",
    )
    engine = LambdaEngine(environment, code_source=code_source)
    engine.start()
    return engine


@pytest.fixture
def s3() -> FakeS3:
    return FakeS3()


@pytest.fixture
def engine(tmp_path: Path, s3: FakeS3) -> Iterator[LambdaEngine]:
    started = start_engine(tmp_path / "lambda", s3)
    yield started
    started.close()


def create(engine: LambdaEngine, name: str, source: str = ECHO, **arguments: object) -> None:
    arguments.setdefault("code", {"ZipFile": zip_of({"app.py": source})})
    engine.create_function(
        function_name=name, role=ROLE, runtime="python3.12", handler="app.handler", **arguments
    )


def test_code_is_read_from_s3_through_the_port(engine: LambdaEngine, s3: FakeS3) -> None:
    s3.objects[("bucket", "fn.zip")] = zip_of({"app.py": ECHO})
    create(engine, "from-s3", code={"S3Bucket": "bucket", "S3Key": "fn.zip"})
    assert engine.invoke_function("from-s3", b'{"x": 1}').payload == b'{"x": 1}'
    with pytest.raises(InvalidParameterValueException) as error:
        create(engine, "missing", code={"S3Bucket": "bucket", "S3Key": "nope.zip"})
    assert error.value.message == (
        "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
        "S3 Error Message: The specified key does not exist."
    )


def test_without_a_code_source_s3_code_is_a_missing_bucket(tmp_path: Path) -> None:
    engine = start_engine(tmp_path / "lambda")
    try:
        with pytest.raises(InvalidParameterValueException) as error:
            create(engine, "f", code={"S3Bucket": "b", "S3Key": "k"})
        assert "S3 Error Code: NoSuchBucket" in error.value.message
    finally:
        engine.close()


def test_the_invoke_port_reports_results_errors_and_timeouts(engine: LambdaEngine) -> None:
    create(engine, "echo")
    done = engine.invoke_function(
        "arn:aws:lambda:us-east-1:000000000000:function:echo", b'{"records": []}'
    )
    assert (done.status_code, done.function_error, done.timed_out) == (200, None, False)
    assert done.payload == b'{"records": []}'
    assert done.log_tail.decode().startswith(f"START RequestId: {done.request_id} ")
    create(engine, "sleeps", SLEEPS, timeout=30)
    capped = engine.invoke_function("sleeps", b'{"sleep": 60}', timeout_seconds=0.5)
    assert (capped.function_error, capped.timed_out) == ("Unhandled", True)
    assert orjson.loads(capped.payload)["errorType"] == "Sandbox.Timedout"
    with pytest.raises(ResourceNotFoundException):
        engine.invoke_function("absent", b"{}")
    with pytest.raises(InvalidRequestContentException):
        engine.invoke_function("echo", b"{not json")


def test_directory_deploys_are_deterministic(engine: LambdaEngine, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    for directory in (first, second):
        (directory / "pkg").mkdir(parents=True)
        (directory / "app.py").write_text("from pkg.impl import handler\n")
        (directory / "pkg" / "__init__.py").write_text("")
        (directory / "pkg" / "impl.py").write_text(
            "def handler(event, context):\n    return 'v1'\n"
        )
    (second / "pkg" / "__pycache__").mkdir()
    (second / "pkg" / "__pycache__" / "impl.cpython-311.pyc").write_bytes(b"compiled")
    one = engine.create_function(
        function_name="dir-one", code={"ZipFile": package_directory(first).data}, role=ROLE,
        runtime="python3.12", handler="app.handler",
    )  # fmt: skip
    two = engine.create_function(
        function_name="dir-two", code={"ZipFile": package_directory(second).data}, role=ROLE,
        runtime="python3.12", handler="app.handler",
    )  # fmt: skip
    assert one["CodeSha256"] == two["CodeSha256"]
    assert engine.invoke_function("dir-one", b"{}").payload == b'"v1"'
    (first / "pkg" / "impl.py").write_text("def handler(event, context):\n    return 'v2'\n")
    updated = engine.update_function_code(
        function_name="dir-one", zip_file=package_directory(first).data
    )
    assert updated["CodeSha256"] != one["CodeSha256"]
    assert engine.invoke_function("dir-one", b"{}").payload == b'"v2"'


def test_functions_survive_a_restart_and_leftovers_are_pruned(tmp_path: Path) -> None:
    directory = tmp_path / "lambda"
    engine = start_engine(directory)
    create(engine, "durable")
    sha256 = engine.get_function_configuration(function_name="durable")["CodeSha256"]
    code_hex = base64.b64decode(sha256).hex()
    engine.close()
    leftover = directory / "functions" / "durable" / "0123abcd.unpacking-1-2"
    leftover.mkdir()
    orphan = directory / "functions" / "gone"
    orphan.mkdir()
    engine = start_engine(directory)
    try:
        assert not leftover.exists()
        assert not orphan.exists()
        assert (directory / "functions" / "durable" / code_hex).is_dir()
        assert engine.invoke_function("durable", b"[1]").payload == b"[1]"
    finally:
        engine.close()


def test_a_package_with_paths_outside_the_task_root_is_refused(engine: LambdaEngine) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../escape.py", "x = 1")
    with pytest.raises(InvalidParameterValueException) as error:
        create(engine, "escapes", code={"ZipFile": buffer.getvalue()})
    assert error.value.message.startswith("Could not unzip uploaded file.")


def test_closing_the_engine_stops_its_workers(tmp_path: Path) -> None:
    engine = start_engine(tmp_path / "lambda")
    create(engine, "echo")
    engine.invoke_function("echo", b"{}")
    assert len(engine.pool.pids("echo")) == 1
    engine.close()
    assert engine.pool.pids() == []


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("f", ("f", None, None, None)),
        ("f:$LATEST", ("f", "$LATEST", None, None)),
        ("my.fn:live", ("my.fn", "live", None, None)),
        ("123456789012:function:f", ("f", None, None, "123456789012")),
        (
            "arn:aws:lambda:eu-west-1:123456789012:function:f:7",
            ("f", "7", "eu-west-1", "123456789012"),
        ),
        (
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:f",
            ("f", None, "cn-north-1", "123456789012"),
        ),
    ],
)
def test_function_references_parse(text: str, parsed: tuple[object, ...]) -> None:
    reference = parse_reference(text)
    assert reference is not None
    assert (reference.name, reference.qualifier, reference.region, reference.account_id) == parsed


@pytest.mark.parametrize("text", ["", "a b", "arn:aws:lambda:us-east-1:12:function:f", "f:a:b"])
def test_malformed_references_do_not_parse(text: str) -> None:
    assert parse_reference(text) is None
