"""Keys STS issues sign requests when the server checks signatures, until they expire.

With ``LAKEHOSE_ACCESS_KEY_ID`` / ``LAKEHOSE_SECRET_ACCESS_KEY`` set, the gateway accepts the
configured key and the ``ASIA...`` keys of live AssumeRole sessions, as AWS accepts temporary
credentials; a session past its ``Expiration`` signs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.settings import Credentials, Settings

KEY_ID, SECRET = "AKIDLAKEHOSETEST0001", "configured-secret"
ROLE = "arn:aws:iam::000000000000:role/pipeline"


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[tuple[Lakehose, ManualClock]]:
    # botocore signs with the real time, which the server's clock must agree with.
    clock = ManualClock(time.time())
    settings = Settings(home=tmp_path / "home", credentials=Credentials(KEY_ID, SECRET))
    with Lakehose(settings=settings, clock=clock, background=False) as lake:
        yield lake, clock


def test_a_session_key_signs_until_it_expires(guarded: tuple[Lakehose, ManualClock]) -> None:
    lake, clock = guarded
    assumed = lake.client("sts").assume_role(
        RoleArn=ROLE, RoleSessionName="loader", DurationSeconds=900
    )["Credentials"]
    session = lake.client(
        "kinesis",
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    )
    session.create_stream(StreamName="loaded", ShardCount=1)
    assert lake.client("kinesis").list_streams()["StreamNames"] == ["loaded"]
    identity = lake.client(
        "sts",
        aws_access_key_id=assumed["AccessKeyId"],
        aws_secret_access_key=assumed["SecretAccessKey"],
        aws_session_token=assumed["SessionToken"],
    ).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::000000000000:assumed-role/pipeline/loader"

    # Moving the server's clock past the expiry would also put botocore's signing time more
    # than 5 minutes behind it, so the expiry is checked where the gateway asks for the secret.
    assert lake.secret_for(assumed["AccessKeyId"]) == assumed["SecretAccessKey"]
    clock.advance(900)
    assert lake.secret_for(assumed["AccessKeyId"]) is None
    assert lake.secret_for(KEY_ID) == SECRET


def test_a_made_up_temporary_key_is_refused(guarded: tuple[Lakehose, ManualClock]) -> None:
    lake, _ = guarded
    forged = lake.client(
        "kinesis",
        aws_access_key_id="ASIAFORGEDFORGED0000",
        aws_secret_access_key=SECRET,
        aws_session_token="token",
    )
    with pytest.raises(ClientError) as caught:
        forged.list_streams()
    assert caught.value.response["Error"]["Code"] == "UnrecognizedClientException"
