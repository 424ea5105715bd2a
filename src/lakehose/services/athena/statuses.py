"""The states Athena reports, as AWS spells them (``QueryExecutionState``, ``WorkGroupState``)."""

from __future__ import annotations

from enum import StrEnum


class QueryExecutionState(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


class WorkGroupState(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
