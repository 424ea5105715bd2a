"""Types lakehose records without enforcing: IAM, CDK metadata.

lakehose has no IAM (every request is allowed), so these resources are not created anywhere.
They still get CloudFormation's physical ids and attributes (an IAM role's ``Arn``), because
other resources refer to them: a Lambda function's ``Role``, a delivery stream's ``RoleARN``.
``lakehose stacks`` shows them as not enforced.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from lakehose.deploy.resources.base import (
    REPLACE,
    Attributes,
    Context,
    ResourceHandler,
    UpdateResult,
)


class Recorded(ResourceHandler):
    """Recorded only: a physical id (explicit or generated) and synthesized attributes."""

    properties = None
    enforced = False
    note = "not enforced"
    # The property holding an explicit name.
    name_key: ClassVar[str | None] = None
    name_length = 64

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get(self.name_key) if self.name_key else None

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        return self.physical_id(name, ctx), self.attributes(name, props, ctx)

    def planned_id(self, props: Mapping[str, Any], ctx: Context) -> str:
        return self.physical_id(self.physical_name(props, ctx), ctx)

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> UpdateResult:
        if self.name_property(old) != self.name_property(new):
            return REPLACE
        name = self.name_property(new) or self.name_of(physical_id)
        return self.attributes(name, new, ctx)

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        """Nothing exists to delete."""

    def physical_id(self, name: str, ctx: Context) -> str:
        return name

    def name_of(self, physical_id: str) -> str:
        return physical_id

    def attributes(self, name: str, props: Mapping[str, Any], ctx: Context) -> Attributes:
        return {}


class IamRole(Recorded):
    type = "AWS::IAM::Role"
    name_key = "RoleName"

    def attributes(self, name: str, props: Mapping[str, Any], ctx: Context) -> Attributes:
        path = props.get("Path", "/")
        return {
            "Arn": ctx.arn("iam", f"role{path}{name}", region=False),
            "RoleId": "AROA" + ctx.ids.alphanumeric(17),
        }


class IamPolicy(Recorded):
    type = "AWS::IAM::Policy"

    def attributes(self, name: str, props: Mapping[str, Any], ctx: Context) -> Attributes:
        return {"Id": name}


class IamManagedPolicy(Recorded):
    type = "AWS::IAM::ManagedPolicy"
    name_key = "ManagedPolicyName"
    name_length = 128

    # Ref of a managed policy is its ARN.
    def physical_id(self, name: str, ctx: Context) -> str:
        return ctx.arn("iam", f"policy/{name}", region=False)

    def name_of(self, physical_id: str) -> str:
        return physical_id.rpartition("/")[2]

    def attributes(self, name: str, props: Mapping[str, Any], ctx: Context) -> Attributes:
        return {
            "PolicyArn": ctx.arn("iam", f"policy/{name}", region=False),
            "PolicyId": "ANPA" + ctx.ids.alphanumeric(17),
        }


class CdkMetadata(Recorded):
    type = "AWS::CDK::Metadata"
    note = "CDK metadata, recorded"

    # Ref of CDK metadata is a UUID.
    def physical_id(self, name: str, ctx: Context) -> str:
        return ctx.request_token()


class NativeProvider(Recorded):
    """The Lambda function behind a custom resource lakehose handles natively: never created."""

    type = "AWS::Lambda::Function"
    name_key = "FunctionName"
    note = "custom resource provider, handled natively (not run)"

    def attributes(self, name: str, props: Mapping[str, Any], ctx: Context) -> Attributes:
        return {"Arn": ctx.arn("lambda", f"function:{name}")}
