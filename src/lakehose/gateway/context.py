"""What the gateway knows about a request beyond its parameters."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    """Passed to engine methods that declare a ``context`` keyword argument."""

    service: str
    operation: str
    region: str
    account_id: str
    request_id: str
    access_key_id: str | None = None
    host: str = ""
