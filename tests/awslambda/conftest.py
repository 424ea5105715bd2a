"""Fixtures of the Lambda suite: clients in both modes, and functions that clean up after.

Tests isolate themselves by function name on the session's shared targets. Handlers are
Python source written into a zip (``zip_of``); ``make_function`` creates one and deletes it after
the test, which also stops its workers.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.conftest import NO_RETRIES, AwsTarget, InProcess, cached_client

ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ACCOUNT = "000000000000"
REGION = "us-east-1"
# Errors are asserted, not retried (botocore retries TooManyRequestsException), and a handler
# that sleeps must not make botocore give up on the read first.

FunctionFactory = Callable[..., str]

ECHO = """
def handler(event, context):
    return event
"""


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture
def lam(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "lambda")


@pytest.fixture
def unchecked(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    """A client that sends what it is given, so the service's own validation answers."""
    return cached_client(aws, client_cache, "lambda", unchecked=True)


def endpoint_of(aws: AwsTarget) -> str:
    """The endpoint workers of this target are given as AWS_ENDPOINT_URL."""
    if isinstance(aws, InProcess):
        return aws.lake.endpoint()
    return str(aws.endpoint)  # type: ignore[attr-defined]


def _function_factory(client: Any, base: str) -> Iterator[FunctionFactory]:
    created: list[str] = []

    def make(
        source: str = ECHO,
        *,
        suffix: str = "",
        handler: str = "app.handler",
        files: dict[str, str] | None = None,
        **arguments: Any,
    ) -> str:
        function = f"{base}{suffix}"
        arguments.setdefault("Runtime", "python3.12")
        arguments.setdefault("Code", {"ZipFile": zip_of(files or {"app.py": source})})
        client.create_function(FunctionName=function, Role=ROLE, Handler=handler, **arguments)
        created.append(function)
        return function

    yield make
    for function in created:
        with contextlib.suppress(ClientError):
            client.delete_function(FunctionName=function)


@pytest.fixture
def make_function(lam: Any, name: str) -> Iterator[FunctionFactory]:
    """Creates functions named after the test (``suffix`` tells several apart)."""
    yield from _function_factory(lam, name)


@pytest.fixture
def lake_lambda(lake: Lakehose) -> Any:
    """A client of a fresh in-process runtime with the manual clock."""
    return lake.client("lambda", config=NO_RETRIES)


@pytest.fixture
def lake_function(lake_lambda: Any, name: str) -> Iterator[FunctionFactory]:
    yield from _function_factory(lake_lambda, name)


def request_id_of(response: dict[str, Any]) -> str:
    """The API request id, which is also the invocation's (``context.aws_request_id``)."""
    return str(response["ResponseMetadata"]["RequestId"])


def log_tail(response: dict[str, Any]) -> str:
    return base64.b64decode(response["LogResult"]).decode()


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def error_message(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Message"])


def delivered(out: Path) -> list[dict[str, Any]]:
    """The events a recording function wrote to ``out``, one JSON line each, in order."""
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines()]


def wait_for(check: Callable[[], bool], what: str, seconds: float = 60.0) -> None:
    """Wait until ``check()`` holds; a bound on waiting for something, never a timed assertion."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def process_gone(pid: int) -> bool:
    """True once ``pid`` no longer runs (exited, or a zombie nobody reaped yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")
