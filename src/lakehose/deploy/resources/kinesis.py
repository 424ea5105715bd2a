"""AWS::Kinesis::Stream: CreateStream, UpdateShardCount, retention and tags in place."""

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

DEFAULT_RETENTION_HOURS = 24


class KinesisStream(ResourceHandler):
    type = "AWS::Kinesis::Stream"
    properties = frozenset(
        {
            "Name",
            "ShardCount",
            "RetentionPeriodHours",
            "StreamModeDetails",
            "Tags",
            "StreamEncryption",
        }
    )
    # CDK encrypts streams with the AWS-managed key by default; data at rest is not encrypted here.
    ignored = frozenset({"StreamEncryption"})
    replacement = frozenset({"Name"})
    missing = ("ResourceNotFoundException",)

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get("Name")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        mode = props.get("StreamModeDetails") or {"StreamMode": "PROVISIONED"}
        arguments: dict[str, Any] = {"StreamName": name, "StreamModeDetails": mode}
        if mode.get("StreamMode") != "ON_DEMAND":
            arguments["ShardCount"] = int(props.get("ShardCount", 1))
        if props.get("Tags"):
            arguments["Tags"] = tag_list_to_map(props["Tags"])
        kinesis = ctx.client("kinesis")
        kinesis.create_stream(**arguments)
        self._wait(name, ctx)
        self._retention(name, DEFAULT_RETENTION_HOURS, props, ctx)
        return name, {"Arn": ctx.arn("kinesis", f"stream/{name}")}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> Attributes:
        kinesis = ctx.client("kinesis")
        if changed(old, new, "StreamModeDetails"):
            kinesis.update_stream_mode(
                StreamARN=ctx.arn("kinesis", f"stream/{physical_id}"),
                StreamModeDetails=new.get("StreamModeDetails") or {"StreamMode": "PROVISIONED"},
            )
            self._wait(physical_id, ctx)
        mode = (new.get("StreamModeDetails") or {}).get("StreamMode", "PROVISIONED")
        if mode != "ON_DEMAND" and changed(old, new, "ShardCount"):
            kinesis.update_shard_count(
                StreamName=physical_id,
                TargetShardCount=int(new.get("ShardCount", 1)),
                ScalingType="UNIFORM_SCALING",
            )
            self._wait(physical_id, ctx)
        self._retention(physical_id, int(old.get("RetentionPeriodHours", 24)), new, ctx)
        if changed(old, new, "Tags"):
            if removed := removed_tag_keys(old, new):
                kinesis.remove_tags_from_stream(StreamName=physical_id, TagKeys=removed)
            if new.get("Tags"):
                kinesis.add_tags_to_stream(
                    StreamName=physical_id, Tags=tag_list_to_map(new["Tags"])
                )
        return {"Arn": ctx.arn("kinesis", f"stream/{physical_id}")}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("kinesis").delete_stream(StreamName=physical_id, EnforceConsumerDeletion=True)

    @staticmethod
    def _wait(name: str, ctx: Context) -> None:
        kinesis = ctx.client("kinesis")
        ctx.wait_for(
            f"Kinesis stream {name}",
            lambda: str(
                kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"][
                    "StreamStatus"
                ]
            ),
            ready={"ACTIVE"},
        )

    @staticmethod
    def _retention(name: str, current: int, props: Mapping[str, Any], ctx: Context) -> None:
        wanted = int(props.get("RetentionPeriodHours", DEFAULT_RETENTION_HOURS))
        kinesis = ctx.client("kinesis")
        if wanted > current:
            kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=wanted)
        elif wanted < current:
            kinesis.decrease_stream_retention_period(StreamName=name, RetentionPeriodHours=wanted)
