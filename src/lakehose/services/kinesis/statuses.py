"""The statuses Kinesis reports, as AWS spells them (``StreamStatus``, ``ConsumerStatus``)."""

from __future__ import annotations

from enum import StrEnum


class StreamStatus(StrEnum):
    CREATING = "CREATING"
    DELETING = "DELETING"
    ACTIVE = "ACTIVE"
    UPDATING = "UPDATING"


class ConsumerStatus(StrEnum):
    CREATING = "CREATING"
    DELETING = "DELETING"
    ACTIVE = "ACTIVE"
