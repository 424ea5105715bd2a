"""What Query and Scan share: Select, index choice, start keys and reading one page.

A page ends when ``Limit`` items have been read (before the filter, as AWS counts), or when the
items read reach 1 MB; either way it carries ``LastEvaluatedKey``, the key of the last item read,
even when nothing follows (AWS does the same). ``ScannedCount`` counts the items read, ``Count``
those that passed the filter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.attributes import validate_item
from lakehose.services.dynamodb.capacity import Consumed, read_units
from lakehose.services.dynamodb.codec import Item
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.expressions import Condition, Projection
from lakehose.services.dynamodb.keys import KeySchema, canonical_key
from lakehose.services.dynamodb.store import Row, StoredTable
from lakehose.services.dynamodb.tables import IndexMeta

PAGE_BYTES = 1 << 20
_ONE_ERROR = "1 validation error detected: "


@dataclass(frozen=True)
class Target:
    """The table, or one of its indexes, that a Query or Scan reads."""

    table: StoredTable
    index: IndexMeta | None

    @property
    def schema(self) -> KeySchema:
        return self.index.schema if self.index is not None else self.table.meta.schema

    @property
    def index_name(self) -> str:
        return self.index.name if self.index is not None else store.TABLE_ROWS

    def key_names(self) -> list[str]:
        """The attributes of a LastEvaluatedKey: the table's key, then the index's."""
        names = list(self.table.meta.schema.names)
        if self.index is not None:
            names += [name for name in self.index.schema.names if name not in names]
        return names

    def position(self, start_key: Item) -> tuple[int, bytes, bytes, bytes]:
        """Where an ExclusiveStartKey points in this target's row order."""
        encoded = self.schema.encode(start_key)
        table_key = (
            canonical_key(self.table.meta.schema, start_key) if self.index is not None else b""
        )
        return (encoded.hash_order, encoded.hash_key, encoded.range_key, table_key)


def target(table: StoredTable, index_name: str | None) -> Target:
    if index_name is None:
        return Target(table, None)
    index = table.meta.index(index_name)
    if index is None:
        raise ValidationException(f"The table does not have the specified index: {index_name}")
    return Target(table, index)


def check_select(
    select: str | None, projection: Projection | None, legacy_projection: bool, index: str | None
) -> None:
    """AWS's rules tying Select to ProjectionExpression / AttributesToGet and IndexName."""
    if select is None:
        return
    member = "AttributesToGet" if legacy_projection else "ProjectionExpression"
    if select == "SPECIFIC_ATTRIBUTES" and projection is None:
        raise ValidationException(
            _ONE_ERROR + "Must specify the AttributesToGet or ProjectionExpression when choosing "
            "to get SPECIFIC_ATTRIBUTES"
        )
    if select != "SPECIFIC_ATTRIBUTES" and projection is not None:
        described = "only the Count" if select == "COUNT" else select
        raise ValidationException(
            f"{_ONE_ERROR}Cannot specify the {member} when choosing to get {described}"
        )
    if select == "ALL_PROJECTED_ATTRIBUTES" and index is None:
        raise ValidationException(
            _ONE_ERROR
            + "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"
        )


def check_target(where: Target, select: str | None, consistent: bool | None) -> None:
    index = where.index
    if index is None or index.kind != "GSI":
        return
    if select == "ALL_ATTRIBUTES" and index.projection_type != "ALL":
        raise ValidationException(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
            f"supported for global secondary index {index.name} because its projection type "
            "is not ALL"
        )
    if consistent:
        raise ValidationException("Consistent reads are not supported on global secondary indexes")


def start_position(
    where: Target, start_key: Mapping[str, Any] | None
) -> tuple[int, bytes, bytes, bytes] | None:
    """The row position an ExclusiveStartKey names, after AWS's checks of its shape."""
    if start_key is None:
        return None
    validate_item(dict(start_key))
    names = where.key_names()
    if set(start_key) != set(names) or any(
        attribute.type not in start_key[attribute.name]
        for schema in (where.table.meta.schema, where.schema)
        for attribute in schema.attributes
    ):
        raise ValidationException(
            "The provided starting key is invalid: The provided key element does not match the "
            "schema"
        )
    return where.position(dict(start_key))


@dataclass
class Page:
    items: list[Item]
    scanned: int
    last_key: Item | None
    consumed: Consumed


def read_page(
    connection: sqlite3.Connection,
    where: Target,
    rows: Iterator[Row],
    *,
    limit: int | None,
    filter_: Condition | None,
    select: str | None,
    consistent: bool,
) -> Page:
    """Read rows until the limit or 1 MB, keeping those that pass the filter."""
    items: list[Item] = []
    scanned = size = 0
    last: Row | None = None
    fetch_table = (
        where.index is not None and where.index.kind == "LSI" and select == "ALL_ATTRIBUTES"
    )
    for row in rows:
        scanned += 1
        size += row.size
        item = row.item
        if fetch_table:
            # An LSI read of attributes it does not project costs a fetch from the table.
            found = store.get_row(
                connection,
                where.table.id,
                store.TABLE_ROWS,
                where.table.meta.schema.encode(item),
            )
            item = found.item if found is not None else item
        if filter_ is None or filter_.evaluate(item):
            items.append(item)
        if scanned == limit or size >= PAGE_BYTES:
            last = row
            break
    consumed = Consumed(where.table.meta.name)
    units = read_units(size, consistent)
    if where.index is not None:
        consumed.charge_index(where.index.kind, where.index.name, units)
    else:
        consumed.table = units
    last_key = {name: last.item[name] for name in where.key_names()} if last else None
    return Page(items, scanned, last_key, consumed)


def page_result(
    page: Page,
    *,
    select: str | None,
    projection: Projection | None,
    capacity: str | None,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if select != "COUNT":
        result["Items"] = (
            [projection.apply(item) for item in page.items] if projection else page.items
        )
    result["Count"] = len(page.items)
    result["ScannedCount"] = page.scanned
    if page.last_key is not None:
        result["LastEvaluatedKey"] = page.last_key
    if (report := page.consumed.report(capacity)) is not None:
        result["ConsumedCapacity"] = report
    return result
