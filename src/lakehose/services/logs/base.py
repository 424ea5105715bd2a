"""What every group of CloudWatch Logs operations shares: storage, lookups, names and ARNs."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any, ClassVar

from lakehose.arns import build_arn
from lakehose.pagination import decode_page_token
from lakehose.services.engine import SqliteEngine
from lakehose.services.logs import store
from lakehose.services.logs.errors import InvalidParameterException, ResourceNotFoundException
from lakehose.services.logs.store import Group, Stream
from lakehose.storage import Migration


class LogsBase(SqliteEngine):
    """Shared state and helpers of the Logs operation mixins."""

    service_name: ClassVar[str] = "logs"
    database_file: ClassVar[str] = "logs.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def _now_ms(self) -> int:
        return int(self.clock.now() * 1000)

    def _group_arn(self, name: str) -> str:
        return build_arn("logs", self.region, self.account_id, f"log-group:{name}")

    def _group_name(self, name: str | None, identifier: str | None = None) -> str:
        """The group a ``logGroupName`` or a ``logGroupIdentifier`` (name or ARN) names."""
        if name is not None and identifier is not None:
            raise InvalidParameterException(
                "LogGroup name and LogGroup ARN are mutually exclusive parameters."
            )
        chosen = name if name is not None else identifier
        if chosen is None:
            raise InvalidParameterException("Either logGroupName or logGroupIdentifier is required")
        if chosen.startswith("arn:"):
            resource = chosen.split(":", 5)[-1]
            chosen = resource.removeprefix("log-group:").removesuffix(":*")
        return chosen

    def _find_group(self, connection: sqlite3.Connection, name: str) -> Group:
        found = store.get_group(connection, name)
        if found is None:
            raise ResourceNotFoundException.group()
        return found

    def _find_stream(self, connection: sqlite3.Connection, group: str, name: str) -> Stream:
        self._find_group(connection, group)
        found = store.get_stream(connection, group, name)
        if found is None:
            raise ResourceNotFoundException.stream()
        return found

    def _retention_floor(self, group: Group) -> int:
        """The oldest timestamp the group's retention keeps (0 when kept forever)."""
        if group.retention_days is None:
            return 0
        return self._now_ms() - group.retention_days * 86_400_000

    @staticmethod
    def _token(token: str | None) -> dict[str, Any] | None:
        if token is None:
            return None
        fields = decode_page_token(token)
        if fields is None:
            raise InvalidParameterException("The specified nextToken is invalid.")
        return fields
