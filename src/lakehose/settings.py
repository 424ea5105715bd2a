"""Typed settings: the one place that reads ``LAKEHOSE_*`` environment variables.

Precedence, highest first: explicit arguments (CLI flags, ``Lakehose(...)`` keywords), environment
variables, defaults. Engines receive the values they need from the runtime; nothing below this
module looks at ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehose.errors import ConfigurationError

DEFAULT_HOME = Path(".lakehose")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class Credentials:
    """The one access key the gateway accepts when signature checking is on."""

    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a lakehose runtime and its server.

    ``credentials`` is ``None`` unless both ``LAKEHOSE_ACCESS_KEY_ID`` and
    ``LAKEHOSE_SECRET_ACCESS_KEY`` are set; then every request must carry a valid SigV4 signature
    made with them.
    """

    home: Path = DEFAULT_HOME
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT
    credentials: Credentials | None = None
    # Per-service knobs (e.g. ``kinesis.stream_creation_delay``) that engines read by name.
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            raise ConfigurationError(f"port must be between 0 and 65535, got {self.port}")
        if not _REGION.match(self.region):
            raise ConfigurationError(f"region {self.region!r} does not look like an AWS region")
        if not _ACCOUNT.match(self.account_id):
            raise ConfigurationError(f"account id must be 12 digits, got {self.account_id!r}")

    @property
    def endpoint_url(self) -> str:
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::1", "::") else self.host
        return f"http://{host}:{self.port}"

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied; ``None`` values leave a field as it is."""
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``LAKEHOSE_*`` variables, then ``overrides`` (``None`` means unset)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        if home := env.get("LAKEHOSE_HOME"):
            values["home"] = Path(home)
        if host := env.get("LAKEHOSE_HOST"):
            values["host"] = host
        if port := env.get("LAKEHOSE_PORT"):
            values["port"] = _parse_int("LAKEHOSE_PORT", port)
        if region := env.get("LAKEHOSE_REGION"):
            values["region"] = region
        if account := env.get("LAKEHOSE_ACCOUNT_ID"):
            values["account_id"] = account
        key_id = env.get("LAKEHOSE_ACCESS_KEY_ID")
        secret = env.get("LAKEHOSE_SECRET_ACCESS_KEY")
        if bool(key_id) != bool(secret):
            raise ConfigurationError(
                "set both LAKEHOSE_ACCESS_KEY_ID and LAKEHOSE_SECRET_ACCESS_KEY, or neither"
            )
        if key_id and secret:
            values["credentials"] = Credentials(key_id, secret)
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("home"), str):
            values["home"] = Path(values["home"])
        return cls(**values)


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None
