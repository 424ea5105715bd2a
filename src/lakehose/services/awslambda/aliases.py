"""Aliases: CreateAlias, GetAlias, UpdateAlias, DeleteAlias, ListAliases.

An alias names a version (``$LATEST`` or a published one) and may route a share of invocations
to one more published version (``RoutingConfig.AdditionalVersionWeights``, a weight from 0 to
1). Invoking through an alias picks the version by that weight; the response's
``ExecutedVersion`` says which ran.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from lakehose.services.awslambda import store
from lakehose.services.awslambda.base import LambdaBase
from lakehose.services.awslambda.errors import (
    InvalidParameterValueException,
    PreconditionFailedException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from lakehose.services.awslambda.markers import decode_marker, encode_marker
from lakehose.services.awslambda.names import LATEST
from lakehose.services.awslambda.store import AliasRecord, FunctionRecord

DEFAULT_LIST_ITEMS = 50


class AliasOperations(LambdaBase):
    def create_alias(
        self,
        *,
        function_name: str,
        name: str,
        function_version: str,
        description: str = "",
        routing_config: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, function_name)
            if store.get_alias(connection, record.name, name) is not None:
                raise ResourceConflictException.alias_exists(self.names.arn(record.name, name))
            weights = self._weights(connection, record, function_version, routing_config)
            alias = AliasRecord(name, function_version, description, self.ids.uuid4(), weights)
            store.put_alias(connection, record.name, alias)
        return self._alias(record.name, alias)

    def get_alias(self, *, function_name: str, name: str) -> dict[str, Any]:
        with self.db.read() as connection:
            record, alias = self._find_alias(connection, function_name, name)
        return self._alias(record.name, alias)

    def update_alias(
        self,
        *,
        function_name: str,
        name: str,
        function_version: str | None = None,
        description: str | None = None,
        routing_config: dict[str, Any] | None = None,
        revision_id: str | None = None,
    ) -> dict[str, Any]:
        with self.db.transaction() as connection:
            record, alias = self._find_alias(connection, function_name, name)
            if revision_id is not None and revision_id != alias.revision_id:
                raise PreconditionFailedException.function_revision()
            version = function_version or alias.function_version
            weights = alias.weights
            if routing_config is not None or function_version is not None:
                config = routing_config
                if config is None and weights is not None:
                    config = {"AdditionalVersionWeights": weights}
                weights = self._weights(connection, record, version, config)
            alias = AliasRecord(
                name,
                version,
                alias.description if description is None else description,
                self.ids.uuid4(),
                weights,
            )
            store.put_alias(connection, record.name, alias)
        return self._alias(record.name, alias)

    def delete_alias(self, *, function_name: str, name: str) -> None:
        with self.db.transaction() as connection:
            record, _ = self._find_function(connection, function_name)
            # Deleting an alias that does not exist succeeds, as on AWS.
            store.delete_alias(connection, record.name, name)

    def list_aliases(
        self,
        *,
        function_name: str,
        function_version: str | None = None,
        marker: str | None = None,
        max_items: int | None = None,
    ) -> dict[str, Any]:
        limit = max_items or DEFAULT_LIST_ITEMS
        after = decode_marker(marker) if marker else ""
        with self.db.read() as connection:
            record, _ = self._find_function(connection, function_name)
            found = [
                alias
                for alias in store.aliases(connection, record.name)
                if alias.name > after
                and (function_version is None or alias.function_version == function_version)
            ]
        result: dict[str, Any] = {
            "Aliases": [self._alias(record.name, alias) for alias in found[:limit]]
        }
        if len(found) > limit:
            result["NextMarker"] = encode_marker(found[limit - 1].name)
        return result

    # -- internals ----------------------------------------------------------------------------

    def _find_alias(
        self, connection: sqlite3.Connection, function_name: str, name: str
    ) -> tuple[FunctionRecord, AliasRecord]:
        record, _ = self._find_function(connection, function_name)
        alias = store.get_alias(connection, record.name, name)
        if alias is None:
            raise ResourceNotFoundException.alias(self.names.arn(record.name, name))
        return record, alias

    def _weights(
        self,
        connection: sqlite3.Connection,
        record: FunctionRecord,
        version: str,
        routing_config: dict[str, Any] | None,
    ) -> dict[str, float] | None:
        """The alias's target checked to exist, and its routing weights checked as AWS does."""
        if self._version_record(connection, record, version) is None:
            raise ResourceNotFoundException.function(self.names.arn(record.name, version))
        weights = dict((routing_config or {}).get("AdditionalVersionWeights") or {})
        if not weights:
            return None
        if len(weights) > 1:
            raise InvalidParameterValueException(
                "Number of items in AdditionalVersionWeights cannot be greater than 1"
            )
        if version == LATEST:
            raise InvalidParameterValueException(
                "$LATEST is not supported for an alias pointing to more than 1 version"
            )
        for extra in weights:
            if extra == version:
                raise InvalidParameterValueException(
                    f"Invalid function version {extra}. Function version {extra} is already "
                    "included in routing configuration."
                )
            if extra == LATEST or self._version_record(connection, record, extra) is None:
                raise InvalidParameterValueException(
                    f"Invalid function version {extra}. Function version {extra} is not a "
                    "published version."
                )
        return {str(key): float(value) for key, value in weights.items()}

    def _alias(self, function: str, alias: AliasRecord) -> dict[str, Any]:
        result: dict[str, Any] = {
            "AliasArn": self.names.arn(function, alias.name),
            "Name": alias.name,
            "FunctionVersion": alias.function_version,
            "Description": alias.description,
            "RevisionId": alias.revision_id,
        }
        if alias.weights:
            result["RoutingConfig"] = {"AdditionalVersionWeights": dict(alias.weights)}
        return result
