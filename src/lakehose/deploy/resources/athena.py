"""AWS::Athena::WorkGroup and AWS::Athena::NamedQuery.

CloudFormation's ``WorkGroupConfiguration`` is CreateWorkGroup's ``Configuration``; on update it
becomes UpdateWorkGroup's ``ConfigurationUpdates``, where a setting the template no longer has
must be removed explicitly (``RemoveOutputLocation`` and the like).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.deploy.errors import error_code
from lakehose.deploy.resources.base import (
    Attributes,
    Context,
    ResourceHandler,
    changed,
    removed_tag_keys,
)
from lakehose.deploy.resources.shapes import api_arguments

# Settings of ResultConfiguration (and the configuration) that updates must remove by flag.
_REMOVABLE_RESULT = (
    "OutputLocation",
    "EncryptionConfiguration",
    "ExpectedBucketOwner",
    "AclConfiguration",
)


class AthenaWorkGroup(ResourceHandler):
    type = "AWS::Athena::WorkGroup"
    properties = frozenset(
        {"Name", "Description", "State", "Tags", "WorkGroupConfiguration", "RecursiveDeleteOption"}
    )
    replacement = frozenset({"Name"})

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get("Name")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = str(props["Name"])
        chosen = {key: props[key] for key in ("Description", "Tags") if key in props}
        if "WorkGroupConfiguration" in props:
            chosen["Configuration"] = props["WorkGroupConfiguration"]
        athena = ctx.client("athena")
        athena.create_work_group(
            Name=name, **api_arguments(ctx.client("athena"), "CreateWorkGroup", chosen)
        )
        if props.get("State", "ENABLED") != "ENABLED":
            athena.update_work_group(WorkGroup=name, State=props["State"])
        return name, self._attributes(name, ctx)

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        changes: dict[str, Any] = {}
        if changed(old, new, "Description"):
            changes["Description"] = new.get("Description", "")
        if changed(old, new, "State"):
            changes["State"] = new.get("State", "ENABLED")
        if changed(old, new, "WorkGroupConfiguration"):
            changes["ConfigurationUpdates"] = configuration_updates(
                old.get("WorkGroupConfiguration") or {}, new.get("WorkGroupConfiguration") or {}
            )
        athena = ctx.client("athena")
        if changes:
            arguments = api_arguments(ctx.client("athena"), "UpdateWorkGroup", changes)
            athena.update_work_group(WorkGroup=physical_id, **arguments)
        if changed(old, new, "Tags"):
            arn = ctx.arn("athena", f"workgroup/{physical_id}")
            if removed := removed_tag_keys(old, new):
                athena.untag_resource(ResourceARN=arn, TagKeys=removed)
            if new.get("Tags"):
                athena.tag_resource(ResourceARN=arn, Tags=new["Tags"])
        return self._attributes(physical_id, ctx)

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        athena = ctx.client("athena")
        # Athena answers InvalidRequestException both for "not found" and for "not empty", so
        # a delete of a workgroup that is gone is recognised by looking first.
        try:
            athena.get_work_group(WorkGroup=physical_id)
        except Exception as error:
            if error_code(error) == "InvalidRequestException":
                return
            raise
        recursive = str(props.get("RecursiveDeleteOption", "false")).lower() == "true"
        athena.delete_work_group(WorkGroup=physical_id, RecursiveDeleteOption=recursive)

    @staticmethod
    def _attributes(name: str, ctx: Context) -> Attributes:
        group = ctx.client("athena").get_work_group(WorkGroup=name)["WorkGroup"]
        engine = (group.get("Configuration") or {}).get("EngineVersion") or {}
        return {
            "CreationTime": group["CreationTime"].isoformat(),
            "WorkGroupConfiguration.EngineVersion.EffectiveEngineVersion": engine.get(
                "EffectiveEngineVersion", ""
            ),
        }


def configuration_updates(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    """UpdateWorkGroup's ``ConfigurationUpdates`` turning configuration ``old`` into ``new``."""
    updates = {key: value for key, value in new.items() if key != "ResultConfiguration"}
    before, after = old.get("ResultConfiguration") or {}, new.get("ResultConfiguration") or {}
    result: dict[str, Any] = dict(after)
    for name in _REMOVABLE_RESULT:
        if name in before and name not in after:
            result[f"Remove{name}"] = True
    if result:
        updates["ResultConfigurationUpdates"] = result
    if "BytesScannedCutoffPerQuery" in old and "BytesScannedCutoffPerQuery" not in new:
        updates["RemoveBytesScannedCutoffPerQuery"] = True
    return updates


class AthenaNamedQuery(ResourceHandler):
    type = "AWS::Athena::NamedQuery"
    properties = frozenset({"Database", "QueryString", "Name", "Description", "WorkGroup"})
    # Named queries cannot be changed through CloudFormation: any change makes a new one.
    replacement = properties
    missing = ("InvalidRequestException",)

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        # Not ``name_property``: query names need not be unique, so a named query can be replaced.
        chosen = {**props, "Name": props.get("Name") or ctx.physical_name(self.name_length)}
        arguments = api_arguments(ctx.client("athena"), "CreateNamedQuery", chosen)
        # Athena assigns the id; the token makes a repeated create answer the first one's.
        answer = ctx.client("athena").create_named_query(
            ClientRequestToken=ctx.request_token(), **arguments
        )
        query_id = str(answer["NamedQueryId"])
        return query_id, {"NamedQueryId": query_id}

    def planned_id(self, props: Mapping[str, Any], ctx: Context) -> str:
        return ""

    def undo_create(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        # The create's token finds the query it made, or makes it now, to be deleted at once.
        if not ctx.token:
            return  # recorded before creation tokens: nothing can be found
        try:
            found, _ = self.create(props, ctx)
        except Exception as error:
            if error_code(error) in self.missing:
                return  # its workgroup is gone, and the workgroup's queries with it
            raise
        self.delete(found, props, ctx)

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("athena").delete_named_query(NamedQueryId=physical_id)
