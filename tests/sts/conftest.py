"""Fixtures of the STS suite: clients in both modes, and clients acting as a role session.

STS keeps no named resources, so tests share the session's targets freely; a test that needs the
clock (expiry) uses ``lake``, a fresh runtime with a manual clock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest
from botocore.config import Config

from tests.conftest import NO_RETRIES, AwsTarget, cached_client

ACCOUNT = "000000000000"
ROLE_ACCOUNT = "111122223333"

SessionClient = Callable[[Mapping[str, Any]], Any]


@pytest.fixture
def sts(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "sts")


@pytest.fixture
def unchecked_sts(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    """Skips botocore's own validation, so that STS's validation answers."""
    return cached_client(aws, client_cache, "sts", unchecked=True)


@pytest.fixture
def as_session(aws: AwsTarget) -> SessionClient:
    """An STS client signing with the temporary ``Credentials`` an AssumeRole answered."""

    def client(credentials: Mapping[str, Any]) -> Any:
        return aws.client(
            "sts",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
            config=NO_RETRIES.merge(Config(parameter_validation=False)),
        )

    return client
