"""Where a CLI command sends its AWS calls: the running server, or an embedded runtime.

When a ``lakehose up`` serves the home (its ``server.json`` names a live endpoint), the home is
locked by that server, so the command talks to it with ordinary boto3 clients; otherwise it opens
the home itself with an embedded runtime for the duration of the command. Either way the command
gets the same thing: a factory of boto3 clients.

A server killed with -9 leaves its ``server.json`` behind, and another home's server may listen
at that address later. So the server found must say, in its health answer, that it serves this
home (by the id in ``home.json``); one serving another home is refused (``WrongServer``), never
used: the command would read and change the other home's resources.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lakehose.errors import LakehoseError
from lakehose.scopes import account_for_key
from lakehose.settings import Settings
from lakehose.storage import StateDirectory

_HEALTH_TIMEOUT_SECONDS = 5


class WrongServer(LakehoseError):
    """The server at the address a home's ``server.json`` names serves another home."""


@dataclass(frozen=True)
class Target:
    """Where AWS calls go: ``mode`` is ``server`` or ``embedded``; ``where`` a URL or a path."""

    mode: str
    where: str
    clients: Callable[[str], Any]
    account_id: str
    region: str


@contextmanager
def aws_target(settings: Settings, endpoint: str | None = None) -> Iterator[Target]:
    """Clients for ``endpoint``, else for the server running on the home, else embedded."""
    url = endpoint or running_server(settings)
    # The clients sign with the configured key: a 12-digit one is the account they act in.
    key = settings.credentials.access_key_id if settings.credentials else None
    account = account_for_key(key, settings.account_id)
    if url is not None:
        yield Target("server", url, _server_clients(url, settings), account, settings.region)
        return
    from lakehose.runtime import Lakehose

    with Lakehose(settings=settings) as lake:
        yield Target("embedded", str(lake.state.path), lake.client, account, lake.settings.region)


def running_server(settings: Settings) -> str | None:
    """The endpoint of the server serving ``settings.home``; ``None`` when none answers.

    Raises ``WrongServer`` when the address the home records answers for another home.
    """
    home = StateDirectory(settings.home)
    record = home.read_server()
    if record is None:
        return None
    health = _health(record.endpoint_url)
    if health is None:
        # A server killed with -9 leaves its record behind; its lock died with it.
        return None
    expected = home.recorded_home_id()
    served = health.get("home_id")
    if expected is None or served != expected:
        which = f"id {served}" if isinstance(served, str) else "it names none"
        raise WrongServer(
            f"refusing the server at {record.endpoint_url}: {home.path / 'server.json'} names it, "
            f"but it serves another home ({which}; this home's id is {expected}). This home's "
            "server is gone (killed before it "
            f"could remove server.json): start it with `lakehose up --home {home.path}`, or "
            "delete that server.json to use the home directly"
        )
    return record.endpoint_url


def _health(endpoint: str) -> dict[str, Any] | None:
    """The health answer at ``endpoint``; ``{}`` from something that is not a lakehose,
    ``None`` when nothing answers."""
    try:
        with urllib.request.urlopen(
            f"{endpoint}/_lakehose/health", timeout=_HEALTH_TIMEOUT_SECONDS
        ) as response:
            body = response.read()
    except urllib.error.HTTPError as error:
        error.close()
        return {}
    except (urllib.error.URLError, OSError):
        return None
    try:
        answer = json.loads(body)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _server_clients(url: str, settings: Settings) -> Callable[[str], Any]:
    import boto3
    from botocore.config import Config

    credentials = settings.credentials
    # One session for every client: it loads the shared endpoint data once, not per client.
    session = boto3.session.Session(
        region_name=settings.region,
        aws_access_key_id=credentials.access_key_id if credentials else "test",
        aws_secret_access_key=credentials.secret_access_key if credentials else "test",
    )

    def client(service: str) -> Any:
        config = Config(retries={"mode": "standard"})
        if service == "s3":
            config = config.merge(Config(s3={"addressing_style": "path"}))
        return session.client(service, endpoint_url=url, config=config)  # type: ignore[call-overload]

    return client
