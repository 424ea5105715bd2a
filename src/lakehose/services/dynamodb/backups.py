"""UpdateContinuousBackups and DescribeContinuousBackups: the point-in-time recovery flag.

Continuous backups are always ENABLED on DynamoDB tables; point-in-time recovery is switched per
table and stored in its metadata (enabled since when, for how many days). Exports require it and
read from no earlier than the moment it was enabled (``exports.py``). The restorable window
runs from the later of the moment it was enabled and the start of the recovery period to five
minutes before now (AWS's ``LatestRestorableDateTime`` lags by about that), never before its start.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lakehose.services.dynamodb import store
from lakehose.services.dynamodb.base import DynamoDBBase
from lakehose.services.dynamodb.errors import TableNotFoundException, ValidationException
from lakehose.services.dynamodb.tables import TableMeta

DEFAULT_RECOVERY_DAYS = 35
LATEST_LAG_S = 300


class BackupOperations(DynamoDBBase):
    def update_continuous_backups(
        self, *, table_name: str, point_in_time_recovery_specification: dict[str, Any]
    ) -> dict[str, Any]:
        enabled = point_in_time_recovery_specification["PointInTimeRecoveryEnabled"]
        days = point_in_time_recovery_specification.get("RecoveryPeriodInDays")
        if days is not None and not 1 <= days <= DEFAULT_RECOVERY_DAYS:
            raise ValidationException(
                "RecoveryPeriodInDays must be between 1 and 35 days when point in time recovery "
                "is enabled"
            )
        now = self.clock.now()
        with self.db.transaction() as connection:
            name = self._table_name(table_name)
            table = store.find_table(connection, name)
            if table is None:
                raise TableNotFoundException.named(name)
            meta = table.meta
            if not enabled:
                meta.pitr_since = None
            elif meta.pitr_since is None:
                meta.pitr_since = now
            if enabled:
                meta.pitr_days = days or meta.pitr_days or DEFAULT_RECOVERY_DAYS
            store.save_table(connection, table)
        return {"ContinuousBackupsDescription": _describe(meta, now)}

    def describe_continuous_backups(self, *, table_name: str) -> dict[str, Any]:
        with self.db.read() as connection:
            name = self._table_name(table_name)
            table = store.find_table(connection, name)
        if table is None:
            raise TableNotFoundException.named(name)
        return {"ContinuousBackupsDescription": _describe(table.meta, self.clock.now())}


def _describe(meta: TableMeta, now: float) -> dict[str, Any]:
    if meta.pitr_since is None:
        recovery: dict[str, Any] = {"PointInTimeRecoveryStatus": "DISABLED"}
    else:
        days = meta.pitr_days or DEFAULT_RECOVERY_DAYS
        earliest = max(meta.pitr_since, now - days * 86400)
        recovery = {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": days,
            "EarliestRestorableDateTime": _moment(earliest),
            "LatestRestorableDateTime": _moment(max(earliest, now - LATEST_LAG_S)),
        }
    return {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": recovery}


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
