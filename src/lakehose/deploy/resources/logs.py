"""AWS::Logs::LogGroup and CDK's ``Custom::LogRetention``, created in the local CloudWatch Logs.

A log group's ``Ref`` is its name and its ``Arn`` attribute ends in ``:*``, as CloudFormation
reports them. ``RetentionInDays`` and ``Tags`` change in place; a new name or class replaces the
group. ``Custom::LogRetention`` (what aws-cdk-lib's ``logRetention`` option deploys) sets the
retention of a group it creates when missing, and leaves the group when deleted, as CDK's
provider does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.deploy.resources.base import (
    Attributes,
    Context,
    ResourceHandler,
    changed,
    removed_tag_keys,
    tag_list_to_map,
)


class LogGroup(ResourceHandler):
    type = "AWS::Logs::LogGroup"
    ignored = frozenset({"DataProtectionPolicy", "FieldIndexPolicies", "ResourcePolicyDocument"})
    properties = frozenset(
        {"LogGroupName", "RetentionInDays", "KmsKeyId", "Tags", "LogGroupClass", *ignored}
    )
    replacement = frozenset({"LogGroupName", "LogGroupClass"})
    missing = ("ResourceNotFoundException",)

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get("LogGroupName")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = props.get("LogGroupName") or ctx.physical_name(512)
        logs = ctx.client("logs")
        arguments: dict[str, Any] = {"logGroupName": name}
        if props.get("KmsKeyId"):
            arguments["kmsKeyId"] = str(props["KmsKeyId"])
        if props.get("LogGroupClass"):
            arguments["logGroupClass"] = str(props["LogGroupClass"])
        if props.get("Tags"):
            arguments["tags"] = tag_list_to_map(props["Tags"])
        logs.create_log_group(**arguments)
        if "RetentionInDays" in props:
            logs.put_retention_policy(
                logGroupName=name, retentionInDays=int(props["RetentionInDays"])
            )
        return name, _attributes(name, ctx)

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        logs = ctx.client("logs")
        if changed(old, new, "RetentionInDays"):
            if "RetentionInDays" in new:
                logs.put_retention_policy(
                    logGroupName=physical_id, retentionInDays=int(new["RetentionInDays"])
                )
            else:
                logs.delete_retention_policy(logGroupName=physical_id)
        if changed(old, new, "Tags"):
            arn = _attributes(physical_id, ctx)["Arn"].removesuffix(":*")
            if removed := removed_tag_keys(old, new):
                logs.untag_resource(resourceArn=arn, tagKeys=removed)
            if new.get("Tags"):
                logs.tag_resource(resourceArn=arn, tags=tag_list_to_map(new["Tags"]))
        return _attributes(physical_id, ctx)

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("logs").delete_log_group(logGroupName=physical_id)


class LogRetention(ResourceHandler):
    """CDK's ``logRetention``: a custom resource setting a log group's retention."""

    type = "Custom::LogRetention"
    properties = None
    note = "log retention, handled natively"

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = str(props["LogGroupName"])
        self._apply(name, props, ctx)
        return name, {}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        self._apply(physical_id, new, ctx)
        return {}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        """The group stays, with its events, as CDK's provider leaves it."""

    @staticmethod
    def _apply(name: str, props: Mapping[str, Any], ctx: Context) -> None:
        logs = ctx.client("logs")
        # A group's own name sorts first among the names it prefixes.
        first = logs.describe_log_groups(logGroupNamePrefix=name, limit=1)["logGroups"]
        if not first or first[0]["logGroupName"] != name:
            logs.create_log_group(logGroupName=name)
        days = props.get("RetentionInDays")
        if days is None or str(days) == "Infinity":
            logs.delete_retention_policy(logGroupName=name)
        else:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(days))


def _attributes(name: str, ctx: Context) -> Attributes:
    return {"Arn": ctx.arn("logs", f"log-group:{name}:*")}
