"""The statuses DynamoDB reports, as AWS spells them: ``TableStatus``, ``IndexStatus``, a Kinesis
streaming destination's ``DestinationStatus`` and ``TimeToLiveStatus``."""

from __future__ import annotations

from enum import StrEnum


class TableStatus(StrEnum):
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    DELETING = "DELETING"
    ACTIVE = "ACTIVE"


class IndexStatus(StrEnum):
    CREATING = "CREATING"
    UPDATING = "UPDATING"
    DELETING = "DELETING"
    ACTIVE = "ACTIVE"


class DestinationStatus(StrEnum):
    ENABLING = "ENABLING"
    ACTIVE = "ACTIVE"
    DISABLING = "DISABLING"
    DISABLED = "DISABLED"
    ENABLE_FAILED = "ENABLE_FAILED"
    UPDATING = "UPDATING"


class TimeToLiveStatus(StrEnum):
    ENABLING = "ENABLING"
    DISABLING = "DISABLING"
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
