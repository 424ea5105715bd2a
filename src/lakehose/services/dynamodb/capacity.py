"""Consumed capacity, computed as AWS bills it, and reported as ``ReturnConsumedCapacity`` asks.

A write costs one unit per started KiB of the larger of the item's before and after images; a
read one unit per started 4 KiB, halved for an eventually consistent read; every request costs at
least one unit. Transactions cost double. Secondary indexes are charged separately: a write costs
for each index row it puts or deletes, a read through an index for the index rows it reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096


def write_units(size: int) -> float:
    return float(max(1, -(-size // WRITE_UNIT_BYTES)))


def read_units(size: int, consistent: bool) -> float:
    units = float(max(1, -(-size // READ_UNIT_BYTES)))
    return units if consistent else units / 2


@dataclass
class Consumed:
    """Units one table consumed in one request, split into the table and each index."""

    table_name: str
    table: float = 0.0
    global_indexes: dict[str, float] = field(default_factory=dict)
    local_indexes: dict[str, float] = field(default_factory=dict)

    def charge_index(self, kind: str, name: str, units: float) -> None:
        bucket = self.global_indexes if kind == "GSI" else self.local_indexes
        bucket[name] = bucket.get(name, 0.0) + units

    def merge(self, other: Consumed, factor: float = 1.0) -> None:
        self.table += other.table * factor
        for name, units in other.global_indexes.items():
            self.global_indexes[name] = self.global_indexes.get(name, 0.0) + units * factor
        for name, units in other.local_indexes.items():
            self.local_indexes[name] = self.local_indexes.get(name, 0.0) + units * factor

    @property
    def total(self) -> float:
        return self.table + sum(self.global_indexes.values()) + sum(self.local_indexes.values())

    def report(self, mode: str | None) -> dict[str, Any] | None:
        """The ``ConsumedCapacity`` member for ``mode`` (TOTAL, INDEXES, NONE or absent)."""
        if mode not in ("TOTAL", "INDEXES"):
            return None
        shape: dict[str, Any] = {"TableName": self.table_name, "CapacityUnits": self.total}
        if mode == "INDEXES":
            shape["Table"] = {"CapacityUnits": self.table}
            if self.global_indexes:
                shape["GlobalSecondaryIndexes"] = {
                    name: {"CapacityUnits": units} for name, units in self.global_indexes.items()
                }
            if self.local_indexes:
                shape["LocalSecondaryIndexes"] = {
                    name: {"CapacityUnits": units} for name, units in self.local_indexes.items()
                }
        return shape


def report_all(consumed: list[Consumed], mode: str | None) -> list[dict[str, Any]] | None:
    """A ``ConsumedCapacity`` list (batches and transactions), one entry per table."""
    if mode not in ("TOTAL", "INDEXES"):
        return None
    by_table: dict[str, Consumed] = {}
    for entry in consumed:
        merged = by_table.setdefault(entry.table_name, Consumed(entry.table_name))
        merged.merge(entry)
    return [report for entry in by_table.values() if (report := entry.report(mode)) is not None]
