"""Typed settings: the one place that reads ``LAKEHOSE_*`` environment variables.

Precedence, highest first: explicit arguments (CLI flags, ``Lakehose(...)`` keywords), environment
variables, defaults. Engines receive the values they need from the runtime; nothing below this
module looks at ``os.environ``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lakehose.errors import ConfigurationError
from lakehose.options import DURABILITY_MODES, check_options, parse_options
from lakehose.options import parse_size as parse_size
from lakehose.scopes import is_account, is_region

DEFAULT_HOME = Path(".lakehose")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT = "000000000000"
# Request bodies (see gateway/limits.py): the largest body a service without a documented limit
# accepts, the largest S3 upload held in memory, and how long a body may take to arrive.
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024
DEFAULT_S3_MAX_BODY_BYTES = 512 * 1024 * 1024
DEFAULT_BODY_TIMEOUT = 60.0
DEFAULT_BODY_IDLE_TIMEOUT = 20.0
# How long ``lakehose up`` may take to stop after SIGINT or SIGTERM before it abandons what is
# still in flight (see gateway/server.py).
DEFAULT_STOP_TIMEOUT = 15.0


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

    The network edge (``gateway/safety.py``, ``gateway/limits.py``) reads ``allowed_hosts`` and
    ``allowed_origins`` (comma-separated ``LAKEHOSE_ALLOWED_HOSTS``, ``LAKEHOSE_ALLOWED_ORIGINS``),
    the body limits ``max_body_bytes`` and ``s3_max_body_bytes`` and the body timeouts
    ``body_timeout`` and ``body_idle_timeout`` (seconds), each from ``LAKEHOSE_<NAME>``.
    ``stop_timeout`` (``LAKEHOSE_STOP_TIMEOUT``, seconds) bounds how long ``lakehose up`` takes
    to stop once signalled.
    """

    home: Path = DEFAULT_HOME
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    region: str = DEFAULT_REGION
    account_id: str = DEFAULT_ACCOUNT
    credentials: Credentials | None = None
    # Host names and browser origins served besides the loopback ones (gateway/safety.py).
    allowed_hosts: tuple[str, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    s3_max_body_bytes: int = DEFAULT_S3_MAX_BODY_BYTES
    body_timeout: float = DEFAULT_BODY_TIMEOUT
    body_idle_timeout: float = DEFAULT_BODY_IDLE_TIMEOUT
    stop_timeout: float = DEFAULT_STOP_TIMEOUT
    # What an acknowledged write survives (docs/durability.md): "normal" (the process's death)
    # or "full" (a power cut too); ``LAKEHOSE_DURABILITY``, ``lakehose up --durability``. An
    # engine's ``<service>.durability`` option overrides it for that engine.
    durability: str = "normal"
    # Per-service knobs (e.g. ``kinesis.stream_creation_delay_seconds``), each declared with its
    # type, default and meaning in ``lakehose/options.py``; an undeclared key or a value of the
    # wrong type is refused here.
    # ``LAKEHOSE_ATHENA_MEMORY_LIMIT``, ``LAKEHOSE_ATHENA_THREADS`` and
    # ``LAKEHOSE_ATHENA_QUERY_TIMEOUT`` set ``athena.memory_limit``, ``athena.threads`` and
    # ``athena.query_timeout_seconds``: what one Athena query may take from the machine.
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_options(self.options)
        if not 0 <= self.port <= 65535:
            raise ConfigurationError(f"port must be between 0 and 65535, got {self.port}")
        if not is_region(self.region):
            raise ConfigurationError(f"region {self.region!r} does not look like an AWS region")
        if not is_account(self.account_id):
            raise ConfigurationError(f"account id must be 12 digits, got {self.account_id!r}")
        if self.durability not in DURABILITY_MODES:
            raise ConfigurationError(
                f"durability must be {' or '.join(DURABILITY_MODES)}, got {self.durability!r}"
            )
        for name in _LIMITS:
            if not getattr(self, name) > 0:
                raise ConfigurationError(f"{name} must be positive, got {getattr(self, name)!r}")

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
        if durability := env.get("LAKEHOSE_DURABILITY"):
            values["durability"] = durability
        for name in ("allowed_hosts", "allowed_origins"):
            if (listed := env.get(f"LAKEHOSE_{name.upper()}")) is not None:
                values[name] = tuple(item.strip() for item in listed.split(",") if item.strip())
        for name, parse in _LIMITS.items():
            if raw := env.get(f"LAKEHOSE_{name.upper()}"):
                values[name] = parse(f"LAKEHOSE_{name.upper()}", raw)
        options: dict[str, Any] = parse_options(env.get("LAKEHOSE_OPTIONS", ""))
        if memory := env.get("LAKEHOSE_ATHENA_MEMORY_LIMIT"):
            options["athena.memory_limit"] = memory
        if threads := env.get("LAKEHOSE_ATHENA_THREADS"):
            options["athena.threads"] = _parse_int("LAKEHOSE_ATHENA_THREADS", threads)
        if timeout := env.get("LAKEHOSE_ATHENA_QUERY_TIMEOUT"):
            options["athena.query_timeout_seconds"] = _parse_float(
                "LAKEHOSE_ATHENA_QUERY_TIMEOUT", timeout
            )
        # Options given as arguments win over the environment's, one by one.
        options.update(overrides.pop("options", None) or {})
        if options:
            values["options"] = options
        values.update({k: v for k, v in overrides.items() if v is not None})
        if isinstance(values.get("home"), str):
            values["home"] = Path(values["home"])
        return cls(**values)


def _parse_int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from None


def _parse_float(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number of seconds, got {raw!r}") from None


_LIMITS: dict[str, Callable[[str, str], float]] = {
    "max_body_bytes": _parse_int,
    "s3_max_body_bytes": _parse_int,
    "body_timeout": _parse_float,
    "body_idle_timeout": _parse_float,
    "stop_timeout": _parse_float,
}
