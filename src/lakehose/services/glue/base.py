"""What every group of Glue operations shares: storage, the clock, lookups, tokens, documents.

The operations live in mixins by noun (``databases``, ``tables``, ``partitions``, ``crawlers``)
that ``engine.GlueEngine`` combines; each derives from ``GlueBase`` for these helpers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, ClassVar

from lakehose.pagination import decode_page_token, encode_page_token
from lakehose.services.engine import EngineEnvironment, SqliteEngine
from lakehose.services.glue import store
from lakehose.services.glue.errors import (
    AccessDeniedException,
    EntityNotFoundException,
    InvalidInputException,
)
from lakehose.services.glue.ports import ObjectSource
from lakehose.storage import Migration

Document = dict[str, Any]


class GlueBase(SqliteEngine):
    """Shared state and helpers of the Glue operation mixins."""

    service_name: ClassVar[str] = "glue"
    database_file: ClassVar[str] = "glue.db"
    migrations: ClassVar[Sequence[Migration]] = store.MIGRATIONS

    def __init__(self, environment: EngineEnvironment, objects: ObjectSource | None = None) -> None:
        super().__init__(environment)
        self.objects = objects

    def _check_catalog(self, catalog_id: str | None, operation: str) -> None:
        """Only this account's catalog exists here; another account's is not granted to us."""
        if catalog_id is not None and catalog_id != self.account_id:
            raise AccessDeniedException.catalog(self.account_id, self.region, operation, catalog_id)

    @property
    def caller_arn(self) -> str:
        """``CreatedBy`` of what API calls create (lakehose has one principal per account)."""
        return f"arn:aws:iam::{self.account_id}:root"

    # -- lookups --------------------------------------------------------------------------

    def _locate_database(self, connection: sqlite3.Connection, name: str) -> Document:
        found = store.find_database(connection, name.lower())
        if found is None:
            raise EntityNotFoundException.database(name.lower())
        return found

    def _locate_table(self, connection: sqlite3.Connection, database: str, name: str) -> Document:
        """The table's current version; a missing database is reported before a missing table."""
        self._locate_database(connection, database)
        found = store.find_table(connection, database.lower(), name.lower())
        if found is None:
            raise EntityNotFoundException.table(name.lower())
        return found


# -- documents ------------------------------------------------------------------------------


def storable(value: Any) -> Any:
    """A request value as stored JSON: timestamps become epoch seconds, the rest is unchanged."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, Mapping):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def project(document: Document, attributes: list[str] | None, names: Mapping[str, str]) -> Document:
    """``AttributesToGet``: keep only the members named (``NAME`` and the like), always Name."""
    if attributes is None:
        return document
    wanted = {"Name"} | {names[attribute] for attribute in attributes if attribute in names}
    return {key: value for key, value in document.items() if key in wanted}


# -- pagination tokens ----------------------------------------------------------------------


def encode_token(position: Any) -> str:
    """An opaque NextToken carrying where a listing left off."""
    return encode_page_token({"after": position})


def decode_token(token: str | None, default: Any) -> Any:
    """Where a listing resumes; a token this engine did not issue is InvalidInputException."""
    if token is None:
        return default
    fields = decode_page_token(token)
    if fields is None or not isinstance(fields.get("after"), type(default)):
        raise InvalidInputException("Invalid NextToken")
    return fields["after"]
