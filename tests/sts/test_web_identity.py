"""AssumeRoleWithWebIdentity: a role session for whoever a (not verified) token names.

The fields follow AWS's answers as users published them from EKS (IRSA) and SPIRE:
``SubjectFromWebIdentityToken`` is the token's ``sub``, ``Audience`` its ``aud``, ``Provider`` the
IAM OIDC provider ARN of its ``iss`` in the role's account.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget
from tests.sts.conftest import ROLE_ACCOUNT, SessionClient

ROLE = f"arn:aws:iam::{ROLE_ACCOUNT}:role/eks-reader"
ISSUER = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
SUBJECT = "system:serviceaccount:default:reader"


def _jwt(claims: dict[str, Any]) -> str:
    """A JWT with an unverifiable signature: lakehose reads claims without checking it."""

    def part(document: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(document).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'kid': 'k'})}.{part(claims)}.c2lnbmF0dXJl"


@pytest.fixture
def signed_sts(aws: AwsTarget) -> Any:
    """An STS client that signs AssumeRoleWithWebIdentity, which SDKs send unsigned.

    AWS accepts it signed too; see ``test_unsigned_request_from_an_sdk`` for the unsigned path.
    """
    client = aws.client("sts")
    client.meta.events.register_first(
        "choose-signer.sts.AssumeRoleWithWebIdentity", lambda **_: "v4", unique_id="sign-it"
    )
    return client


def test_oidc_token_fields_and_caller_identity(signed_sts: Any, as_session: SessionClient) -> None:
    token = _jwt({"iss": ISSUER, "sub": SUBJECT, "aud": "sts.amazonaws.com", "exp": 1})
    assumed = signed_sts.assume_role_with_web_identity(
        RoleArn=ROLE, RoleSessionName="pod", WebIdentityToken=token, DurationSeconds=900
    )
    assert assumed["SubjectFromWebIdentityToken"] == SUBJECT
    assert assumed["Audience"] == "sts.amazonaws.com"
    issuer_host = ISSUER.removeprefix("https://")
    assert assumed["Provider"] == f"arn:aws:iam::{ROLE_ACCOUNT}:oidc-provider/{issuer_host}"
    user = assumed["AssumedRoleUser"]
    assert user["Arn"] == f"arn:aws:sts::{ROLE_ACCOUNT}:assumed-role/eks-reader/pod"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":pod")
    assert assumed["Credentials"]["AccessKeyId"].startswith("ASIA")

    identity = as_session(assumed["Credentials"]).get_caller_identity()
    assert (identity["UserId"], identity["Arn"]) == (user["AssumedRoleId"], user["Arn"])


def test_opaque_oauth_token_reports_the_provider_id(signed_sts: Any) -> None:
    assumed = signed_sts.assume_role_with_web_identity(
        RoleArn=ROLE,
        RoleSessionName="app",
        WebIdentityToken="an-opaque-access-token",
        ProviderId="www.amazon.com",
    )
    assert assumed["Provider"] == "www.amazon.com"
    assert "SubjectFromWebIdentityToken" not in assumed
    assert "Audience" not in assumed


def test_token_length_follows_the_model(signed_sts: Any) -> None:
    with pytest.raises(ClientError) as caught:
        signed_sts.assume_role_with_web_identity(
            RoleArn=ROLE, RoleSessionName="app", WebIdentityToken="x" * 20001
        )
    # Only the code: whether AWS echoes a sensitive member's value in the message is unknown.
    assert caught.value.response["Error"]["Code"] == "ValidationError"


def test_unsigned_request_from_an_sdk(aws: AwsTarget) -> None:
    """botocore sends AssumeRoleWithWebIdentity unsigned (the model says noAuth); AWS takes it."""
    client = aws.client("sts")
    sent: list[bool] = []
    client.meta.events.register_first(
        "before-send.sts.*", lambda request, **_: sent.append("Authorization" in request.headers)
    )
    assumed = client.assume_role_with_web_identity(
        RoleArn=ROLE, RoleSessionName="pod", WebIdentityToken=_jwt({"sub": SUBJECT})
    )
    assert sent == [False]
    assert assumed["SubjectFromWebIdentityToken"] == SUBJECT
