"""AWS::KinesisFirehose::DeliveryStream.

The CloudFormation properties are CreateDeliveryStream's members. A changed destination is
applied with UpdateDestination (``<X>DestinationConfiguration`` becomes ``<X>DestinationUpdate``),
which bumps the stream's version and keeps the records it has buffered, as on AWS; a changed
source, name or type needs a new delivery stream.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.deploy.errors import error_code
from lakehose.deploy.resources.base import (
    REPLACE,
    Attributes,
    Context,
    ResourceHandler,
    UpdateResult,
    changed,
    removed_tag_keys,
)
from lakehose.deploy.resources.shapes import (
    api_arguments,
    api_value,
    member_shape,
)

_SOURCES = (
    "KinesisStreamSourceConfiguration",
    "MSKSourceConfiguration",
    "DirectPutSourceConfiguration",
    "DatabaseSourceConfiguration",
)
# Nested configurations whose update counterpart has another name.
_UPDATE_RENAMES = {
    "S3BackupConfiguration": "S3BackupUpdate",
    "S3Configuration": "S3Update",
}


def _destinations(props: Mapping[str, Any]) -> list[str]:
    return [key for key in props if key.endswith("DestinationConfiguration")]


class FirehoseDeliveryStream(ResourceHandler):
    type = "AWS::KinesisFirehose::DeliveryStream"
    properties = frozenset(
        {
            "DeliveryStreamName", "DeliveryStreamType", "Tags", *_SOURCES,
            "DeliveryStreamEncryptionConfigurationInput", "S3DestinationConfiguration",
            "ExtendedS3DestinationConfiguration",
            "RedshiftDestinationConfiguration", "ElasticsearchDestinationConfiguration",
            "AmazonopensearchserviceDestinationConfiguration",
            "AmazonOpenSearchServerlessDestinationConfiguration",
            "SplunkDestinationConfiguration", "HttpEndpointDestinationConfiguration",
            "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration",
        }
    )  # fmt: skip
    replacement = frozenset(
        {
            "DeliveryStreamName",
            "DeliveryStreamType",
            "DeliveryStreamEncryptionConfigurationInput",
            *_SOURCES,
        }
    )
    missing = ("ResourceNotFoundException",)
    name_length = 64

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return props.get("DeliveryStreamName")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        arguments = api_arguments(
            ctx.client("firehose"), "CreateDeliveryStream", {**props, "DeliveryStreamName": name}
        )
        firehose = ctx.client("firehose")
        arn = str(firehose.create_delivery_stream(**arguments)["DeliveryStreamARN"])
        ctx.wait_for(
            f"delivery stream {name}",
            lambda: self._status(name, ctx),
            ready={"ACTIVE"},
            failed={"CREATING_FAILED"},
        )
        return name, {"Arn": arn}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> UpdateResult:
        firehose = ctx.client("firehose")
        before, after = _destinations(old), _destinations(new)
        if before != after or len(after) != 1:
            return REPLACE  # another kind of destination: a new delivery stream
        (destination,) = after
        if changed(old, new, destination):
            description = firehose.describe_delivery_stream(DeliveryStreamName=physical_id)[
                "DeliveryStreamDescription"
            ]
            update_member = destination.removesuffix("Configuration") + "Update"
            shape = member_shape(firehose, "UpdateDestination", update_member)
            firehose.update_destination(
                DeliveryStreamName=physical_id,
                CurrentDeliveryStreamVersionId=description["VersionId"],
                DestinationId=description["Destinations"][0]["DestinationId"],
                **{update_member: api_value(new[destination], shape, "", _UPDATE_RENAMES)},
            )
        if changed(old, new, "Tags"):
            if removed := removed_tag_keys(old, new):
                firehose.untag_delivery_stream(DeliveryStreamName=physical_id, TagKeys=removed)
            if new.get("Tags"):
                firehose.tag_delivery_stream(DeliveryStreamName=physical_id, Tags=new["Tags"])
        return {"Arn": ctx.arn("firehose", f"deliverystream/{physical_id}")}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("firehose").delete_delivery_stream(DeliveryStreamName=physical_id)
        # Deletion is asynchronous; wait so that a redeploy can reuse the name.
        ctx.wait_for(
            f"deletion of delivery stream {physical_id}",
            lambda: self._status(physical_id, ctx),
            ready={"GONE"},
            failed={"DELETING_FAILED"},
        )

    @staticmethod
    def _status(name: str, ctx: Context) -> str:
        try:
            description = ctx.client("firehose").describe_delivery_stream(DeliveryStreamName=name)
        except Exception as error:
            if error_code(error) == "ResourceNotFoundException":
                return "GONE"
            raise
        return str(description["DeliveryStreamDescription"]["DeliveryStreamStatus"])
