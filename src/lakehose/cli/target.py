"""Where a CLI command sends its AWS calls: the running server, or an embedded runtime.

When a ``lakehose up`` serves the home (its ``server.json`` names a live endpoint), the home is
locked by that server, so the command talks to it with ordinary boto3 clients; otherwise it opens
the home itself with an embedded runtime for the duration of the command. Either way the command
gets the same thing: a factory of boto3 clients.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from lakehose.scopes import account_for_key
from lakehose.settings import Settings
from lakehose.storage import StateDirectory

_HEALTH_TIMEOUT_SECONDS = 5


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
    url = endpoint or _live_server(settings)
    # The clients sign with the configured key: a 12-digit one is the account they act in.
    key = settings.credentials.access_key_id if settings.credentials else None
    account = account_for_key(key, settings.account_id)
    if url is not None:
        yield Target("server", url, _server_clients(url, settings), account, settings.region)
        return
    from lakehose.runtime import Lakehose

    with Lakehose(settings=settings) as lake:
        yield Target("embedded", str(lake.state.path), lake.client, account, lake.settings.region)


def _live_server(settings: Settings) -> str | None:
    record = StateDirectory(settings.home).read_server()
    if record is None:
        return None
    try:
        with urllib.request.urlopen(
            f"{record.endpoint_url}/_lakehose/health", timeout=_HEALTH_TIMEOUT_SECONDS
        ):
            return record.endpoint_url
    except (urllib.error.URLError, OSError):
        # A server killed with -9 leaves its record behind; its lock died with it.
        return None


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
