"""What every group of Athena operations shares: storage, lookups, paging and idempotency.

The operations live in mixins by noun (``workgroups``, ``named_queries``, ``executions``,
``results``) that ``engine.AthenaEngine`` combines; each derives from ``AthenaBase``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, ClassVar

from lakehose.pagination import decode_page_token, encode_page_token
from lakehose.services.athena import store
from lakehose.services.athena.errors import InvalidRequestException
from lakehose.services.athena.statuses import WorkGroupState
from lakehose.services.athena.store import WorkGroupRow
from lakehose.services.engine import SqliteEngine
from lakehose.storage import Migration

PRIMARY = "primary"
ENGINE_VERSION = {
    "SelectedEngineVersion": "AUTO",
    "EffectiveEngineVersion": "Athena engine version 3",
}
# The page size of ListWorkGroups / ListNamedQueries / ListQueryExecutions when MaxResults is
# absent (or 0, which the model allows for the latter two): the largest page the model allows.
DEFAULT_PAGE = 50


class AthenaBase(SqliteEngine):
    """Shared state and helpers of the Athena operation mixins."""

    service_name: ClassVar[str] = "athena"
    database_file: ClassVar[str] = "athena.sqlite3"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def _now(self) -> float:
        return self.clock.now()

    # -- lookups ------------------------------------------------------------------------------

    @staticmethod
    def _require_workgroup(connection: sqlite3.Connection, name: str | None) -> WorkGroupRow:
        """The named workgroup (``primary`` when the request names none), or Athena's error."""
        found = store.find_workgroup(connection, name or PRIMARY)
        if found is None:
            raise InvalidRequestException.workgroup_not_found()
        return found

    def _require_enabled(self, connection: sqlite3.Connection, name: str | None) -> WorkGroupRow:
        """Running queries and saving named queries need an ENABLED workgroup."""
        found = self._require_workgroup(connection, name)
        if found.state != WorkGroupState.ENABLED:
            raise InvalidRequestException.workgroup_disabled(found.name)
        return found

    # -- hooks between the mixins, implemented by ``runner`` and ``results`` -------------------

    def _submit(self, execution_id: str) -> None:
        """Hand a QUEUED execution to the worker pool."""
        raise NotImplementedError

    def _cancel(self, execution_id: str) -> None:
        """Interrupt a running execution."""
        raise NotImplementedError

    def _check_output_bucket(self, bucket: str) -> None:
        """Refuse a query whose output bucket does not exist."""
        raise NotImplementedError

    def _forget_results(self, execution_id: str) -> None:
        """Drop the engine's copy of a deleted execution's rows."""
        raise NotImplementedError

    # -- idempotency --------------------------------------------------------------------------

    @staticmethod
    def _idempotent(
        connection: sqlite3.Connection,
        kind: str,
        token: str | None,
        new_id: str,
        compared: dict[str, Any],
    ) -> str | None:
        """The id an earlier request with this ``ClientRequestToken`` created, if any.

        A repeated token with the same ``compared`` parameters returns the first request's id
        instead of creating anything; with different parameters it is Athena's
        ``IDEMPOTENT_PARAMETER_MISMATCH``. A first use records the token for ``new_id``.
        """
        if not token:
            raise InvalidRequestException.token_missing()
        earlier = store.claim_token(connection, kind, token, new_id, store.dumps(compared))
        if earlier is None:
            return None
        resource_id, fingerprint = earlier
        if fingerprint != store.dumps(compared):
            raise InvalidRequestException.idempotent_mismatch()
        return resource_id


# -- paging -----------------------------------------------------------------------------------


def page_size(max_results: int | None, default: int = DEFAULT_PAGE) -> int:
    return max_results if max_results else default


def encode_token(fields: dict[str, Any]) -> str:
    """An opaque NextToken carrying where a listing left off."""
    return encode_page_token(fields)


def decode_token(token: str | None, *required: str) -> dict[str, Any] | None:
    """The fields of a NextToken this engine issued, or ``None`` when there is none."""
    if token is None:
        return None
    fields = decode_page_token(token)
    if fields is None or any(name not in fields for name in required):
        raise InvalidRequestException.malformed_token(token)
    return fields


# -- S3 locations -----------------------------------------------------------------------------


def split_s3_location(location: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` as (bucket, key prefix), or Athena's invalid-path error."""
    scheme, _, rest = location.partition("://")
    bucket, _, prefix = rest.partition("/")
    if scheme != "s3" or not bucket:
        raise InvalidRequestException.invalid_output_location()
    return bucket, prefix
