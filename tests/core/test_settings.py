from __future__ import annotations

from pathlib import Path

import pytest

from lakehose.errors import ConfigurationError
from lakehose.settings import Credentials, Settings


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.home == Path(".lakehose")
    assert (settings.host, settings.port) == ("127.0.0.1", 4566)
    assert (settings.region, settings.account_id) == ("us-east-1", "000000000000")
    assert settings.credentials is None
    assert settings.endpoint_url == "http://localhost:4566"
    assert settings.stop_timeout == 15.0
    assert Settings.from_env({"LAKEHOSE_STOP_TIMEOUT": "2.5"}).stop_timeout == 2.5


def test_environment_then_overrides() -> None:
    env = {
        "LAKEHOSE_HOME": "/tmp/x",
        "LAKEHOSE_PORT": "5000",
        "LAKEHOSE_REGION": "eu-west-1",
        "LAKEHOSE_ACCESS_KEY_ID": "AKID",
        "LAKEHOSE_SECRET_ACCESS_KEY": "secret",
    }
    settings = Settings.from_env(env, port=6000, home=None)
    assert settings.home == Path("/tmp/x")
    assert settings.port == 6000
    assert settings.region == "eu-west-1"
    assert settings.credentials == Credentials("AKID", "secret")
    assert "secret" not in repr(settings)


@pytest.mark.parametrize(
    "env",
    [
        {"LAKEHOSE_PORT": "eighty"},
        {"LAKEHOSE_PORT": "70000"},
        {"LAKEHOSE_REGION": "mars"},
        {"LAKEHOSE_ACCOUNT_ID": "123"},
        {"LAKEHOSE_ACCESS_KEY_ID": "only-half"},
        {"LAKEHOSE_STOP_TIMEOUT": "0"},
        {"LAKEHOSE_STOP_TIMEOUT": "soon"},
    ],
)
def test_bad_values_are_configuration_errors(env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        Settings.from_env(env)
