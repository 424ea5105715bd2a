"""DynamoDB's ``ChangeStreamSink`` port fulfilled by the DynamoDB Streams engine.

The change outbox addresses a table's stream by its ARN (``<table ARN>/stream/<label>``). Rows
with the empty partition key are the stream's life-cycle events (opened, closed), the others its
change records; a batch is applied in order, so a stream opens before its first record and closes
after its last. After a crash, ``read_since`` lets the outbox recognize records that reached the
stream before their outbox rows were deleted (each carries a unique eventID); opening or closing a
stream twice is harmless, so those events need no such check.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import orjson

from lakehose.errors import LakehoseError, ServiceError
from lakehose.registry import EngineLookup, EngineSource
from lakehose.scopes import Scope, scope_of_arn
from lakehose.services.dynamodb.ports import Change, Outcome
from lakehose.services.dynamodb.stream_records import LIFE_CYCLE_KEY
from lakehose.services.dynamodbstreams import DynamoDBStreamsEngine


class DynamoDBStreamSink:
    """Change records and life-cycle events into a table's DynamoDB stream."""

    def __init__(self, engines: EngineSource, scope: Scope | None = None) -> None:
        self.scope = scope or engines.scope
        self._lookup = EngineLookup(
            engines,
            "dynamodbstreams",
            DynamoDBStreamsEngine,
            missing=lambda: LakehoseError("the dynamodbstreams engine is not running"),
        )

    def _streams(self, stream_arn: str) -> DynamoDBStreamsEngine:
        return self._lookup(scope_of_arn(stream_arn, self.scope))

    def stream_exists(self, stream_arn: str) -> bool:
        return self._streams(stream_arn).stream_exists(stream_arn=stream_arn)

    def put_changes(self, stream_arn: str, changes: Sequence[Change]) -> list[Outcome]:
        streams = self._streams(stream_arn)
        outcomes: list[Outcome] = []
        pending: list[tuple[str, bytes]] = []

        def append() -> None:
            if not pending:
                return
            try:
                streams.append_records(stream_arn=stream_arn, records=list(pending))
                outcomes.extend([Outcome.DELIVERED] * len(pending))
            except ServiceError as error:
                # Not opened yet: retried; disabled: it takes nothing more, ever.
                retry = error.error_code == "ResourceNotFoundException"
                outcomes.extend([Outcome.RETRY if retry else Outcome.REJECTED] * len(pending))
            pending.clear()

        for change in changes:
            if change.partition_key != LIFE_CYCLE_KEY:
                pending.append((change.partition_key, change.data))
                continue
            append()
            _apply_event(streams, stream_arn, orjson.loads(change.data))
            outcomes.append(Outcome.DELIVERED)
        append()
        return outcomes

    def read_since(self, stream_arn: str, since_ms: int) -> Iterator[Change]:
        for partition_key, data in self._streams(stream_arn).read_since(
            stream_arn=stream_arn, since_ms=since_ms
        ):
            yield Change(partition_key, data)


def _apply_event(streams: DynamoDBStreamsEngine, stream_arn: str, event: dict[str, Any]) -> None:
    if event["StreamStatus"] == "DISABLED":
        streams.close_stream(stream_arn=stream_arn)
        return
    streams.open_stream(
        stream_arn=stream_arn,
        table_name=event["TableName"],
        label=event["StreamLabel"],
        view_type=event["StreamViewType"],
        key_schema=event["KeySchema"],
        created_ms=event["CreationRequestDateTime"],
    )
