"""Delivery streams' life cycle, description, destination updates and tags.

CreateDeliveryStream with a Kinesis source reads the source's shards before it commits: every
open shard gets a checkpoint at its tip (its latest record at this instant), every closed one is
marked finished, so delivery starts at LATEST as of creation, which Describe reports as
``DeliveryStartTimestamp``. Shards that appear later (splits and merges) are read from their start.
"""

from __future__ import annotations

from typing import Any

from lakehose.formats import tags as tag_store
from lakehose.services.firehose import config, store
from lakehose.services.firehose.base import FirehoseBase, timestamp
from lakehose.services.firehose.errors import (
    ConcurrentModificationException,
    InvalidArgumentException,
    LimitExceededException,
    ResourceInUseException,
    unsupported,
)
from lakehose.services.firehose.ports import SourceUnavailable
from lakehose.services.firehose.store import Checkpoint, StreamRow

DIRECT_PUT = "DirectPut"
KINESIS = "KinesisStreamAsSource"
MAX_TAGS = 50
_LIST_LIMIT = 10  # ListDeliveryStreams' default page
_TAG_LIMIT = 50  # ListTagsForDeliveryStream's default page


class StreamOperations(FirehoseBase):
    def create_delivery_stream(
        self,
        *,
        delivery_stream_name: str,
        delivery_stream_type: str | None = None,
        kinesis_stream_source_configuration: dict[str, Any] | None = None,
        direct_put_source_configuration: dict[str, Any] | None = None,
        s3_destination_configuration: dict[str, Any] | None = None,
        extended_s3_destination_configuration: dict[str, Any] | None = None,
        tags: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        kind = delivery_stream_type or DIRECT_PUT
        if kind not in (DIRECT_PUT, KINESIS):
            raise unsupported(f"DeliveryStreamType {kind}")
        given = [
            c for c in (s3_destination_configuration, extended_s3_destination_configuration) if c
        ]
        if len(given) != 1:
            raise InvalidArgumentException(
                "Exactly one destination configuration is supported for a Firehose stream."
            )
        if (kind == KINESIS) != (kinesis_stream_source_configuration is not None):
            raise InvalidArgumentException(
                "KinesisStreamSourceConfiguration must be given if and only if "
                "DeliveryStreamType is KinesisStreamAsSource."
            )
        if kind == KINESIS and direct_put_source_configuration is not None:
            raise InvalidArgumentException(
                "DirectPutSourceConfiguration is only valid for the DirectPut stream type."
            )
        destination = config.stored(given[0])
        config.parse(destination)  # refuses what AWS refuses before anything is stored
        now = self._now_ms()
        source: dict[str, Any] | None = None
        starts: dict[str, Checkpoint] = {}
        if kinesis_stream_source_configuration is not None:
            source = {"KinesisStreamSourceDescription": dict(kinesis_stream_source_configuration)}
            starts = self._start_positions(kinesis_stream_source_configuration["KinesisStreamARN"])
        elif direct_put_source_configuration is not None:
            source = {"DirectPutSourceDescription": dict(direct_put_source_configuration)}
        with self.db.transaction() as connection:
            if store.find_stream(connection, delivery_stream_name) is not None:
                raise ResourceInUseException.exists(delivery_stream_name, self.account_id)
            stream = store.insert_stream(
                connection,
                name=delivery_stream_name,
                kind=kind,
                salt=self.ids.hex(32),
                created_ms=now,
                active_ms=now + self.creation_delay_ms,
                destination=destination,
                source=source,
                delivery_start_ms=now if kind == KINESIS else None,
            )
            for shard_id, checkpoint in starts.items():
                store.set_checkpoint(connection, stream.id, shard_id, checkpoint)
            tag_store.put_tags(
                connection, stream.id, {t["Key"]: t.get("Value", "") for t in tags or []}
            )
        return {"DeliveryStreamARN": self._stream_arn(delivery_stream_name)}

    def _start_positions(self, stream_arn: str) -> dict[str, Checkpoint]:
        """Every open shard at its tip, every closed shard finished: LATEST, as of now."""
        if self.source is None:
            raise unsupported("Kinesis sources without a Kinesis engine")
        try:
            shards = self.source.shards(stream_arn)
        except SourceUnavailable as error:
            raise InvalidArgumentException(str(error)) from None
        return {shard.shard_id: Checkpoint(shard.tip, shard.closed) for shard in shards}

    def describe_delivery_stream(
        self,
        *,
        delivery_stream_name: str,
        limit: int | None = None,
        exclusive_start_destination_id: str | None = None,
    ) -> dict[str, Any]:
        with self.db.read() as connection:
            stream = self._locate(connection, delivery_stream_name)
        destinations = [config.describe(stream.destination)]
        if exclusive_start_destination_id is not None:
            # One destination: starting after it (or after any later id) leaves nothing.
            destinations = [
                d for d in destinations if d["DestinationId"] > exclusive_start_destination_id
            ]
        description: dict[str, Any] = {
            "DeliveryStreamName": stream.name,
            "DeliveryStreamARN": self._stream_arn(stream.name),
            "DeliveryStreamStatus": stream.status(self._now_ms()),
            "DeliveryStreamEncryptionConfiguration": {"Status": "DISABLED"},
            "DeliveryStreamType": stream.type,
            "VersionId": str(stream.version),
            "CreateTimestamp": timestamp(stream.created_ms),
            "Destinations": destinations[: limit or len(destinations)],
            "HasMoreDestinations": False,
        }
        if stream.updated_ms is not None:
            description["LastUpdateTimestamp"] = timestamp(stream.updated_ms)
        if stream.source is not None:
            description["Source"] = _source_description(stream)
        return {"DeliveryStreamDescription": description}

    def list_delivery_streams(
        self,
        *,
        limit: int | None = None,
        delivery_stream_type: str | None = None,
        exclusive_start_delivery_stream_name: str | None = None,
    ) -> dict[str, Any]:
        page = limit or _LIST_LIMIT
        with self.db.read() as connection:
            names = store.stream_names(
                connection,
                delivery_stream_type,
                exclusive_start_delivery_stream_name or "",
                page + 1,
            )
        return {"DeliveryStreamNames": names[:page], "HasMoreDeliveryStreams": len(names) > page}

    def delete_delivery_stream(
        self, *, delivery_stream_name: str, allow_force_delete: bool | None = None
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            stream = self._locate(connection, delivery_stream_name)
            store.delete_stream(connection, stream.id)
        return {}

    def update_destination(
        self,
        *,
        delivery_stream_name: str,
        current_delivery_stream_version_id: str,
        destination_id: str,
        s3_destination_update: dict[str, Any] | None = None,
        extended_s3_destination_update: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        updates = [
            u for u in (s3_destination_update, extended_s3_destination_update) if u is not None
        ]
        with self.db.transaction() as connection:
            stream = self._locate(connection, delivery_stream_name)
            if current_delivery_stream_version_id != str(stream.version):
                raise ConcurrentModificationException.version(
                    stream.name, stream.version, current_delivery_stream_version_id
                )
            if destination_id != config.DESTINATION_ID:
                raise InvalidArgumentException(f"Destination Id {destination_id} not found")
            if len(updates) != 1:
                raise InvalidArgumentException(
                    "Exactly one destination update is supported for a Firehose stream."
                )
            document = config.merged(stream.destination, updates[0])
            config.parse(document)
            store.update_destination(connection, stream.id, document, self._now_ms())
        return {}

    # -- tags ---------------------------------------------------------------------------------

    def tag_delivery_stream(
        self, *, delivery_stream_name: str, tags: list[dict[str, str]]
    ) -> dict[str, Any]:
        new = {tag["Key"]: tag.get("Value", "") for tag in tags}
        with self.db.transaction() as connection:
            stream = self._locate(connection, delivery_stream_name)
            if len(tag_store.tags(connection, stream.id) | new) > MAX_TAGS:
                raise LimitExceededException(
                    f"A Firehose stream cannot have more than {MAX_TAGS} tags."
                )
            tag_store.put_tags(connection, stream.id, new)
        return {}

    def untag_delivery_stream(
        self, *, delivery_stream_name: str, tag_keys: list[str]
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            stream = self._locate(connection, delivery_stream_name)
            tag_store.delete_tags(connection, stream.id, tag_keys)
        return {}

    def list_tags_for_delivery_stream(
        self,
        *,
        delivery_stream_name: str,
        exclusive_start_tag_key: str | None = None,
        limit: int | None = None,
    ) -> dict[str, Any]:
        with self.db.read() as connection:
            stream = self._locate(connection, delivery_stream_name)
            tags = tag_store.tags(connection, stream.id)
        keys = [
            key for key in tags if exclusive_start_tag_key is None or key > exclusive_start_tag_key
        ]
        page = limit or _TAG_LIMIT
        return {
            "Tags": [{"Key": key, "Value": tags[key]} for key in keys[:page]],
            "HasMoreTags": len(keys) > page,
        }


def _source_description(stream: StreamRow) -> dict[str, Any]:
    assert stream.source is not None
    if "KinesisStreamSourceDescription" not in stream.source:
        return stream.source
    kinesis = dict(stream.source["KinesisStreamSourceDescription"])
    assert stream.delivery_start_ms is not None
    kinesis["DeliveryStartTimestamp"] = timestamp(stream.delivery_start_ms)
    return {"KinesisStreamSourceDescription": kinesis}
