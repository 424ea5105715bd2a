"""What the table's DynamoDB stream receives through the change outbox, rendered here.

Two kinds of outbox rows go to a stream's ARN (``<table ARN>/stream/<label>``):

- a **change record** in DynamoDB Streams' ``Record`` shape, without ``SequenceNumber`` (the
  stream assigns it on arrival): ``eventID, eventName, eventVersion, eventSource, awsRegion,
  dynamodb, userIdentity`` (the last only for TTL deletions); inside ``dynamodb``:
  ``ApproximateCreationDateTime`` (epoch seconds, rounded down, as the API documents), ``Keys``,
  ``NewImage`` and ``OldImage`` as the view type asks, ``SizeBytes`` and ``StreamViewType``.
  ``SizeBytes`` is the item size of ``Keys`` plus that of each image the record carries, the rule
  the Kinesis record follows. The partition key is the item's, as for Kinesis.
- a **life-cycle event** (the stream opened or closed) with the empty partition key, committed
  with the CreateTable, UpdateTable or DeleteTable that caused it, so that the stream exists
  before the first record that follows and closes after the last.

A change going to both a Kinesis destination and the stream carries one ``eventID`` in both.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import orjson

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.attributes import item_size
from lakehose.services.dynamodb.codec import Item, to_json
from lakehose.services.dynamodb.records import EVENT_SOURCE, event_name
from lakehose.services.dynamodb.tables import TableMeta

EVENT_VERSION = "1.1"
LIFE_CYCLE_KEY = ""  # the partition key of life-cycle events; items' keys are 32 hex digits


def stream_arn(meta: TableMeta) -> str | None:
    """The ARN of the table's latest stream (enabled or not), if it ever had one."""
    if meta.stream_label is None:
        return None
    return f"{meta.arn}/stream/{meta.stream_label}"


def render(
    *,
    region: str,
    event_id: str,
    keys: Item,
    old: Item | None,
    new: Item | None,
    now_s: float,
    view_type: str,
    identity: dict[str, str] | None,
) -> bytes:
    body: dict[str, Any] = {"ApproximateCreationDateTime": int(now_s), "Keys": keys}
    size = item_size(keys)
    if new is not None and view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["NewImage"] = new
        size += item_size(new)
    if old is not None and view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
        body["OldImage"] = old
        size += item_size(old)
    body["SizeBytes"] = size
    body["StreamViewType"] = view_type
    record: dict[str, Any] = {
        "eventID": event_id,
        "eventName": event_name(old, new),
        "eventVersion": EVENT_VERSION,
        "eventSource": EVENT_SOURCE,
        "awsRegion": region,
        "dynamodb": body,
    }
    if identity is not None:
        # The API's Identity shape names its members Type and PrincipalId.
        record["userIdentity"] = {"Type": identity["type"], "PrincipalId": identity["principalId"]}
    return to_json(record)


def announce_opened(connection: sqlite3.Connection, meta: TableMeta, now_ms: int) -> None:
    """Queue the event that opens the table's new (latest) stream."""
    arn = stream_arn(meta)
    assert meta.stream is not None and arn is not None
    data = orjson.dumps(
        {
            "StreamStatus": "ENABLED",
            "TableName": meta.name,
            "StreamLabel": meta.stream_label,
            "StreamViewType": meta.stream["StreamViewType"],
            "KeySchema": meta.schema.describe(),
            "CreationRequestDateTime": now_ms,
        }
    )
    store.add_to_outbox(connection, arn, LIFE_CYCLE_KEY, data, now_ms)


def announce_closed(connection: sqlite3.Connection, meta: TableMeta, now_ms: int) -> None:
    """Queue the event that closes the table's enabled stream (disabled, or the table deleted)."""
    arn = stream_arn(meta)
    if meta.stream is None or arn is None:
        return
    data = orjson.dumps({"StreamStatus": "DISABLED"})
    store.add_to_outbox(connection, arn, LIFE_CYCLE_KEY, data, now_ms)
