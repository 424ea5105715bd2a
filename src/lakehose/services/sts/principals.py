"""Who a caller is: the account's root, or a role session, and how STS spells their ids.

lakehose has no IAM, so every role exists: a role is whatever a syntactically valid ARN of
resource type ``role`` names. Its role id (``AROA`` and 17 characters, as IAM's are) is derived
from the ARN, so one role keeps one id across sessions and restarts, as a real role does.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from lakehose.arns import Arn, InvalidArn, parse_arn
from lakehose.services.sts.errors import AccessDenied, ValidationError

ROLE_ID_PREFIX = "AROA"
_ROLE_ID_LENGTH = 17


@dataclass(frozen=True)
class Identity:
    """What GetCallerIdentity answers: ``UserId``, ``Account`` and ``Arn``."""

    user_id: str
    account_id: str
    arn: str

    def document(self) -> dict[str, str]:
        return {"UserId": self.user_id, "Account": self.account_id, "Arn": self.arn}


@dataclass(frozen=True)
class Role:
    arn: str
    partition: str
    account_id: str
    name: str  # the last path segment: ``role/a/b/name`` is ``name``

    @property
    def role_id(self) -> str:
        digest = base64.b32encode(hashlib.sha256(self.arn.encode()).digest()).decode("ascii")
        return ROLE_ID_PREFIX + digest[:_ROLE_ID_LENGTH]

    def session(self, session_name: str) -> Identity:
        """The assumed-role principal: role id and role name (without path) plus the session."""
        arn = str(
            Arn(
                self.partition,
                "sts",
                "",
                self.account_id,
                f"assumed-role/{self.name}/{session_name}",
            )
        )
        return Identity(f"{self.role_id}:{session_name}", self.account_id, arn)


def root(account_id: str) -> Identity:
    """The account's root user, whom long-term keys belong to here (there are no IAM users)."""
    return Identity(account_id, account_id, f"arn:aws:iam::{account_id}:root")


def parse_role(text: str, caller: Identity) -> Role:
    """The role ``text`` names; ``caller`` is who is told when it names something else.

    STS refuses an ARN without partition, service or resource, or with fewer than six parts, as
    ``ValidationError: <arn> is invalid``. An ARN that parses but names no role is one the caller
    may not assume. An ARN without an account is the caller's account.
    """
    try:
        arn = parse_arn(text)
    except InvalidArn:
        raise ValidationError.arn(text) from None
    if not arn.resource:
        raise ValidationError.arn(text)
    name = arn.resource_id.rsplit("/", 1)[-1]
    if arn.resource_type != "role" or not name:
        raise AccessDenied.assume(caller.arn, text)
    return Role(text, arn.partition, arn.account_id or caller.account_id, name)
