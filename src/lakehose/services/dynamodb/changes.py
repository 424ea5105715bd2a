"""Committing one item change: the table row, every index row, and the change record.

Every write operation (PutItem, UpdateItem, DeleteItem, batches, transactions, TTL expiry) ends in
``apply_change`` inside the SQLite transaction that also validated it, so that the item, its
index entries and its change records (the Kinesis destination's and the table's DynamoDB
stream's, one eventID for both) commit together or not at all. That is what makes both change
streams exactly-once on the table side: a committed change always has its records in the outbox,
a rejected or rolled-back one never does.

A write that leaves the item exactly as it was (same attributes, numerically equal numbers, equal
sets) changes nothing: no row is rewritten and no change record is produced, as DynamoDB Streams
documents for its own records. It is still charged write capacity, as AWS charges it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from lakehose.services.dynamodb import records, store, stream_records
from lakehose.services.dynamodb.attributes import item_size, values_equal
from lakehose.services.dynamodb.capacity import Consumed, write_units
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.keys import canonical_key
from lakehose.services.dynamodb.store import StoredTable
from lakehose.services.dynamodb.tables import IndexMeta, TableMeta


@dataclass
class ChangeContext:
    """What a change record needs besides the change: where, when, and a fresh event id.

    ``records`` counts the change records added to the outbox, so that the writer knows whether
    it has anything to carry to the stream after its commit.
    """

    region: str
    now_s: float
    new_event_id: Callable[[], str]
    records: int = 0


def apply_change(
    connection: sqlite3.Connection,
    table: StoredTable,
    old: Item | None,
    new: Item | None,
    context: ChangeContext,
    identity: dict[str, str] | None = None,
) -> Consumed:
    """Store ``new`` in place of ``old`` (either may be ``None``) and return its write cost."""
    meta = table.meta
    consumed = Consumed(meta.name)
    old_size = item_size(old) if old is not None else 0
    new_size = item_size(new) if new is not None else 0
    consumed.table = write_units(max(old_size, new_size))
    current = new if new is not None else old
    if current is None or (old is not None and new is not None and same_item(old, new)):
        return consumed
    key = meta.schema.encode(current)
    if new is not None:
        store.put_row(
            connection, table.id, store.TABLE_ROWS, key, b"", new, new_size, expiry(meta, new)
        )
    else:
        store.delete_row(connection, table.id, store.TABLE_ROWS, key)
    table_key = canonical_key(meta.schema, current)
    for index in meta.indexes:
        _maintain_index(connection, table, index, old, new, table_key, consumed)
    destination = meta.capturing_destination()
    if destination is None and meta.stream is None:
        return consumed
    # One event id for both outputs: the same change read from either is recognizably the same.
    event_id = context.new_event_id()
    keys = meta.schema.key_of(current)
    item_key = records.partition_key(table_key)
    now_ms = int(context.now_s * 1000)
    if destination is not None:
        data = records.render(
            region=context.region,
            event_id=event_id,
            table_name=meta.name,
            keys=keys,
            old=old,
            new=new,
            created=records.creation_time(context.now_s, destination.precision),
            precision=destination.precision,
            identity=identity,
            image_sizes=old_size + new_size,
        )
        store.add_to_outbox(connection, destination.stream_arn, item_key, data, now_ms)
        context.records += 1
    arn = stream_records.stream_arn(meta)
    if meta.stream is not None and arn is not None:
        data = stream_records.render(
            region=context.region,
            event_id=event_id,
            keys=keys,
            old=old,
            new=new,
            now_s=context.now_s,
            view_type=meta.stream["StreamViewType"],
            identity=identity,
        )
        store.add_to_outbox(connection, arn, item_key, data, now_ms)
        context.records += 1
    return consumed


def _maintain_index(
    connection: sqlite3.Connection,
    table: StoredTable,
    index: IndexMeta,
    old: Item | None,
    new: Item | None,
    table_key: bytes,
    consumed: Consumed,
) -> None:
    """Delete, put or leave the item's row in ``index``, charging each row written."""
    schema = table.meta.schema
    old_row = index.project(old, schema) if old is not None and index.schema.covers(old) else None
    new_row = index.project(new, schema) if new is not None and index.schema.covers(new) else None
    old_key = index.schema.encode(old_row) if old_row is not None else None
    new_key = index.schema.encode(new_row) if new_row is not None else None
    if old_row is not None and old_key is not None and old_key != new_key:
        store.delete_row(connection, table.id, index.name, old_key, table_key)
        consumed.charge_index(index.kind, index.name, write_units(item_size(old_row)))
    if new_row is None or new_key is None:
        return
    if old_key == new_key and old_row is not None and same_item(old_row, new_row):
        return
    size = item_size(new_row)
    store.put_row(connection, table.id, index.name, new_key, table_key, new_row, size)
    consumed.charge_index(index.kind, index.name, write_units(size))


def expiry(meta: TableMeta, item: Item) -> float | None:
    """The item's TTL in epoch seconds while TTL is enabled; only a Number counts."""
    if not meta.ttl_enabled or meta.ttl_attribute is None:
        return None
    value = item.get(meta.ttl_attribute)
    if value is None or "N" not in value:
        return None
    try:
        return float(Decimal(value["N"]))
    except (ArithmeticError, ValueError):
        return None


def same_item(a: Item, b: Item) -> bool:
    """Equal as DynamoDB compares: numbers by value, sets regardless of order."""
    return a.keys() == b.keys() and all(values_equal(a[name], b[name]) for name in a)
