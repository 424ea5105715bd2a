"""The CloudWatch Logs engine: log groups, streams and events on one SQLite database.

The operations are grouped by noun in mixins (``groups`` for groups, streams, retention and
tags; ``events`` for writing and reading events); this class adds the life cycle: retention is
applied by the clock at every ``run_due()``.

Ports:

``append_events(group, stream, events)`` (provided)
    Lambda writes each invocation's log lines (``START``, the handler's output, ``END``,
    ``REPORT``) to ``/aws/lambda/<function>``, creating the group and stream as Lambda does.
"""

from __future__ import annotations

from typing import ClassVar

from lakehose.services.logs.events import EventOperations
from lakehose.services.logs.groups import GroupOperations


class LogsEngine(GroupOperations, EventOperations):
    """Amazon CloudWatch Logs, enough for Lambda's and users' logs."""

    PORT_METHODS: ClassVar[frozenset[str]] = frozenset({"append_events"})

    def run_due(self) -> None:
        self._expire()
