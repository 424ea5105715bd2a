"""The "Kinesis Data Streams for DynamoDB" change record, byte for byte.

Field order, as AWS writes it: ``awsRegion, eventID, eventName, userIdentity, recordFormat,
tableName, dynamodb, eventSource``; inside ``dynamodb``: ``ApproximateCreationDateTime, Keys,
NewImage, OldImage, SizeBytes`` and, only when the destination's precision was set explicitly,
``ApproximateCreationDateTimePrecision``. Compact JSON, UTF-8 with non-ASCII characters raw, no
trailing newline. ``SizeBytes`` is the DynamoDB item size of ``Keys`` plus that of each image
present (verified against real payloads).

The Kinesis partition key is 32 uppercase hexadecimal characters, like AWS's; AWS does not say how
it derives them, so lakehose uses the MD5 of the item's canonical key, which sends every change
of one item to one shard, in order.
"""

from __future__ import annotations

import hashlib
from typing import Any

from lakehose.services.dynamodb.attributes import item_size
from lakehose.services.dynamodb.codec import Item, to_json

RECORD_FORMAT = "application/json"
EVENT_SOURCE = "aws:dynamodb"
# Who deleted an item whose TTL expired, as DynamoDB Streams documents it.
TTL_IDENTITY = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}


def event_name(old: Item | None, new: Item | None) -> str:
    if old is None:
        return "INSERT"
    return "REMOVE" if new is None else "MODIFY"


def partition_key(canonical_key: bytes) -> str:
    return hashlib.md5(canonical_key, usedforsecurity=False).hexdigest().upper()


def creation_time(now_s: float, precision: str | None) -> int:
    """Epoch milliseconds, or microseconds when the destination asks for them."""
    micros = round(now_s * 1_000_000)
    return micros if precision == "MICROSECOND" else micros // 1000


def render(
    *,
    region: str,
    event_id: str,
    table_name: str,
    keys: Item,
    old: Item | None,
    new: Item | None,
    created: int,
    precision: str | None,
    identity: dict[str, str] | None = None,
    image_sizes: int | None = None,
) -> bytes:
    """The record's bytes; ``created`` is already in the destination's unit.

    ``image_sizes``, the item sizes of the images together, saves computing them again when the
    caller already has.
    """
    body: dict[str, Any] = {"ApproximateCreationDateTime": created, "Keys": keys}
    if new is not None:
        body["NewImage"] = new
    if old is not None:
        body["OldImage"] = old
    if image_sizes is None:
        image_sizes = sum(item_size(image) for image in (new, old) if image is not None)
    size = item_size(keys) + image_sizes
    body["SizeBytes"] = size
    if precision is not None:
        body["ApproximateCreationDateTimePrecision"] = precision
    record = {
        "awsRegion": region,
        "eventID": event_id,
        "eventName": event_name(old, new),
        "userIdentity": identity,
        "recordFormat": RECORD_FORMAT,
        "tableName": table_name,
        "dynamodb": body,
        "eventSource": EVENT_SOURCE,
    }
    return to_json(record)
