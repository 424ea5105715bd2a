"""GetCallerIdentity and AssumeRole: who a key belongs to, and what a role session looks like.

Shapes follow AWS: a long-term key is the account's root (``arn:aws:iam::<account>:root``, the
account id as UserId); a role session is ``arn:aws:sts::<role account>:assumed-role/<role>/
<session>`` with UserId ``<AROA role id>:<session>`` (LocalStack's AWS-validated snapshots of
``test_get_caller_identity_with_assumed_role_credentials``; AWS CLI outputs users published).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from tests.clients.awscli import aws_json
from tests.conftest import ServerProcess
from tests.sts.conftest import ACCOUNT, ROLE_ACCOUNT, SessionClient

ROLE = f"arn:aws:iam::{ROLE_ACCOUNT}:role/service-role/deployer"
ROLE_ID = re.compile(r"AROA[A-Z0-9]{17}")


def _identity(response: dict[str, Any]) -> dict[str, Any]:
    assert set(response) == {"UserId", "Account", "Arn", "ResponseMetadata"}
    return {key: response[key] for key in ("UserId", "Account", "Arn")}


def test_a_long_term_key_is_the_account_root(sts: Any) -> None:
    assert _identity(sts.get_caller_identity()) == {
        "UserId": ACCOUNT,
        "Account": ACCOUNT,
        "Arn": f"arn:aws:iam::{ACCOUNT}:root",
    }


def test_assumed_role_credentials_call_as_the_role(
    sts: Any, as_session: SessionClient, name: str
) -> None:
    assumed = sts.assume_role(RoleArn=ROLE, RoleSessionName=name)
    credentials = assumed["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", credentials["AccessKeyId"])
    assert len(credentials["SecretAccessKey"]) == 40
    assert credentials["SessionToken"]
    # The default duration is an hour (the server runs on the system clock).
    remaining = credentials["Expiration"].timestamp() - time.time()
    assert 3600 - 120 < remaining <= 3600
    user = assumed["AssumedRoleUser"]
    # The role's path is not part of the assumed-role ARN; the account is the role's.
    assert user["Arn"] == f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/deployer/{name}"
    role_id, _, session = user["AssumedRoleId"].partition(":")
    assert ROLE_ID.fullmatch(role_id) and session == name
    assert "PackedPolicySize" not in assumed

    assert _identity(as_session(credentials).get_caller_identity()) == {
        "UserId": user["AssumedRoleId"],
        "Account": ROLE_ACCOUNT,
        "Arn": user["Arn"],
    }
    # One role keeps one role id across sessions.
    again = sts.assume_role(RoleArn=ROLE, RoleSessionName="second")
    assert again["AssumedRoleUser"]["AssumedRoleId"] == f"{role_id}:second"
    assert again["Credentials"]["AccessKeyId"] != credentials["AccessKeyId"]


def test_session_policy_and_tags_report_a_packed_size(sts: Any) -> None:
    policy = '{"Version": "2012-10-17", "Statement": []}'
    tags = [{"Key": "team", "Value": "data"}]
    assumed = sts.assume_role(RoleArn=ROLE, RoleSessionName="packed", Policy=policy, Tags=tags)
    assert 0 < assumed["PackedPolicySize"] <= 100
    echoed = sts.assume_role(RoleArn=ROLE, RoleSessionName="source", SourceIdentity="alice")
    assert echoed["SourceIdentity"] == "alice"


def test_role_chaining_is_limited_to_an_hour(sts: Any, as_session: SessionClient) -> None:
    first = as_session(sts.assume_role(RoleArn=ROLE, RoleSessionName="hop1")["Credentials"])
    with pytest.raises(ClientError) as caught:
        first.assume_role(RoleArn=ROLE, RoleSessionName="hop2", DurationSeconds=3601)
    assert caught.value.response["Error"] == {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "The requested DurationSeconds exceeds the 1 hour session limit for roles "
        "assumed by role chaining.",
    }
    other = "arn:aws:iam::444455556666:role/next"
    second = first.assume_role(RoleArn=other, RoleSessionName="hop2", DurationSeconds=3600)
    identity = as_session(second["Credentials"]).get_caller_identity()
    assert identity["Arn"] == "arn:aws:sts::444455556666:assumed-role/next/hop2"


def test_expiration_follows_the_clock_and_expired_sessions_are_refused(lake: Lakehose) -> None:
    sts = lake.client("sts")
    assumed = sts.assume_role(RoleArn=ROLE, RoleSessionName="short", DurationSeconds=900)
    credentials = assumed["Credentials"]
    assert credentials["Expiration"] == datetime.fromtimestamp(lake.clock.now() + 900, UTC)
    session = lake.client(
        "sts",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    lake.advance(899)
    assert session.get_caller_identity()["Arn"].endswith("assumed-role/deployer/short")
    lake.advance(1)
    with pytest.raises(ClientError) as caught:
        session.get_caller_identity()
    assert caught.value.response["Error"]["Code"] == "ExpiredToken"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sessions_survive_a_restart(tmp_path: Path) -> None:
    with Lakehose(home=tmp_path, background=False) as lake:
        credentials = lake.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="durable")[
            "Credentials"
        ]
    with Lakehose(home=tmp_path, background=False) as lake:
        session = lake.client(
            "sts",
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )
        assert session.get_caller_identity()["Arn"].endswith("assumed-role/deployer/durable")


@pytest.mark.server
def test_aws_cli_get_caller_identity(server: ServerProcess, tmp_path: Path) -> None:
    assert aws_json(server, tmp_path, "sts", "get-caller-identity") == {
        "UserId": ACCOUNT,
        "Account": ACCOUNT,
        "Arn": f"arn:aws:iam::{ACCOUNT}:root",
    }
