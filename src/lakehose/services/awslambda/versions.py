"""Published versions: PublishVersion, ListVersionsByFunction (and ``Publish`` on create and
code updates).

A version is a frozen copy of ``$LATEST``'s code and configuration, numbered from 1 in the
order published; numbers are never reused, even after a version is deleted. Publishing when
nothing changed since the last version returns that version, as AWS does. A version's code
stays on disk as long as any version or ``$LATEST`` uses it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from lakehose.services.awslambda import store
from lakehose.services.awslambda.base import LambdaBase
from lakehose.services.awslambda.errors import (
    InvalidParameterValueException,
    ResourceConflictException,
)
from lakehose.services.awslambda.markers import decode_marker, encode_marker
from lakehose.services.awslambda.names import LATEST
from lakehose.services.awslambda.store import FunctionRecord

DEFAULT_LIST_ITEMS = 50
# What a version freezes; the rest (revision, dates, counters) says nothing about behaviour.
_UNVERSIONED = ("last_modified", "revision_id", "version", "last_version", "reserved_concurrency")


class VersionOperations(LambdaBase):
    def publish_version(
        self,
        *,
        function_name: str,
        code_sha256: str | None = None,
        description: str | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, function_name)
            self._check_revision(record, revision_id)
            if code_sha256 is not None and code_sha256 != record.code_sha256:
                raise InvalidParameterValueException.code_sha256(code_sha256, record.code_sha256)
            version = self._publish(connection, record, description)
        return self._configuration(version, version.version)

    def list_versions_by_function(
        self, *, function_name: str, marker: str | None = None, max_items: int | None = None
    ) -> dict[str, Any]:
        limit = max_items or DEFAULT_LIST_ITEMS
        start = _position(marker) if marker else 0
        with self.db.read() as connection:
            record, _ = self._find_function(connection, function_name)
            every = [record, *store.versions(connection, record.name)]
        page = every[start : start + limit]
        result: dict[str, Any] = {
            "Versions": [self._configuration(r, r.version, listing=True) for r in page]
        }
        if start + limit < len(every):
            result["NextMarker"] = encode_marker(str(start + limit))
        return result

    def _publish(
        self, connection: sqlite3.Connection, record: FunctionRecord, description: str | None
    ) -> FunctionRecord:
        """Publish ``record`` (``$LATEST``) unless the last version is the same already."""
        published = store.versions(connection, record.name)
        if published and _frozen(published[-1]) == _frozen(record) and description is None:
            return published[-1]
        number = record.last_version + 1
        version = record.replace(
            version=str(number),
            description=record.description if description is None else description,
            last_modified=self._last_modified(),
            revision_id=self.ids.uuid4(),
            last_version=0,
        )
        store.insert_version(connection, version)
        store.save_function(connection, record.replace(last_version=number))
        return version

    def _delete_version(self, connection: sqlite3.Connection, name: str, version: str) -> str:
        """Delete a published version; the code digest it used (to remove if now unused)."""
        if version == LATEST or not version.isdigit():
            raise InvalidParameterValueException(
                "$LATEST version cannot be deleted without deleting the function."
            )
        referring = [
            alias.name
            for alias in store.aliases(connection, name)
            if version == alias.function_version or version in (alias.weights or {})
        ]
        if referring:
            raise ResourceConflictException.version_in_use(referring)
        found = store.get_version(connection, name, int(version))
        if found is None:
            return ""
        store.delete_version(connection, name, int(version))
        return found.code_hex

    @staticmethod
    def _code_in_use(connection: sqlite3.Connection, name: str) -> set[str]:
        latest = store.get_function(connection, name)
        kept = {record.code_hex for record in store.versions(connection, name)}
        if latest is not None:
            kept.add(latest.code_hex)
        return kept


def _position(marker: str) -> int:
    position = decode_marker(marker)
    if not position.isdigit():
        raise InvalidParameterValueException(f"Invalid marker: {marker}")
    return int(position)


def _frozen(record: FunctionRecord) -> dict[str, Any]:
    fields = dict(vars(record))
    for name in _UNVERSIONED:
        fields.pop(name, None)
    fields.pop("description", None)
    return fields
