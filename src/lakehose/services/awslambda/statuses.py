"""The states Lambda reports for a function, as AWS spells them (``State``,
``LastUpdateStatus``)."""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    PENDING = "Pending"
    ACTIVE = "Active"
    INACTIVE = "Inactive"
    FAILED = "Failed"


class LastUpdateStatus(StrEnum):
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    IN_PROGRESS = "InProgress"
