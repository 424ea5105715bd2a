"""DescribeTimeToLive, UpdateTimeToLive, and deleting expired items by the clock.

An item expires when its TTL attribute, a Number of epoch seconds, lies in the past. AWS deletes
expired items "typically within a few days"; lakehose deletes them on the first ``run_due`` after
they expire, so tests can drive expiry with a manual clock. Like AWS it ignores TTL values more
than five years in the past (almost always milliseconds mistaken for seconds, or junk). A TTL
deletion is an ordinary REMOVE change whose record names the service as the user identity.
"""

from __future__ import annotations

from typing import Any

from lakehose.services.dynamodb import records, store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.changes import apply_change, expiry
from lakehose.services.dynamodb.errors import ValidationException
from lakehose.services.dynamodb.statuses import TimeToLiveStatus

FIVE_YEARS_S = 5 * 365 * 24 * 3600
SWEEP_BATCH = 100


class TimeToLiveOperations(DynamoDBBase):
    def describe_time_to_live(self, *, table_name: str) -> dict[str, Any]:
        with self.db.read() as connection:
            meta = self._control_table(connection, table_name).meta
        description: dict[str, Any] = {
            "TimeToLiveStatus": (
                TimeToLiveStatus.ENABLED if meta.ttl_enabled else TimeToLiveStatus.DISABLED
            )
        }
        if meta.ttl_enabled:
            description["AttributeName"] = meta.ttl_attribute
        return {"TimeToLiveDescription": description}

    def update_time_to_live(
        self, *, table_name: str, time_to_live_specification: dict[str, Any]
    ) -> dict[str, Any]:
        enabled = time_to_live_specification["Enabled"]
        attribute = time_to_live_specification["AttributeName"]
        with self.db.transaction() as connection:
            table = self._control_table(connection, table_name)
            meta = table.meta
            if enabled and meta.ttl_enabled:
                raise ValidationException("TimeToLive is already enabled")
            if not enabled and not meta.ttl_enabled:
                raise ValidationException("TimeToLive is already disabled")
            if not enabled and attribute != meta.ttl_attribute:
                raise ValidationException(
                    "TimeToLive is active on a different AttributeName: current AttributeName "
                    f"is {meta.ttl_attribute}"
                )
            meta.ttl_enabled = enabled
            meta.ttl_attribute = attribute if enabled else None
            store.save_table(connection, table)
            if enabled:
                rows = list(store.walk(connection, store.RowRange(table.id, store.TABLE_ROWS)))
                store.set_expiries(
                    connection, table.id, [(expiry(meta, row.item), row) for row in rows]
                )
            else:
                store.clear_expiries(connection, table.id)
        return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}

    def _expire_items(self) -> int:
        """Delete every item whose TTL has passed; returns how many were deleted."""
        now = self.clock.now()
        deleted = 0
        context = self._change_context()
        with self.db.read() as connection:
            table_ids = store.tables_with_expired(connection, now, now - FIVE_YEARS_S)
        for table_id in table_ids:
            while True:
                # One short transaction per batch keeps writers waiting only briefly.
                with self.db.transaction() as connection:
                    table = store.table_by_id(connection, table_id)
                    if table is None:
                        break
                    rows = store.expired(connection, table_id, now, now - FIVE_YEARS_S, SWEEP_BATCH)
                    for row in rows:
                        apply_change(
                            connection, table, row.item, None, context, records.TTL_IDENTITY
                        )
                deleted += len(rows)
                if len(rows) < SWEEP_BATCH:
                    break
        self._committed(context)
        return deleted
