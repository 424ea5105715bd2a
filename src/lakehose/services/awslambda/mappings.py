"""Event source mappings: Create/Get/Update/Delete/ListEventSourceMappings, for Kinesis streams
and DynamoDB streams (a table's ``LatestStreamArn``).

A mapping is stored as the configuration AWS returns for it (the document's keys are the
``EventSourceMappingConfiguration`` members) plus its checkpoints, one per shard, which
``stream_delivery`` moves forward as batches complete. ``LATEST`` is resolved when the mapping is
created: each shard's checkpoint starts at its newest record then. Answers report the
transitional states AWS reports (``Creating``, ``Updating``, ``Deleting``); the mapping is
``Enabled`` (or ``Disabled``) by the next call.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from typing import Any

from lakehose.arns import build_arn
from lakehose.services.awslambda import store
from lakehose.services.awslambda.base import LambdaBase
from lakehose.services.awslambda.errors import (
    InvalidParameterValueException,
    ResourceNotFoundException,
)
from lakehose.services.awslambda.event_filters import compile_filters
from lakehose.services.awslambda.markers import decode_marker, encode_marker
from lakehose.services.awslambda.ports import StreamUnavailable

DEFAULT_BATCH = 100
MAX_BATCH = 10_000
DEFAULT_LIST_ITEMS = 100
_KINESIS_STREAM = re.compile(r"arn:aws[a-z-]*:kinesis:[a-z0-9-]+:\d{12}:stream/[A-Za-z0-9_.-]+")
_DYNAMODB_STREAM = re.compile(
    r"arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table/[A-Za-z0-9_.-]+/stream/[0-9T:.-]+"
)
_S3_BUCKET = re.compile(r"arn:aws[a-z-]*:s3:::[a-z0-9.-]{3,63}")


class MappingOperations(LambdaBase):
    def create_event_source_mapping(
        self,
        *,
        function_name: str,
        event_source_arn: str | None = None,
        enabled: bool = True,
        batch_size: int | None = None,
        filter_criteria: dict[str, Any] | None = None,
        maximum_batching_window_in_seconds: int | None = None,
        parallelization_factor: int | None = None,
        starting_position: str | None = None,
        starting_position_timestamp: datetime | None = None,
        destination_config: dict[str, Any] | None = None,
        maximum_record_age_in_seconds: int | None = None,
        bisect_batch_on_function_error: bool | None = None,
        maximum_retry_attempts: int | None = None,
        tumbling_window_in_seconds: int | None = None,
        function_response_types: list[str] | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        dynamodb = event_source_arn is not None and bool(
            _DYNAMODB_STREAM.fullmatch(event_source_arn)
        )
        if event_source_arn is None or not (
            dynamodb or _KINESIS_STREAM.fullmatch(event_source_arn)
        ):
            raise InvalidParameterValueException(
                "lakehose maps Kinesis streams and DynamoDB streams only; the event source must "
                "be a Kinesis stream ARN or a table's stream ARN."
            )
        if starting_position is None:
            raise InvalidParameterValueException(
                "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
                "constraint: Member must not be null."
            )
        if dynamodb and starting_position not in ("TRIM_HORIZON", "LATEST"):
            raise InvalidParameterValueException(
                f"Unsupported starting position for DynamoDB stream: {starting_position}"
            )
        if starting_position == "AT_TIMESTAMP" and starting_position_timestamp is None:
            raise InvalidParameterValueException(
                "StartingPositionTimestamp must be set when StartingPosition is AT_TIMESTAMP."
            )
        if tumbling_window_in_seconds:
            raise InvalidParameterValueException("lakehose does not support tumbling windows.")
        with self.db.read() as connection:
            record, effective = self._find_function(connection, function_name)
        shards = self._stream_shards(event_source_arn)
        uuid = self.ids.uuid4()
        mapping: dict[str, Any] = {
            "UUID": uuid,
            "StartingPosition": starting_position,
            "BatchSize": batch_size or DEFAULT_BATCH,
            "MaximumBatchingWindowInSeconds": maximum_batching_window_in_seconds or 0,
            "ParallelizationFactor": 1,
            "EventSourceArn": event_source_arn,
            "FunctionArn": self.names.arn(record.name, effective),
            "FunctionName": record.name,
            "LastModified": self.clock.now(),
            "LastProcessingResult": "No records processed",
            "State": "Enabled" if enabled else "Disabled",
            "StateTransitionReason": "User action",
            "DestinationConfig": {"OnFailure": {}},
            "MaximumRecordAgeInSeconds": -1,
            "BisectBatchOnFunctionError": False,
            "MaximumRetryAttempts": -1,
            "TumblingWindowInSeconds": 0,
            "FunctionResponseTypes": [],
            "EventSourceMappingArn": build_arn(
                "lambda", self.region, self.account_id, f"event-source-mapping:{uuid}"
            ),
        }
        if starting_position_timestamp is not None:
            mapping["StartingPositionTimestamp"] = starting_position_timestamp.timestamp()
        self._change(
            mapping,
            BatchSize=batch_size,
            ParallelizationFactor=parallelization_factor,
            FilterCriteria=filter_criteria,
            DestinationConfig=destination_config,
            MaximumRecordAgeInSeconds=maximum_record_age_in_seconds,
            BisectBatchOnFunctionError=bisect_batch_on_function_error,
            MaximumRetryAttempts=maximum_retry_attempts,
            FunctionResponseTypes=function_response_types,
        )
        with self.db.transaction() as connection:
            store.put_mapping(connection, mapping)
            if starting_position == "LATEST":
                for shard in shards:
                    for lane in range(mapping["ParallelizationFactor"]):
                        store.save_checkpoint(connection, uuid, shard, lane, shards[shard])
        return self._mapping(mapping, "Creating")

    def get_event_source_mapping(self, *, uuid: str) -> dict[str, Any]:
        return self._mapping(self._find_mapping(uuid))

    def update_event_source_mapping(
        self,
        *,
        uuid: str,
        function_name: str | None = None,
        enabled: bool | None = None,
        batch_size: int | None = None,
        filter_criteria: dict[str, Any] | None = None,
        maximum_batching_window_in_seconds: int | None = None,
        parallelization_factor: int | None = None,
        destination_config: dict[str, Any] | None = None,
        maximum_record_age_in_seconds: int | None = None,
        bisect_batch_on_function_error: bool | None = None,
        maximum_retry_attempts: int | None = None,
        function_response_types: list[str] | None = None,
    ) -> dict[str, Any]:
        mapping = self._find_mapping(uuid)
        if function_name is not None:
            with self.db.read() as connection:
                record, effective = self._find_function(connection, function_name)
            mapping["FunctionName"] = record.name
            mapping["FunctionArn"] = self.names.arn(record.name, effective)
        if enabled is not None:
            mapping["State"] = "Enabled" if enabled else "Disabled"
        lanes = mapping["ParallelizationFactor"]
        self._change(
            mapping,
            BatchSize=batch_size,
            ParallelizationFactor=parallelization_factor,
            FilterCriteria=filter_criteria,
            MaximumBatchingWindowInSeconds=maximum_batching_window_in_seconds,
            DestinationConfig=destination_config,
            MaximumRecordAgeInSeconds=maximum_record_age_in_seconds,
            BisectBatchOnFunctionError=bisect_batch_on_function_error,
            MaximumRetryAttempts=maximum_retry_attempts,
            FunctionResponseTypes=function_response_types,
        )
        mapping["LastModified"] = self.clock.now()
        with self.db.transaction() as connection:
            store.put_mapping(connection, mapping)
            if mapping["ParallelizationFactor"] != lanes:
                _relane(connection, uuid, lanes, mapping["ParallelizationFactor"])
        return self._mapping(mapping, "Updating")

    def delete_event_source_mapping(self, *, uuid: str) -> dict[str, Any]:
        mapping = self._find_mapping(uuid)
        with self.db.transaction() as connection:
            store.delete_mapping(connection, uuid)
        return self._mapping(mapping, "Deleting")

    def list_event_source_mappings(
        self,
        *,
        event_source_arn: str | None = None,
        function_name: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        name = None
        if function_name is not None:
            name = self.names.resolve(function_name)[0]
        with self.db.read() as connection:
            found = [
                mapping
                for mapping in store.mappings(connection)
                if (event_source_arn is None or mapping["EventSourceArn"] == event_source_arn)
                and (name is None or mapping["FunctionName"] == name)
            ]
        after = decode_marker(marker) if marker else ""
        found = [mapping for mapping in found if mapping["UUID"] > after]
        limit = max_items or DEFAULT_LIST_ITEMS
        result: dict[str, Any] = {
            "EventSourceMappings": [self._mapping(mapping) for mapping in found[:limit]]
        }
        if len(found) > limit:
            result["NextMarker"] = encode_marker(found[limit - 1]["UUID"])
        return result

    # -- internals ----------------------------------------------------------------------------

    def _find_mapping(self, uuid: str) -> dict[str, Any]:
        with self.db.read() as connection:
            found = store.get_mapping(connection, uuid)
        if found is None:
            raise ResourceNotFoundException.no_resource()
        return found

    def _stream_shards(self, stream_arn: str) -> dict[str, str | None]:
        """The stream's shards and their newest records, or AWS's refusal of a missing stream."""
        if self.stream_reader is None:
            raise InvalidParameterValueException(f"Stream not found: {stream_arn}")
        try:
            return {s.shard_id: s.tip for s in self.stream_reader.shards(stream_arn)}
        except StreamUnavailable:
            raise InvalidParameterValueException(f"Stream not found: {stream_arn}") from None

    @staticmethod
    def _change(mapping: dict[str, Any], **changes: Any) -> None:
        """Apply the members given, checked as AWS checks them."""
        for member, value in changes.items():
            if value is not None:
                mapping[member] = value
        if not 1 <= int(mapping["BatchSize"]) <= MAX_BATCH:
            source = "DynamoDB" if ":dynamodb:" in mapping["EventSourceArn"] else "Kinesis"
            raise InvalidParameterValueException(
                f"BatchSize must be between 1 and {MAX_BATCH} for {source} event sources."
            )
        compile_filters(mapping.get("FilterCriteria"))
        destination = (mapping["DestinationConfig"].get("OnFailure") or {}).get("Destination")
        if destination is not None and not _S3_BUCKET.fullmatch(destination):
            raise InvalidParameterValueException(
                "lakehose sends failed batches to S3 bucket destinations only "
                f"(arn:aws:s3:::bucket), not {destination}."
            )

    @staticmethod
    def _mapping(mapping: dict[str, Any], state: str | None = None) -> dict[str, Any]:
        shown = {key: value for key, value in mapping.items() if key != "FunctionName"}
        if not shown.get("FilterCriteria"):
            shown.pop("FilterCriteria", None)
        if state is not None:
            shown["State"] = state
        return shown


def _relane(connection: sqlite3.Connection, uuid: str, old: int, lanes: int) -> None:
    """Spread each shard over ``lanes`` lanes instead of ``old``: every new lane starts where
    the slowest old lane stood, so nothing is skipped (records the faster lanes had done are
    delivered again). An old lane without a checkpoint has not started."""
    marks = store.checkpoints(connection, uuid)
    by_shard: dict[str, list[tuple[str | None, bool]]] = {}
    for (shard, _), mark in marks.items():
        by_shard.setdefault(shard, []).append(mark)
    store.clear_checkpoints(connection, uuid)
    for shard, shard_marks in by_shard.items():
        shard_marks += [(None, False)] * (old - len(shard_marks))
        finished = all(done for _, done in shard_marks)
        positions = [position for position, _ in shard_marks]
        start = None if None in positions else min(positions, key=lambda p: int(p or 0))
        for lane in range(lanes):
            store.save_checkpoint(connection, uuid, shard, lane, start, finished)
