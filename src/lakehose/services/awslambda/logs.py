"""An invocation's log as AWS writes it, and the tail ``LogType=Tail`` returns.

The platform brackets what the function wrote with its own lines (tab-separated REPORT fields,
as CloudWatch shows them)::

    START RequestId: <id> Version: $LATEST
    <what the handler printed, and the runtime's [ERROR] report>
    END RequestId: <id>
    REPORT RequestId: <id>\tDuration: 2.47 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t
        Max Memory Used: 39 MB\tInit Duration: 115.33 ms\t

A cold start's init output comes before START; ``Init Duration`` appears on its REPORT only. A
timeout adds ``<ISO time> <id> Task timed out after 1.00 seconds`` and ``Status: timeout``; a
crashed runtime its ``RequestId: <id> Error: Runtime exited with error: ...`` line and
``Status: error``. Billed duration is rounded up to the millisecond and, since AWS began billing
the init phase of on-demand functions (August 2025), includes the init duration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from lakehose.services.awslambda.names import LATEST

# ``LogType=Tail`` returns the last 4 KB of the log.
TAIL_BYTES = 4096


@dataclass(frozen=True)
class Report:
    """The figures of an invocation's REPORT line."""

    request_id: str
    duration_ms: float
    memory_size: int
    max_memory_used: int
    init_ms: float | None = None
    status: str | None = None  # "timeout" or "error"
    error_type: str | None = None

    def line(self) -> str:
        billed = math.ceil(self.duration_ms + (self.init_ms or 0.0))
        fields = [
            f"REPORT RequestId: {self.request_id}",
            f"Duration: {self.duration_ms:.2f} ms",
            f"Billed Duration: {max(billed, 1)} ms",
            f"Memory Size: {self.memory_size} MB",
            f"Max Memory Used: {self.max_memory_used} MB",
        ]
        if self.init_ms is not None:
            fields.append(f"Init Duration: {self.init_ms:.2f} ms")
        if self.status is not None:
            fields.append(f"Status: {self.status}")
        if self.error_type is not None:
            fields.append(f"Error Type: {self.error_type}")
        return "\t".join(fields) + "\t\n"


def timeout_line(when: datetime, request_id: str, seconds: float) -> str:
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"
    return f"{stamp} {request_id} Task timed out after {seconds:.2f} seconds\n"


def exit_lines(request_id: str, reason: str, error_type: str = "Runtime.ExitError") -> str:
    return f"RequestId: {request_id} Error: {reason}\n{error_type}\n"


def invocation_log(
    init_output: str, output: str, extra: str, report: Report, version: str = LATEST
) -> str:
    """The whole log of one invocation of ``version``; ``extra`` is the platform's timeout or
    crash lines."""
    if output and not output.endswith("\n"):
        output += "\n"
    return (
        f"{init_output}START RequestId: {report.request_id} Version: {version}\n"
        f"{output}{extra}END RequestId: {report.request_id}\n{report.line()}"
    )


def tail(log: str) -> bytes:
    return log.encode()[-TAIL_BYTES:]
