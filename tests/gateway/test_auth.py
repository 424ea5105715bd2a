"""With credentials configured, only requests signed with them get through."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.settings import Credentials, Settings
from tests.conftest import AwsTarget, InProcess, ServerProcess

KEY_ID = "AKIALAKEHOSETEST0001"
SECRET = "lakehose/secret/for+tests"
ONE_TRY = Config(retries={"total_max_attempts": 1})


@pytest.fixture(params=["inprocess", "server"])
def guarded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AwsTarget]:
    if request.param == "inprocess":
        settings = Settings(home=tmp_path / "home", credentials=Credentials(KEY_ID, SECRET))
        with Lakehose(settings=settings, background=False) as runtime:
            yield InProcess(runtime)
    else:
        process = ServerProcess(
            tmp_path / "home",
            env={"LAKEHOSE_ACCESS_KEY_ID": KEY_ID, "LAKEHOSE_SECRET_ACCESS_KEY": SECRET},
        )
        yield process
        process.stop()


def _client(target: AwsTarget, service: str, key: str, secret: str) -> Any:
    return target.client(
        service, aws_access_key_id=key, aws_secret_access_key=secret, config=ONE_TRY
    )


@pytest.mark.parametrize(
    ("service", "wrong_secret_code", "unknown_key_code", "status"),
    [
        ("kinesis", "InvalidSignatureException", "UnrecognizedClientException", 400),
        ("lambda", "InvalidSignatureException", "UnrecognizedClientException", 403),
        ("s3", "SignatureDoesNotMatch", "InvalidAccessKeyId", 403),
    ],
)
def test_signatures_are_checked(
    guarded: AwsTarget, service: str, wrong_secret_code: str, unknown_key_code: str, status: int
) -> None:
    def call(client: Any) -> Any:
        if service == "kinesis":
            return client.list_channels()
        if service == "lambda":
            return client.get_account_settings()
        return client.get_bucket_analytics_configuration(Bucket="bucket", Id="id")

    # A correctly signed request passes authentication and reaches the operation, which no
    # engine implements: that answer proves the signature was accepted.
    with pytest.raises(ClientError) as caught:
        call(_client(guarded, service, KEY_ID, SECRET))
    assert caught.value.response["Error"]["Code"] in ("UnknownOperationException", "NotImplemented")

    with pytest.raises(ClientError) as caught:
        call(_client(guarded, service, KEY_ID, "not-the-secret"))
    assert caught.value.response["Error"]["Code"] == wrong_secret_code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status

    with pytest.raises(ClientError) as caught:
        call(_client(guarded, service, "AKIANOBODYKNOWSTHIS0", SECRET))
    assert caught.value.response["Error"]["Code"] == unknown_key_code


def test_virtual_host_s3_request_is_verified_as_signed(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home", credentials=Credentials(KEY_ID, SECRET))
    with Lakehose(settings=settings, background=False) as lake:
        virtual = Config(s3={"addressing_style": "virtual"}, retries={"total_max_attempts": 1})
        s3 = lake.client("s3", config=virtual)
        with pytest.raises(ClientError) as caught:
            s3.get_bucket_analytics_configuration(Bucket="bucket", Id="id")
        assert caught.value.response["Error"]["Code"] == "NotImplemented"
        s3 = lake.client("s3", config=virtual, aws_secret_access_key="wrong")
        with pytest.raises(ClientError) as caught:
            s3.get_bucket_analytics_configuration(Bucket="bucket", Id="id")
        assert caught.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
