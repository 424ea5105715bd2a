"""STS's refusals, with the codes, types, statuses and messages AWS answers.

Sources: LocalStack's AWS-validated snapshots of STS (``test_sts_invalid_parameters``,
``test_assume_role_session_name_too_long``, ``test_assume_role_tag_validation``); users' logs of
real errors for the missing-member and chaining texts; AWS's common query errors for
``InvalidAction``.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.sts.conftest import ACCOUNT

ROLE = "arn:aws:iam::111122223333:role/target"
PATTERN = r"[\w+=,.@-]*"


def _error(call: Any, **params: Any) -> tuple[dict[str, Any], int]:
    with pytest.raises(ClientError) as caught:
        call(**params)
    response = caught.value.response
    assert response["ResponseMetadata"]["RequestId"]
    return response["Error"], response["ResponseMetadata"]["HTTPStatusCode"]


def _validation(message: str) -> tuple[dict[str, str], int]:
    return {"Type": "Sender", "Code": "ValidationError", "Message": message}, 400


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"RoleArn": ROLE, "RoleSessionName": "Session1:2"},
            "1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to "
            f"satisfy constraint: Member must satisfy regular expression pattern: {PATTERN}",
        ),
        (
            {"RoleArn": ROLE, "RoleSessionName": "s" * 65},
            f"1 validation error detected: Value '{'s' * 65}' at 'roleSessionName' failed to "
            "satisfy constraint: Member must have length less than or equal to 64",
        ),
        (
            {"RoleArn": ROLE, "RoleSessionName": "ok", "DurationSeconds": 899},
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value greater than or equal to 900",
        ),
        (
            {"RoleArn": ROLE, "RoleSessionName": "ok", "DurationSeconds": 43201},
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy "
            "constraint: Member must have value less than or equal to 43200",
        ),
        (
            {"RoleArn": ROLE},
            "1 validation error detected: Value null at 'roleSessionName' failed to satisfy "
            "constraint: Member must not be null",
        ),
    ],
    ids=["session-name-pattern", "session-name-length", "too-short", "too-long", "missing"],
)
def test_model_constraints_are_validation_errors(
    unchecked_sts: Any, params: dict[str, Any], message: str
) -> None:
    assert _error(unchecked_sts.assume_role, **params) == _validation(message)


@pytest.mark.parametrize(
    "arn",
    [
        "nothing-valid-in-here",
        "arn::b:::something/test-role",
        "arn:a::::something/test-role",
        "arn:a:::something/test-role",
        "arn:a:a::aaaaaaaaaa:",
    ],
)
def test_malformed_role_arns(unchecked_sts: Any, arn: str) -> None:
    found = _error(unchecked_sts.assume_role, RoleArn=arn, RoleSessionName="Session1")
    assert found == _validation(f"{arn} is invalid")


def test_an_arn_that_names_no_role_cannot_be_assumed(sts: Any) -> None:
    user = "arn:aws:iam::111122223333:user/alice"
    error, status = _error(sts.assume_role, RoleArn=user, RoleSessionName="s1")
    assert (error["Code"], status) == ("AccessDenied", 403)
    assert error["Message"] == (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: sts:AssumeRole on "
        f"resource: {user}"
    )


@pytest.mark.parametrize(
    ("tags", "transitive", "message"),
    [
        (
            [{"Key": "Team", "Value": "a"}, {"Key": "team", "Value": "b"}],
            [],
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ),
        (
            [{"Key": "team", "Value": "a"}],
            ["project"],
            "The specified transitive tag key must be included in the requested tags.",
        ),
    ],
    ids=["duplicate-keys", "transitive-not-tagged"],
)
def test_session_tags_must_agree(
    sts: Any, tags: list[dict[str, str]], transitive: list[str], message: str
) -> None:
    found = _error(
        sts.assume_role,
        RoleArn=ROLE,
        RoleSessionName="tagged",
        Tags=tags,
        TransitiveTagKeys=transitive,
    )
    assert found == ({"Type": "Sender", "Code": "InvalidParameterValue", "Message": message}, 400)


def test_a_session_policy_must_be_json(sts: Any) -> None:
    error, status = _error(sts.assume_role, RoleArn=ROLE, RoleSessionName="policy", Policy="{nope")
    assert (error["Code"], status) == ("MalformedPolicyDocument", 400)
    with pytest.raises(sts.exceptions.MalformedPolicyDocumentException):
        sts.assume_role(RoleArn=ROLE, RoleSessionName="policy", Policy="[]")


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("get_session_token", {}),
        ("decode_authorization_message", {"EncodedMessage": "opaque"}),
        ("get_federation_token", {"Name": "bob"}),
    ],
)
def test_unimplemented_operations_are_invalid_actions(
    sts: Any, operation: str, params: dict[str, Any]
) -> None:
    error, status = _error(getattr(sts, operation), **params)
    assert (error["Type"], error["Code"], status) == ("Sender", "InvalidAction", 400)


def test_unsupported_parameters_are_refused_not_dropped(unchecked_sts: Any) -> None:
    found = _error(
        unchecked_sts.assume_role,
        RoleArn=ROLE,
        RoleSessionName="min",
        MinimumSessionTokenSize=100,
    )
    message = "lakehose does not support the parameter MinimumSessionTokenSize of AssumeRole"
    assert found == _validation(message)
