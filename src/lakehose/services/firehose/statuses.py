"""The statuses Firehose reports, as AWS spells them (``DeliveryStreamStatus``)."""

from __future__ import annotations

from enum import StrEnum


class DeliveryStreamStatus(StrEnum):
    CREATING = "CREATING"
    CREATING_FAILED = "CREATING_FAILED"
    DELETING = "DELETING"
    DELETING_FAILED = "DELETING_FAILED"
    ACTIVE = "ACTIVE"
