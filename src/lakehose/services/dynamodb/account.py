"""DescribeLimits and DescribeEndpoints: what DynamoDB tells a client about the account and where
to send requests.

The limits are AWS's default quotas for a region (80,000 read and write capacity units per
account, 40,000 per table). DescribeEndpoints names the address the request reached, with AWS's
cache period: AWS names its own regional endpoint, but a client doing endpoint discovery against
lakehose must keep talking to lakehose, never be sent to AWS.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import urlsplit

from lakehose.services.dynamodb.base import DynamoDBBase

ACCOUNT_MAX_UNITS = 80_000
TABLE_MAX_UNITS = 40_000
ENDPOINT_CACHE_MINUTES = 1440


class Caller(Protocol):
    """What DescribeEndpoints reads from the gateway's request context (engines do not import
    it)."""

    @property
    def host(self) -> str: ...


class AccountOperations(DynamoDBBase):
    def describe_limits(self) -> dict[str, Any]:
        return {
            "AccountMaxReadCapacityUnits": ACCOUNT_MAX_UNITS,
            "AccountMaxWriteCapacityUnits": ACCOUNT_MAX_UNITS,
            "TableMaxReadCapacityUnits": TABLE_MAX_UNITS,
            "TableMaxWriteCapacityUnits": TABLE_MAX_UNITS,
        }

    def describe_endpoints(self, *, context: Caller | None = None) -> dict[str, Any]:
        address = context.host if context is not None else ""
        if not address:
            address = urlsplit(self.environment.endpoint_url).netloc
        return {"Endpoints": [{"Address": address, "CachePeriodInMinutes": ENDPOINT_CACHE_MINUTES}]}
