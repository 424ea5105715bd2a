"""AWS::DynamoDB::Table: CreateTable, then TTL and the Kinesis streaming destination.

CloudFormation configures in one resource what the API spreads over several operations:
``TimeToLiveSpecification`` is UpdateTimeToLive and ``KinesisStreamSpecification`` is
EnableKinesisStreamingDestination, each called after the table is ACTIVE (and the destination
waited for, so records flow before dependents are created). Updates use UpdateTable (billing,
throughput, streams, one global secondary index change per call, as DynamoDB requires).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.deploy.errors import DeployError
from lakehose.deploy.resources.base import (
    Attributes,
    Context,
    ResourceHandler,
    changed,
    removed_tag_keys,
)
from lakehose.deploy.resources.shapes import api_arguments

_CREATE_PROPERTIES = (
    "TableName", "KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput",
    "GlobalSecondaryIndexes", "LocalSecondaryIndexes", "Tags", "TableClass",
    "DeletionProtectionEnabled", "OnDemandThroughput", "SSESpecification",
)  # fmt: skip
# Per-index settings CloudFormation accepts that do not change how an index behaves here.
_INDEX_IGNORED = ("ContributorInsightsSpecification", "WarmThroughput")
_RENAMES = {"SSESpecification.SSEEnabled": "Enabled"}


class DynamoDBTable(ResourceHandler):
    type = "AWS::DynamoDB::Table"
    properties = frozenset(
        {
            *_CREATE_PROPERTIES, "StreamSpecification", "KinesisStreamSpecification",
            "TimeToLiveSpecification", "PointInTimeRecoverySpecification",
            "ContributorInsightsSpecification", "ResourcePolicy", "WarmThroughput",
        }
    )  # fmt: skip
    ignored = frozenset(
        {"PointInTimeRecoverySpecification", "ContributorInsightsSpecification", "ResourcePolicy",
         "WarmThroughput"}
    )  # fmt: skip
    replacement = frozenset({"TableName", "KeySchema", "LocalSecondaryIndexes"})
    missing = ("ResourceNotFoundException",)
    name_length = 255

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get("TableName")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        chosen = {key: props[key] for key in _CREATE_PROPERTIES if key in props}
        chosen["TableName"] = name
        if "GlobalSecondaryIndexes" in chosen:
            chosen["GlobalSecondaryIndexes"] = [_index(i) for i in chosen["GlobalSecondaryIndexes"]]
        arguments = api_arguments(ctx.client("dynamodb"), "CreateTable", chosen, _RENAMES)
        if spec := props.get("StreamSpecification"):
            arguments["StreamSpecification"] = {"StreamEnabled": True, **spec}
        dynamodb = ctx.client("dynamodb")
        dynamodb.create_table(**arguments)
        _wait_table(name, ctx)
        if ttl := props.get("TimeToLiveSpecification"):
            _set_ttl(name, ttl, ctx)
        if destination := props.get("KinesisStreamSpecification"):
            _enable_destination(name, destination, ctx)
        return name, _attributes(name, ctx)

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        dynamodb = ctx.client("dynamodb")
        settings = {
            key: new[key]
            for key in (
                "BillingMode",
                "ProvisionedThroughput",
                "OnDemandThroughput",
                "TableClass",
                "DeletionProtectionEnabled",
                "SSESpecification",
            )
            if key in new and old.get(key) != new[key]
        }
        if settings:
            if new.get("BillingMode") == "PAY_PER_REQUEST":
                settings.pop("ProvisionedThroughput", None)
            arguments = api_arguments(ctx.client("dynamodb"), "UpdateTable", settings, _RENAMES)
            dynamodb.update_table(TableName=physical_id, **arguments)
            _wait_table(physical_id, ctx)
        if changed(old, new, "GlobalSecondaryIndexes"):
            _update_indexes(physical_id, old, new, ctx)
        if changed(old, new, "StreamSpecification"):
            if old.get("StreamSpecification"):
                _update_stream(physical_id, {"StreamEnabled": False}, ctx)
            if spec := new.get("StreamSpecification"):
                _update_stream(physical_id, {"StreamEnabled": True, **spec}, ctx)
        if changed(old, new, "TimeToLiveSpecification"):
            before, after = old.get("TimeToLiveSpecification"), new.get("TimeToLiveSpecification")
            if before and (not after or before.get("AttributeName") != after.get("AttributeName")):
                _set_ttl(physical_id, {**before, "Enabled": False}, ctx)
            if after:
                _set_ttl(physical_id, after, ctx)
        if changed(old, new, "KinesisStreamSpecification"):
            if before := old.get("KinesisStreamSpecification"):
                dynamodb.disable_kinesis_streaming_destination(
                    TableName=physical_id, StreamArn=before["StreamArn"]
                )
            if after := new.get("KinesisStreamSpecification"):
                _enable_destination(physical_id, after, ctx)
        if changed(old, new, "Tags"):
            arn = _attributes(physical_id, ctx)["Arn"]
            if removed := removed_tag_keys(old, new):
                dynamodb.untag_resource(ResourceArn=arn, TagKeys=removed)
            if new.get("Tags"):
                dynamodb.tag_resource(ResourceArn=arn, Tags=new["Tags"])
        return _attributes(physical_id, ctx)

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("dynamodb").delete_table(TableName=physical_id)


def _index(index: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in index.items() if key not in _INDEX_IGNORED}


def _attributes(name: str, ctx: Context) -> Attributes:
    table = ctx.client("dynamodb").describe_table(TableName=name)["Table"]
    attributes: Attributes = {"Arn": table["TableArn"]}
    if "LatestStreamArn" in table:
        attributes["StreamArn"] = table["LatestStreamArn"]
    return attributes


def _wait_table(name: str, ctx: Context) -> None:
    dynamodb = ctx.client("dynamodb")

    def status() -> str:
        table = dynamodb.describe_table(TableName=name)["Table"]
        indexes = [i.get("IndexStatus", "ACTIVE") for i in table.get("GlobalSecondaryIndexes", [])]
        busy = [state for state in indexes if state != "ACTIVE"]
        return str(busy[0] if busy else table["TableStatus"])

    ctx.wait_for(f"DynamoDB table {name}", status, ready={"ACTIVE"})


def _set_ttl(name: str, ttl: Mapping[str, Any], ctx: Context) -> None:
    specification = api_arguments(
        ctx.client("dynamodb"), "UpdateTimeToLive", {"TimeToLiveSpecification": ttl}
    )["TimeToLiveSpecification"]
    ctx.client("dynamodb").update_time_to_live(
        TableName=name, TimeToLiveSpecification=specification
    )


def _enable_destination(name: str, destination: Mapping[str, Any], ctx: Context) -> None:
    dynamodb = ctx.client("dynamodb")
    arguments: dict[str, Any] = {"TableName": name, "StreamArn": destination["StreamArn"]}
    if precision := destination.get("ApproximateCreationDateTimePrecision"):
        arguments["EnableKinesisStreamingConfiguration"] = {
            "ApproximateCreationDateTimePrecision": precision
        }
    dynamodb.enable_kinesis_streaming_destination(**arguments)

    def status() -> str:
        destinations = dynamodb.describe_kinesis_streaming_destination(TableName=name)
        for entry in destinations["KinesisDataStreamDestinations"]:
            if entry["StreamArn"] == destination["StreamArn"]:
                return str(entry["DestinationStatus"])
        return "MISSING"

    ctx.wait_for(
        f"streaming destination of {name}",
        status,
        ready={"ACTIVE"},
        failed={"ENABLE_FAILED", "DISABLED", "MISSING"},
    )


def _update_stream(name: str, specification: dict[str, Any], ctx: Context) -> None:
    ctx.client("dynamodb").update_table(TableName=name, StreamSpecification=specification)
    _wait_table(name, ctx)


def _update_indexes(
    name: str, old: Mapping[str, Any], new: Mapping[str, Any], ctx: Context
) -> None:
    before = {i["IndexName"]: _index(i) for i in old.get("GlobalSecondaryIndexes") or []}
    after = {i["IndexName"]: _index(i) for i in new.get("GlobalSecondaryIndexes") or []}
    definitions = new.get("AttributeDefinitions") or []
    updates: list[dict[str, Any]] = [{"Delete": {"IndexName": n}} for n in before if n not in after]
    for index_name, index in after.items():
        if index_name not in before:
            updates.append({"Create": index})
            continue
        previous = before[index_name]
        if {**previous, "ProvisionedThroughput": None} != {**index, "ProvisionedThroughput": None}:
            raise DeployError(
                f"Cannot update GSI {index_name}'s key schema or projection in place; give the "
                "changed index a new IndexName"
            )
        if previous.get("ProvisionedThroughput") != index.get("ProvisionedThroughput"):
            throughput = index["ProvisionedThroughput"]
            updates.append(
                {"Update": {"IndexName": index_name, "ProvisionedThroughput": throughput}}
            )
    dynamodb = ctx.client("dynamodb")
    for update in updates:
        arguments = api_arguments(
            ctx.client("dynamodb"),
            "UpdateTable",
            {"GlobalSecondaryIndexUpdates": [update], "AttributeDefinitions": definitions},
        )
        if "Create" not in update:
            arguments.pop("AttributeDefinitions")
        dynamodb.update_table(TableName=name, **arguments)
        _wait_table(name, ctx)
