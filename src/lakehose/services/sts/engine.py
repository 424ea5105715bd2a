"""The STS engine: who is calling, and temporary credentials for roles.

Tools ask STS before anything else (the AWS CLI's ``sts get-caller-identity``, CDK and Terraform
for the account id, awswrangler for the account and partition); CI pipelines and credential
providers assume roles. lakehose has no IAM, so:

- A long-term key (anything STS did not issue) belongs to the account's root user, the account
  being ``LAKEHOSE_ACCOUNT_ID`` (default ``000000000000``).
- Every role exists and may be assumed by anyone; trust policies, session policies, tags,
  external ids and MFA codes are accepted and checked for form only, never enforced.
- Issued sessions are stored, so a call signed with a session's key answers GetCallerIdentity
  as the assumed role, and is refused with ``ExpiredToken`` once the session expired by the
  engine's clock.

Every other STS operation has no method here, so the gateway answers it as not implemented.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

import orjson

from lakehose.services.engine import SqliteEngine
from lakehose.services.sts import store
from lakehose.services.sts.credentials import credentials_document, new_session
from lakehose.services.sts.errors import (
    ExpiredToken,
    InvalidParameterValue,
    MalformedPolicyDocument,
    ValidationError,
)
from lakehose.services.sts.principals import Identity, Role, parse_role, root
from lakehose.services.sts.web_identity import token_claims, token_fields
from lakehose.storage import Migration

DEFAULT_DURATION_SECONDS = 3600
# Role chaining (a session assuming a role) is limited to one hour, whatever the role allows.
CHAINED_MAX_SECONDS = 3600
# The plaintext budget of session policies that PackedPolicySize is a percentage of.
_PACKED_POLICY_BUDGET = 2048


class Caller(Protocol):
    """What STS reads from the gateway's request context (engines do not import it)."""

    @property
    def account_id(self) -> str: ...

    @property
    def access_key_id(self) -> str | None: ...


class STSEngine(SqliteEngine):
    """AWS STS's identity and role-session operations on a SQLite database of sessions."""

    service_name: ClassVar[str] = "sts"
    database_file: ClassVar[str] = "sts.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS
    PORT_METHODS: ClassVar[frozenset[str]] = frozenset({"session"})

    # -- operations -------------------------------------------------------------------------

    def get_caller_identity(self, *, context: Caller) -> dict[str, Any]:
        return self._caller(context).document()

    def assume_role(
        self,
        *,
        role_arn: str,
        role_session_name: str,
        context: Caller,
        duration_seconds: int | None = None,
        policy: str | None = None,
        policy_arns: list[dict[str, Any]] | None = None,
        tags: list[dict[str, str]] | None = None,
        transitive_tag_keys: list[str] | None = None,
        external_id: str | None = None,
        serial_number: str | None = None,
        token_code: str | None = None,
        source_identity: str | None = None,
        provided_contexts: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A session of ``role_arn``; ExternalId, MFA and provided contexts are not checked."""
        signed = self._signing_session(context)
        caller = signed.identity if signed is not None else root(context.account_id)
        role = parse_role(role_arn, caller)
        duration = DEFAULT_DURATION_SECONDS if duration_seconds is None else duration_seconds
        if signed is not None and duration > CHAINED_MAX_SECONDS:
            raise ValidationError.chained_duration()
        _check_tags(tags or [], transitive_tag_keys or [])
        result = self._issue(role, role_session_name, duration, policy)
        packed = _packed_policy_size(policy, policy_arns, tags)
        if packed is not None:
            result["PackedPolicySize"] = packed
        if source_identity is not None:
            result["SourceIdentity"] = source_identity
        return result

    def assume_role_with_web_identity(
        self,
        *,
        role_arn: str,
        role_session_name: str,
        web_identity_token: str,
        context: Caller,
        provider_id: str | None = None,
        policy: str | None = None,
        policy_arns: list[dict[str, Any]] | None = None,
        duration_seconds: int | None = None,
    ) -> dict[str, Any]:
        """A session of ``role_arn`` for whoever the token names; the token is not verified.

        The call needs no AWS credentials (clients send it unsigned), so a role is assumed on
        behalf of the account it belongs to, never as a chained session.
        """
        role = parse_role(role_arn, root(context.account_id))
        duration = DEFAULT_DURATION_SECONDS if duration_seconds is None else duration_seconds
        result = self._issue(role, role_session_name, duration, policy)
        packed = _packed_policy_size(policy, policy_arns, None)
        if packed is not None:
            result["PackedPolicySize"] = packed
        result.update(token_fields(token_claims(web_identity_token), provider_id, role))
        return result

    # -- port-facing (the runtime checks signatures with a session's secret) ----------------

    def session(self, access_key_id: str) -> store.Session | None:
        """The session ``access_key_id`` belongs to, expired or not; ``None`` for other keys."""
        with self.db.read() as connection:
            return store.find_session(connection, access_key_id)

    # -- internals --------------------------------------------------------------------------

    def _signing_session(self, context: Caller) -> store.Session | None:
        """The live session whose key signed the request; ``None`` for a long-term key."""
        if context.access_key_id is None:
            return None
        found = self.session(context.access_key_id)
        if found is not None and found.expires <= self.clock.now():
            raise ExpiredToken.session()
        return found

    def _caller(self, context: Caller) -> Identity:
        """Who signed the request: a session's role, else the account's root."""
        signed = self._signing_session(context)
        return signed.identity if signed is not None else root(context.account_id)

    def _issue(
        self, role: Role, session_name: str, duration: int, policy: str | None
    ) -> dict[str, Any]:
        _check_policy(policy)
        now = self.clock.now()
        identity = role.session(session_name)
        issued = new_session(self.ids, identity, now + duration)
        with self.db.transaction() as connection:
            store.put_session(connection, issued, now)
        return {
            "Credentials": credentials_document(issued),
            "AssumedRoleUser": {"AssumedRoleId": identity.user_id, "Arn": identity.arn},
        }


def _check_policy(policy: str | None) -> None:
    """A session policy must be a JSON object; what it allows is not enforced."""
    if policy is None:
        return
    try:
        document = orjson.loads(policy)
    except orjson.JSONDecodeError:
        raise MalformedPolicyDocument.not_json() from None
    if not isinstance(document, dict):
        raise MalformedPolicyDocument.not_json()


def _check_tags(tags: list[dict[str, str]], transitive_keys: list[str]) -> None:
    """Tag keys are case-insensitive and unique; transitive keys must be among them."""
    keys = [str(tag.get("Key", "")).lower() for tag in tags]
    if len(set(keys)) != len(keys):
        raise InvalidParameterValue.duplicate_tags()
    if any(key.lower() not in keys for key in transitive_keys):
        raise InvalidParameterValue.transitive_key()


def _packed_policy_size(
    policy: str | None,
    policy_arns: list[dict[str, Any]] | None,
    tags: list[dict[str, str]] | None,
) -> int | None:
    """An estimate of AWS's ``PackedPolicySize``: the compressed session policies and tags as a
    percentage of the 2048-character budget; ``None`` when the request passed none of them."""
    if policy is None and not policy_arns and not tags:
        return None
    packed = orjson.dumps([policy, policy_arns or [], tags or []])
    return math.ceil(100 * len(zlib.compress(packed)) / _PACKED_POLICY_BUDGET)
