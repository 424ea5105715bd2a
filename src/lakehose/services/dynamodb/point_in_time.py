"""UpdateContinuousBackups and DescribeContinuousBackups: the point-in-time recovery flag.

Only the flag and its recovery period are kept: they decide whether a table may be exported
(ExportTableToPointInTime requires recovery, as AWS does) and from which moment. Continuous
backups themselves are always ENABLED, as AWS reports them for every table.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import Any

from lakehose.services.dynamodb import export_store, store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.errors import TableNotFoundException, ValidationException
from lakehose.services.dynamodb.export_store import RecoverySetting
from lakehose.services.dynamodb.store import StoredTable

DEFAULT_PERIOD_DAYS = 35


class PointInTimeOperations(DynamoDBBase):
    def update_continuous_backups(
        self, *, table_name: str, point_in_time_recovery_specification: dict[str, Any]
    ) -> dict[str, Any]:
        enabled = bool(point_in_time_recovery_specification["PointInTimeRecoveryEnabled"])
        period = point_in_time_recovery_specification.get("RecoveryPeriodInDays")
        if period is not None and not 1 <= period <= DEFAULT_PERIOD_DAYS:
            raise ValidationException(
                "RecoveryPeriodInDays must be between 1 and 35 days when point in time recovery "
                "is enabled"
            )
        now_ms = self._now_ms()
        with self.db.transaction() as connection:
            table = self._recovery_table(connection, table_name)
            current = export_store.recovery(connection, table.id)
            since = (
                current.since_ms if current is not None and current.enabled and enabled else now_ms
            )
            setting = RecoverySetting(enabled, since, period or DEFAULT_PERIOD_DAYS)
            export_store.set_recovery(connection, table.id, setting)
        return {"ContinuousBackupsDescription": self._backups_description(setting, now_ms)}

    def describe_continuous_backups(self, *, table_name: str) -> dict[str, Any]:
        with self.db.read() as connection:
            table = self._recovery_table(connection, table_name)
            setting = export_store.recovery(connection, table.id)
        return {"ContinuousBackupsDescription": self._backups_description(setting, self._now_ms())}

    def _recovery_table(self, connection: sqlite3.Connection, given: str) -> StoredTable:
        """The table of a backup operation; a miss is TableNotFoundException, as AWS says."""
        name = self._table_name(given)
        table = store.find_table(connection, name)
        if table is None:
            raise TableNotFoundException.named(name)
        return table

    def _backups_description(self, setting: RecoverySetting | None, now_ms: int) -> dict[str, Any]:
        recovery: dict[str, Any] = {"PointInTimeRecoveryStatus": "DISABLED"}
        if setting is not None and setting.enabled:
            window_ms = setting.period_days * 86_400_000
            recovery = {
                "PointInTimeRecoveryStatus": "ENABLED",
                "RecoveryPeriodInDays": setting.period_days,
                "EarliestRestorableDateTime": _moment(max(setting.since_ms, now_ms - window_ms)),
                "LatestRestorableDateTime": _moment(now_ms),
            }
        return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": recovery}


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
