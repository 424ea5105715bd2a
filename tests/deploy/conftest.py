"""Fixtures for deploy tests: deployers over the ``aws`` target or the embedded ``lake``."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from lakehose import Lakehose
from lakehose.deploy import Deployer, Listener, ResourceEvent, StackState, template_from_dict
from lakehose.ids import IdGenerator
from tests.conftest import ServerProcess

Clients = Callable[[str], Any]
ACCOUNT = "000000000000"
REGION = "us-east-1"


class Recorder(Listener):
    """Keeps every resource event, to assert on what a deploy did."""

    def __init__(self) -> None:
        self.events: list[ResourceEvent] = []

    def resource(self, event: ResourceEvent) -> None:
        self.events.append(event)

    def events_of(self, logical_id: str) -> list[ResourceEvent]:
        return [e for e in self.events if e.logical_id == logical_id]

    def statuses(self, logical_id: str) -> list[str]:
        return [e.status for e in self.events_of(logical_id)]

    def clear(self) -> None:
        self.events.clear()


def make_deployer(clients: Clients, recorder: Recorder | None = None, **options: Any) -> Deployer:
    return Deployer(
        clients, account_id=ACCOUNT, region=REGION, ids=IdGenerator(), listener=recorder, **options
    )


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="session")
def shared_lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lakehose]:
    """One embedded runtime for the deploy suite: one per test would dominate its time.

    Tests share it as they share the ``lakehose up`` server: every name is unique (``name``).
    """
    with Lakehose(home=tmp_path_factory.mktemp("deploy") / "home", background=False) as runtime:
        yield runtime


@pytest.fixture(scope="session")
def shared_inprocess_clients(shared_lake: Lakehose) -> Clients:
    return functools.cache(shared_lake.client)


@pytest.fixture(scope="session")
def shared_server_clients(server: ServerProcess) -> Clients:
    return functools.cache(server.client)


@dataclass(frozen=True)
class Target:
    """Where a behaviour test runs: its boto3 clients, and how to deliver buffered work now."""

    mode: str
    clients: Clients
    flush: Callable[[], None]


@pytest.fixture(params=["inprocess", "server"])
def target(request: pytest.FixtureRequest) -> Target:
    """The shared embedded runtime, and the session's ``lakehose up``."""
    if request.param == "inprocess":
        lake: Lakehose = request.getfixturevalue("shared_lake")
        return Target("inprocess", request.getfixturevalue("shared_inprocess_clients"), lake.flush)
    server: ServerProcess = request.getfixturevalue("server")

    return Target("server", request.getfixturevalue("shared_server_clients"), server.flush)


@pytest.fixture
def clients(target: Target) -> Clients:
    """boto3 clients, one per service for the session (they are slow to create)."""
    return target.clients


@pytest.fixture
def deployer(clients: Clients, recorder: Recorder) -> Deployer:
    """A deployer through boto3, in-process and against ``lakehose up``."""
    return make_deployer(clients, recorder)


@pytest.fixture
def local_clients(lake: Lakehose) -> Callable[[str], Any]:
    return functools.cache(lake.client)


@pytest.fixture
def local(lake: Lakehose, local_clients: Clients, recorder: Recorder) -> Deployer:
    """A deployer on the embedded ``lake`` (for tests that register fake engines).

    ``lake`` runs on a manual clock without a worker: waiting for a resource advances the
    clock and runs what became due, so engines' timed transitions happen without real sleeps.
    """
    return make_deployer(local_clients, recorder, sleep=lake.advance)


def deploy_dict(deployer: Deployer, stack: str, body: dict[str, Any], **kwargs: Any) -> StackState:
    return deployer.deploy(stack, template_from_dict(body), **kwargs)
