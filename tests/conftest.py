"""Fixtures shared by every suite.

Behaviour tests take the ``aws`` fixture and run twice: once against an in-process runtime
(``Lakehose.client``) and once against a real ``lakehose up`` process on a free loopback port,
shared by the whole session. Tests that share that server create uniquely named resources
(the ``name`` fixture) and never assume they are alone on it.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import pytest
from botocore.client import BaseClient
from botocore.config import Config
from hypothesis import HealthCheck, settings

from lakehose import Lakehose
from lakehose.cli.admin import admin_request
from lakehose.clock import ManualClock
from lakehose.settings import Settings

_ENDPOINT = re.compile(r"listening on (http://\S+)")

# Hypothesis's per-example deadline and its slow-generation check time the machine, not the code:
# on a shared CI machine they fail tests whose properties hold.
settings.register_profile("lakehose", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lakehose")

# Errors are asserted, not retried; Lambda and Firehose calls may wait on worker processes.
NO_RETRIES = Config(retries={"total_max_attempts": 1}, read_timeout=300)


class AwsTarget(Protocol):
    """Where a behaviour test sends its boto3 calls."""

    mode: str

    def client(self, service: str, **kwargs: Any) -> BaseClient: ...


class InProcess:
    mode = "inprocess"

    def __init__(self, lake: Lakehose) -> None:
        self.lake = lake

    def client(self, service: str, **kwargs: Any) -> BaseClient:
        return self.lake.client(service, **kwargs)


class ServerProcess:
    """A ``lakehose up`` child process; ``stop()`` sends SIGTERM, ``kill()`` SIGKILL."""

    mode = "server"

    def __init__(self, home: Path, env: dict[str, str] | None = None, port: int = 0) -> None:
        self.home = home
        environment = {**os.environ, **(env or {})}
        environment.pop("LAKEHOSE_HOME", None)
        # What the server was configured with, so that admin calls are signed as it requires.
        self.settings = Settings.from_env(environment)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lakehose", "up", "--port", str(port), "--home", str(home)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environment,
        )
        self.endpoint = self._wait_for_endpoint()

    def _wait_for_endpoint(self) -> str:
        assert self.process.stdout is not None
        seen = []
        for line in self.process.stdout:
            seen.append(line)
            if found := _ENDPOINT.search(line):
                self._wait_until_healthy(found.group(1))
                return found.group(1)
        stderr = self.process.stderr.read() if self.process.stderr else ""
        raise RuntimeError(f"lakehose up did not start: {''.join(seen)}{stderr}")

    @staticmethod
    def _wait_until_healthy(endpoint: str) -> None:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{endpoint}/_lakehose/health", timeout=5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def client(self, service: str, **kwargs: Any) -> BaseClient:
        import boto3

        kwargs.setdefault("region_name", "us-east-1")
        kwargs.setdefault("aws_access_key_id", "test")
        kwargs.setdefault("aws_secret_access_key", "test")
        kwargs.setdefault("config", Config(retries={"total_max_attempts": 1}))
        return boto3.session.Session().client(  # type: ignore[no-any-return]
            service, endpoint_url=self.endpoint, **kwargs
        )

    def admin(self, action: str = "flush", method: str = "POST") -> dict[str, Any]:
        """Call ``/_lakehose/<action>``, SigV4-signed as every admin call but health must be."""
        request = admin_request(self.endpoint, method, action, self.settings)
        with urllib.request.urlopen(request, timeout=300) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer

    def flush(self) -> None:
        """Deliver everything the server buffers now."""
        assert self.admin("flush") == {"flushed": True}

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=30)
        finally:
            for stream in (self.process.stdout, self.process.stderr):
                if stream:
                    stream.close()
        return code

    def kill(self) -> int:
        return self.stop(signal.SIGKILL)


def sigv4_stub(service: str, region: str = "us-east-1") -> dict[str, str]:
    """Headers with a complete SigV4 structure naming ``service``, for raw requests to a runtime
    that checks no key (any key is accepted there; only the structure is required)."""
    return {
        "Authorization": f"AWS4-HMAC-SHA256 Credential=test/20231114/{region}/{service}/"
        f"aws4_request, SignedHeaders=host;x-amz-date, Signature={'0' * 64}",
        "X-Amz-Date": "20231114T221320Z",
    }


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(1_700_000_000.0)


@pytest.fixture
def lake(tmp_path: Path, clock: ManualClock) -> Iterator[Lakehose]:
    """An in-process runtime on a fresh home with a manual clock and no background worker."""
    with Lakehose(home=tmp_path / "home", clock=clock, background=False, seed=7) as runtime:
        yield runtime


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One real ``lakehose up`` for the session's server-mode tests."""
    process = ServerProcess(tmp_path_factory.mktemp("server") / "home")
    yield process
    process.stop()


@pytest.fixture(scope="session")
def shared_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcess]:
    """One in-process runtime for the session's behaviour tests, as the server is one process."""
    with Lakehose(home=tmp_path_factory.mktemp("shared") / "home", background=False) as runtime:
        yield InProcess(runtime)


@pytest.fixture(params=["inprocess", "server"])
def aws(request: pytest.FixtureRequest) -> AwsTarget:
    """Run the test in-process and against the session's ``lakehose up``.

    Both targets are shared by the session (a runtime per test costs more than most tests), so
    tests isolate themselves by resource name; a test that needs a fresh home uses ``lake``.
    """
    target: AwsTarget = request.getfixturevalue(
        "shared_runtime" if request.param == "inprocess" else "server"
    )
    return target


@pytest.fixture(scope="session")
def client_cache() -> dict[str, Any]:
    return {}


def flush(aws: AwsTarget) -> None:
    """Run all pending work now, in either mode (the server's background worker runs too)."""
    if isinstance(aws, InProcess):
        aws.lake.flush()
    else:
        assert isinstance(aws, ServerProcess)
        aws.flush()


def cached_client(
    aws: AwsTarget,
    cache: dict[str, Any],
    service: str,
    *,
    unchecked: bool = False,
    region_name: str = "us-east-1",
) -> Any:
    """One never-retrying boto3 client per target, service, region and kind for the session.

    ``unchecked`` clients skip botocore's own parameter validation, so that what they are given
    reaches the service and the service's validation answers.
    """
    key = f"{aws.mode}-{service}-{region_name}-{'unchecked' if unchecked else 'checked'}"
    if key not in cache:
        config = NO_RETRIES.merge(Config(parameter_validation=not unchecked))
        cache[key] = aws.client(service, config=config, region_name=region_name)
    return cache[key]


_counter = itertools.count()


@pytest.fixture
def name(request: pytest.FixtureRequest) -> str:
    """A resource name unique within the session (the server is shared)."""
    base = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40]
    return f"{base}-{os.getpid()}-{next(_counter)}"
