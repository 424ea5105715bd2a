"""The function's resource-based policy: AddPermission, RemovePermission, GetPolicy.

Statements are stored and returned as AWS writes them; lakehose does not evaluate them (no caller
is ever denied), which ``docs/deviations.md`` records. A statement looks like::

    {"Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
     "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:...:function:f",
     "Condition": {"StringEquals": {"AWS:SourceAccount": "123456789012"},
                   "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}}}

and GetPolicy wraps them in ``{"Version": "2012-10-17", "Id": "default", "Statement": [...]}``.
A policy change is a change of the function: it gets a new ``RevisionId``, which GetPolicy returns.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from lakehose.services.awslambda import store
from lakehose.services.awslambda.base import LambdaBase
from lakehose.services.awslambda.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from lakehose.services.awslambda.store import FunctionRecord

_ACCOUNT = re.compile(r"\d{12}")


class PolicyOperations(LambdaBase):
    def add_permission(
        self,
        *,
        function_name: str,
        statement_id: str,
        action: str,
        principal: str,
        source_arn: str | None = None,
        source_account: str | None = None,
        event_source_token: str | None = None,
        principal_org_id: str | None = None,
        function_url_auth_type: str | None = None,
        qualifier: str | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            record, effective = self._find_function(connection, function_name, qualifier)
            if revision_id is not None and revision_id != record.revision_id:
                raise PreconditionFailedException.policy_revision()
            statement: dict[str, Any] = {
                "Sid": statement_id,
                "Effect": "Allow",
                "Principal": _principal(principal),
                "Action": action,
                "Resource": self.names.arn(record.name, effective),
            }
            condition = _condition(
                function_url_auth_type=function_url_auth_type,
                principal_org_id=principal_org_id,
                source_account=source_account,
                event_source_token=event_source_token,
                source_arn=source_arn,
            )
            if condition:
                statement["Condition"] = condition
            if not store.add_statement(connection, record.name, statement_id, statement):
                raise ResourceConflictException.statement_exists(statement_id)
            self._touch(connection, record)
        return {"Statement": orjson.dumps(statement).decode()}

    def remove_permission(
        self,
        *,
        function_name: str,
        statement_id: str,
        qualifier: str | None = None,
        revision_id: str | None = None,
    ) -> None:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, function_name, qualifier)
            if not store.statements(connection, record.name):
                raise ResourceNotFoundException.no_policy_to_remove()
            if revision_id is not None and revision_id != record.revision_id:
                raise PreconditionFailedException.policy_revision()
            if not store.remove_statement(connection, record.name, statement_id):
                raise ResourceNotFoundException.statement(statement_id)
            self._touch(connection, record)

    def get_policy(self, *, function_name: str, qualifier: str | None = None) -> dict[str, Any]:
        with self.db.read() as connection:
            record, _ = self._find_function(connection, function_name, qualifier)
            statements = store.statements(connection, record.name)
        if not statements:
            raise ResourceNotFoundException.no_resource()
        document = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
        return {"Policy": orjson.dumps(document).decode(), "RevisionId": record.revision_id}

    def _touch(self, connection: Any, record: FunctionRecord) -> None:
        store.save_function(connection, record.replace(revision_id=self.ids.uuid4()))


def _principal(principal: str) -> str | dict[str, str]:
    """The statement's ``Principal`` as AWS normalizes what AddPermission was given."""
    if principal == "*":
        return principal
    if principal.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return {"Service": principal}
    if _ACCOUNT.fullmatch(principal):
        return {"AWS": f"arn:aws:iam::{principal}:root"}
    if principal.startswith("arn:"):
        return {"AWS": principal}
    raise InvalidParameterValueException(
        "The provided principal was invalid. Please check the principal and try again."
    )


def _condition(
    *,
    function_url_auth_type: str | None,
    principal_org_id: str | None,
    source_account: str | None,
    event_source_token: str | None,
    source_arn: str | None,
) -> dict[str, dict[str, str]]:
    equals = {
        key: value
        for key, value in (
            ("lambda:FunctionUrlAuthType", function_url_auth_type),
            ("aws:PrincipalOrgID", principal_org_id),
            ("AWS:SourceAccount", source_account),
            ("lambda:EventSourceToken", event_source_token),
        )
        if value is not None
    }
    condition: dict[str, dict[str, str]] = {}
    if equals:
        condition["StringEquals"] = equals
    if source_arn is not None:
        condition["ArnLike"] = {"AWS:SourceArn": source_arn}
    return condition
