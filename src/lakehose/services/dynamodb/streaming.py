"""Enable / Disable / Describe / UpdateKinesisStreamingDestination.

The state machine is AWS's, as probed against the real service: Enable answers ENABLING and the
destination turns ACTIVE (or ENABLE_FAILED, with a description) after a delay; Disable answers
DISABLING and turns DISABLED; a precision Update answers UPDATING and turns ACTIVE. The delay is
the ``destination_transition_seconds`` option by the engine's clock (default 0: settled at once).
Enable never checks the stream synchronously; a stream that does not exist, or lives in another
region or account, makes the destination ENABLE_FAILED. A table has at most one destination in
ENABLING / ACTIVE / UPDATING / DISABLING, and any number of DISABLED / ENABLE_FAILED ones; every
operation on a destination in the wrong state is a ValidationException, never a
ResourceNotFoundException.

Changes are captured from the moment Enable is accepted until Disable is (so none is lost while
ENABLING); a failed destination captures nothing.
"""

from __future__ import annotations

from typing import Any

from lakehose.arns import InvalidArn, parse_arn
from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.statuses import DestinationStatus
from lakehose.services.dynamodb.tables import Destination, TableMeta

_NOT_VALID = "Table is not in a valid state to enable Kinesis Streaming Destination: "
NO_PERMISSION = "User does not have a permission to use kinesis stream"
OTHER_REGION = (
    "The kinesis Arn used to enable kinesis replication belongs to a stream which is not in the "
    "current region"
)


class StreamingOperations(DynamoDBBase):
    def enable_kinesis_streaming_destination(
        self,
        *,
        table_name: str,
        stream_arn: str,
        enable_kinesis_streaming_configuration: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        configuration = enable_kinesis_streaming_configuration or {}
        now = self._now_ms()
        with self.db.transaction() as connection:
            table = self._control_table(connection, table_name)
            meta = table.meta
            if any(
                d.current(now, self.destination_delay_ms)
                not in (
                    DestinationStatus.DISABLED,
                    DestinationStatus.ENABLE_FAILED,
                )
                for d in meta.destinations
            ):
                raise ValidationException(
                    _NOT_VALID + "EnableKinesisStreamingDestination must be DISABLED or "
                    "ENABLE_FAILED to perform ENABLE operation."
                )
            destination = Destination(
                stream_arn=stream_arn,
                status=DestinationStatus.ENABLING,
                since_ms=now,
                precision=configuration.get("ApproximateCreationDateTimePrecision"),
                failure=self._stream_problem(stream_arn),
            )
            _replace(meta, destination)
            store.save_table(connection, table)
        return {
            "TableName": meta.name,
            "StreamArn": stream_arn,
            "DestinationStatus": DestinationStatus.ENABLING,
            "EnableKinesisStreamingConfiguration": dict(configuration),
        }

    def disable_kinesis_streaming_destination(
        self,
        *,
        table_name: str,
        stream_arn: str,
        enable_kinesis_streaming_configuration: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        if enable_kinesis_streaming_configuration is not None:
            raise ValidationException(
                "Stream cannot be disabled using EnableKinesisStreamingConfiguration parameters"
            )
        now = self._now_ms()
        with self.db.transaction() as connection:
            table = self._control_table(connection, table_name)
            meta = table.meta
            found = _find(meta, stream_arn)
            if found is None or found.current(now, self.destination_delay_ms) not in (
                DestinationStatus.ACTIVE,
                DestinationStatus.DISABLING,
            ):
                raise ValidationException(
                    _NOT_VALID
                    + "KinesisStreamingDestination must be ACTIVE to perform DISABLE operation."
                )
            if found.status != DestinationStatus.DISABLING:
                _replace(meta, Destination(stream_arn, DestinationStatus.DISABLING, now))
                store.save_table(connection, table)
        return {
            "TableName": meta.name,
            "StreamArn": stream_arn,
            "DestinationStatus": DestinationStatus.DISABLING,
        }

    def describe_kinesis_streaming_destination(self, *, table_name: str) -> dict[str, Any]:
        now = self._now_ms()
        with self.db.read() as connection:
            meta = self._control_table(connection, table_name).meta
        return {
            "TableName": meta.name,
            "KinesisDataStreamDestinations": [
                d.describe(now, self.destination_delay_ms) for d in meta.destinations
            ],
        }

    def update_kinesis_streaming_destination(
        self,
        *,
        table_name: str,
        stream_arn: str,
        update_kinesis_streaming_configuration: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        precision = (update_kinesis_streaming_configuration or {}).get(
            "ApproximateCreationDateTimePrecision"
        )
        if precision is None:
            raise ValidationException(
                "Streaming destination cannot be updated with given parameters: "
                "UpdateKinesisStreamingConfiguration cannot be null or contain only null values"
            )
        now = self._now_ms()
        with self.db.transaction() as connection:
            table = self._control_table(connection, table_name)
            meta = table.meta
            found = _find(meta, stream_arn)
            if (
                found is None
                or found.current(now, self.destination_delay_ms) != DestinationStatus.ACTIVE
            ):
                raise ValidationException(
                    _NOT_VALID + "Kinesis streaming is not in ACTIVE state. Updates are only "
                    f"allowed in ACTIVE state. TableName: {meta.name}, kdsArn: {stream_arn}"
                )
            # A destination enabled without a precision has AWS's default, milliseconds.
            if (found.precision or "MILLISECOND") == precision:
                raise ValidationException(
                    "Invalid Request: Precision is already set to the desired value of "
                    f"{precision} for tableId: {meta.table_id}, kdsArn: {stream_arn}"
                )
            _replace(
                meta, Destination(stream_arn, DestinationStatus.UPDATING, now, precision=precision)
            )
            store.save_table(connection, table)
        return {
            "TableName": meta.name,
            "StreamArn": stream_arn,
            "DestinationStatus": DestinationStatus.UPDATING,
            "UpdateKinesisStreamingConfiguration": {
                "ApproximateCreationDateTimePrecision": precision
            },
        }

    def _stream_problem(self, stream_arn: str) -> str | None:
        """Why a destination on ``stream_arn`` would fail, in AWS's words; ``None`` if it works."""
        try:
            arn = parse_arn(stream_arn)
        except InvalidArn:
            return NO_PERMISSION
        if arn.service != "kinesis" or arn.resource_type != "stream":
            return NO_PERMISSION
        if arn.region != self.region:
            return OTHER_REGION
        if arn.account_id != self.account_id:
            return NO_PERMISSION
        if self.sink is None or not self.sink.stream_exists(stream_arn):
            return NO_PERMISSION
        return None


def _find(meta: TableMeta, stream_arn: str) -> Destination | None:
    return next((d for d in meta.destinations if d.stream_arn == stream_arn), None)


def _replace(meta: TableMeta, destination: Destination) -> None:
    """Put ``destination`` in its stream's entry (AWS flips an entry rather than adding one);
    a new stream's entry comes first, as AWS lists the newest first."""
    for position, existing in enumerate(meta.destinations):
        if existing.stream_arn == destination.stream_arn:
            meta.destinations[position] = destination
            return
    meta.destinations.insert(0, destination)
