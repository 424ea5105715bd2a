"""What a deploy or destroy reports as it goes, for progress displays."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ResourceEvent:
    """One resource changed state (CloudFormation's stack event, e.g. ``CREATE_COMPLETE``)."""

    stack: str
    logical_id: str
    type: str
    status: str
    physical_id: str = ""
    reason: str = ""


class Listener:
    """Receives progress; the default ignores it. Subclass and override what you show."""

    def stack_started(self, stack: str, action: str, steps: int) -> None:
        """``action`` is ``deploy`` or ``destroy``; ``steps`` the resources it will visit."""

    def resource(self, event: ResourceEvent) -> None:
        """A resource started or finished an operation."""

    def stack_finished(self, stack: str, status: str) -> None:
        """The stack reached a final status (``CREATE_COMPLETE``, ``UPDATE_ROLLBACK_COMPLETE``)."""
