"""CreateDatabase, GetDatabase, GetDatabases, UpdateDatabase, DeleteDatabase."""

from __future__ import annotations

from typing import Any

from lakehose.services.glue import store
from lakehose.services.glue.base import (
    Document,
    GlueBase,
    decode_token,
    encode_token,
    project,
    storable,
)
from lakehose.services.glue.errors import AlreadyExistsException, InvalidInputException, unsupported

# What Glue grants on new tables when Lake Formation is not in charge (GetDatabase shows it).
DEFAULT_TABLE_PERMISSIONS = [
    {"Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"}, "Permissions": ["ALL"]}
]
_DATABASE_ATTRIBUTES = {"NAME": "Name"}
_DEFAULT_PAGE = 100


class DatabaseOperations(GlueBase):
    def create_database(
        self,
        *,
        database_input: dict[str, Any],
        catalog_id: str | None = None,
        tags: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "CreateDatabase")
        document = self._database_document(database_input, self.clock.now())
        with self.db.transaction() as connection:
            if store.find_database(connection, document["Name"]) is not None:
                raise AlreadyExistsException.of("Database")
            store.put_database(connection, document, tags or {})
        return {}

    def get_database(self, *, name: str, catalog_id: str | None = None) -> dict[str, Any]:
        self._check_catalog(catalog_id, "GetDatabase")
        with self.db.read() as connection:
            return {"Database": self._locate_database(connection, name)}

    def get_databases(
        self,
        *,
        catalog_id: str | None = None,
        next_token: str | None = None,
        max_results: int | None = None,
        resource_share_type: str | None = None,
        attributes_to_get: list[str] | None = None,
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "GetDatabases")
        after = decode_token(next_token, "")
        limit = max_results or _DEFAULT_PAGE
        if resource_share_type in ("FOREIGN", "FEDERATED"):
            return {"DatabaseList": []}  # no other account or federation shares anything here
        with self.db.read() as connection:
            page = store.database_page(connection, after, limit + 1)
        result: dict[str, Any] = {
            "DatabaseList": [
                project(database, attributes_to_get, _DATABASE_ATTRIBUTES)
                for database in page[:limit]
            ]
        }
        if len(page) > limit:
            result["NextToken"] = encode_token(page[limit - 1]["Name"])
        return result

    def update_database(
        self, *, name: str, database_input: dict[str, Any], catalog_id: str | None = None
    ) -> dict[str, Any]:
        self._check_catalog(catalog_id, "UpdateDatabase")
        with self.db.transaction() as connection:
            current = self._locate_database(connection, name)
            document = self._database_document(database_input, current["CreateTime"])
            if document["Name"] != current["Name"]:
                raise InvalidInputException("Database name cannot be changed")
            store.put_database(connection, document)
        return {}

    def delete_database(self, *, name: str, catalog_id: str | None = None) -> dict[str, Any]:
        """Deletes the database with its tables and partitions, as Glue does."""
        self._check_catalog(catalog_id, "DeleteDatabase")
        with self.db.transaction() as connection:
            store.delete_database(connection, self._locate_database(connection, name)["Name"])
        return {}

    def _database_document(self, database_input: dict[str, Any], created: float) -> Document:
        for member in ("TargetDatabase", "FederatedDatabase"):
            if member in database_input:
                raise unsupported(f"DatabaseInput.{member} (resource links and federation)")
        document: Document = {
            "CreateTableDefaultPermissions": DEFAULT_TABLE_PERMISSIONS,
            **storable(database_input),
        }
        document.update(
            Name=database_input["Name"].lower(), CreateTime=created, CatalogId=self.account_id
        )
        return document
