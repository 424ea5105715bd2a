"""CreateWorkGroup, GetWorkGroup, ListWorkGroups, UpdateWorkGroup, DeleteWorkGroup.

A workgroup's ``Configuration`` is kept with AWS's member names and shown back as given, with
the defaults Athena fills in (measured on ``primary`` by athena-local, 2026-09-17). Members that
change where or how queries run and that lakehose cannot honour (Spark engines, managed result
storage, execution roles, Identity Center) are refused rather than stored and ignored.
"""

from __future__ import annotations

import copy
from typing import Any

from lakehose.services.athena import store
from lakehose.services.athena.base import (
    ENGINE_VERSION,
    PRIMARY,
    AthenaBase,
    decode_token,
    encode_token,
    page_size,
    split_s3_location,
)
from lakehose.services.athena.errors import InvalidRequestException
from lakehose.services.athena.statuses import WorkGroupState
from lakehose.services.athena.store import WorkGroupRow

DEFAULT_CONFIGURATION: dict[str, Any] = {
    "EnforceWorkGroupConfiguration": False,
    "PublishCloudWatchMetricsEnabled": False,
    "RequesterPaysEnabled": False,
    "EngineVersion": ENGINE_VERSION,
}
# Members kept and shown back. The cutoff and the result configuration are enforced; the CloudWatch,
# requester-pays and minimum-encryption flags only describe the account, which is local here.
_KEPT = frozenset(
    {
        "ResultConfiguration",
        "EnforceWorkGroupConfiguration",
        "PublishCloudWatchMetricsEnabled",
        "BytesScannedCutoffPerQuery",
        "RequesterPaysEnabled",
        "EngineVersion",
        "EnableMinimumEncryptionConfiguration",
        "ManagedQueryResultsConfiguration",
    }
)
_ENGINE_VERSIONS = ("AUTO", ENGINE_VERSION["EffectiveEngineVersion"])


def checked_configuration(configuration: dict[str, Any]) -> dict[str, Any]:
    """A workgroup configuration with Athena's defaults filled in, or the reason it is refused."""
    for member in configuration:
        if member not in _KEPT:
            raise InvalidRequestException.unsupported(f"the workgroup setting {member}")
    managed = configuration.get("ManagedQueryResultsConfiguration", {})
    if managed.get("Enabled"):
        raise InvalidRequestException.unsupported("managed query results")
    location = configuration.get("ResultConfiguration", {}).get("OutputLocation")
    if location is not None:
        split_s3_location(location)
    selected = configuration.get("EngineVersion", {}).get("SelectedEngineVersion", "AUTO")
    if selected not in _ENGINE_VERSIONS:
        raise InvalidRequestException.unsupported(f"the engine version {selected!r}")
    effective = ENGINE_VERSION["EffectiveEngineVersion"]
    engine = {"SelectedEngineVersion": selected, "EffectiveEngineVersion": effective}
    return {**copy.deepcopy(DEFAULT_CONFIGURATION), **configuration, "EngineVersion": engine}


def updated_configuration(current: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """``current`` with UpdateWorkGroup's ``ConfigurationUpdates`` applied."""
    result = copy.deepcopy(current)
    for member, value in updates.items():
        if member == "ResultConfigurationUpdates":
            result["ResultConfiguration"] = _apply(result.get("ResultConfiguration", {}), value)
        elif member == "ManagedQueryResultsConfigurationUpdates":
            result["ManagedQueryResultsConfiguration"] = _apply(
                result.get("ManagedQueryResultsConfiguration", {}), value
            )
        else:
            result = _apply(result, {member: value})
    return checked_configuration(result)


def _apply(target: dict[str, Any], updates: dict[str, Any]) -> dict[str, Any]:
    """Set each member, and drop the one a ``Remove<Member>: true`` names."""
    result = dict(target)
    for member, value in updates.items():
        if member.startswith("Remove"):
            if value:
                result.pop(member.removeprefix("Remove"), None)
        else:
            result[member] = value
    return result


class WorkGroupOperations(AthenaBase):
    def _ensure_primary(self) -> None:
        """Every account has ``primary``; it is made on first start and never deleted."""
        with self.db.transaction() as connection:
            if store.find_workgroup(connection, PRIMARY) is None:
                primary = WorkGroupRow(
                    PRIMARY,
                    WorkGroupState.ENABLED,
                    None,
                    checked_configuration({}),
                    [],
                    self._now(),
                )
                store.put_workgroup(connection, primary)

    def create_work_group(
        self,
        *,
        name: str,
        configuration: dict[str, Any] | None = None,
        description: str | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        if name == PRIMARY:
            raise InvalidRequestException.primary_reserved("created")
        checked = checked_configuration(configuration or {})
        with self.db.transaction() as connection:
            if store.find_workgroup(connection, name) is not None:
                raise InvalidRequestException.workgroup_exists()
            workgroup = WorkGroupRow(
                name, WorkGroupState.ENABLED, description, checked, tags or [], self._now()
            )
            store.put_workgroup(connection, workgroup)
        return {}

    def get_work_group(self, *, work_group: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = self._require_workgroup(connection, work_group)
        described: dict[str, Any] = {"Name": found.name, "State": found.state}
        described["Configuration"] = found.configuration
        if found.description is not None:
            described["Description"] = found.description
        described["CreationTime"] = found.created
        return {"WorkGroup": described}

    def list_work_groups(
        self, *, next_token: str | None = None, max_results: int | None = None
    ) -> dict[str, Any]:
        after = decode_token(next_token, "after")
        limit = page_size(max_results)
        with self.db.read() as connection:
            rows = store.workgroups_after(connection, after["after"] if after else "", limit + 1)
        result: dict[str, Any] = {
            "WorkGroups": [
                {
                    "Name": row.name,
                    "State": row.state,
                    # The list shows "" for no description where GetWorkGroup leaves it out.
                    "Description": row.description or "",
                    "CreationTime": row.created,
                    "EngineVersion": row.configuration.get("EngineVersion", ENGINE_VERSION),
                }
                for row in rows[:limit]
            ]
        }
        if len(rows) > limit:
            result["NextToken"] = encode_token({"after": rows[limit - 1].name})
        return result

    def update_work_group(
        self,
        *,
        work_group: str,
        description: str | None = None,
        configuration_updates: dict[str, Any] | None = None,
        state: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._require_workgroup(connection, work_group)
            configuration = found.configuration
            if configuration_updates:
                configuration = updated_configuration(configuration, configuration_updates)
            store.put_workgroup(
                connection,
                WorkGroupRow(
                    found.name,
                    state or found.state,
                    description if description is not None else found.description,
                    configuration,
                    found.tags,
                    found.created,
                ),
            )
        return {}

    def delete_work_group(
        self, *, work_group: str, recursive_delete_option: bool | None = None
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            found = self._require_workgroup(connection, work_group)
            if found.name == PRIMARY:
                raise InvalidRequestException.primary_reserved("deleted")
            if not recursive_delete_option and store.workgroup_in_use(connection, found.name):
                raise InvalidRequestException.workgroup_not_empty(found.name)
            deleted = store.delete_workgroup(connection, found.name)
        for execution_id in deleted:
            self._forget_results(execution_id)
        return {}
