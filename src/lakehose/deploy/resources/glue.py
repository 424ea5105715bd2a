"""AWS::Glue::Database and AWS::Glue::Table: CreateDatabase / CreateTable, updated in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lakehose.deploy.resources.base import (
    REPLACE,
    Attributes,
    Context,
    ResourceHandler,
    UpdateResult,
)
from lakehose.deploy.resources.shapes import api_arguments


class GlueDatabase(ResourceHandler):
    type = "AWS::Glue::Database"
    properties = frozenset({"CatalogId", "DatabaseInput", "DatabaseName"})
    replacement = frozenset({"CatalogId"})
    missing = ("EntityNotFoundException",)
    name_length = 255
    lowercase_names = True

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return (props.get("DatabaseInput") or {}).get("Name") or props.get("DatabaseName")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        database_input = {**(props.get("DatabaseInput") or {}), "Name": name}
        arguments = api_arguments(
            ctx.client("glue"),
            "CreateDatabase",
            {"CatalogId": props["CatalogId"], "DatabaseInput": database_input},
        )
        ctx.client("glue").create_database(**arguments)
        return name, {}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> UpdateResult:
        name = self.name_property(new)
        if name is not None and name != physical_id:
            return REPLACE
        database_input = {**(new.get("DatabaseInput") or {}), "Name": physical_id}
        arguments = api_arguments(
            ctx.client("glue"),
            "UpdateDatabase",
            {"CatalogId": new["CatalogId"], "DatabaseInput": database_input},
        )
        ctx.client("glue").update_database(Name=physical_id, **arguments)
        return {}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("glue").delete_database(CatalogId=str(props["CatalogId"]), Name=physical_id)


class GlueTable(ResourceHandler):
    type = "AWS::Glue::Table"
    properties = frozenset({"CatalogId", "DatabaseName", "TableInput", "OpenTableFormatInput"})
    replacement = frozenset({"CatalogId", "DatabaseName", "OpenTableFormatInput"})
    missing = ("EntityNotFoundException",)
    name_length = 255
    lowercase_names = True

    def name_property(self, props: Mapping[str, Any]) -> str | None:
        return (props.get("TableInput") or {}).get("Name")

    def create(self, props: Mapping[str, Any], ctx: Context) -> tuple[str, Attributes]:
        name = self.physical_name(props, ctx)
        ctx.client("glue").create_table(**self._arguments("CreateTable", props, name, ctx))
        return name, {}

    def update(
        self, old: Mapping[str, Any], new: Mapping[str, Any], physical_id: str, ctx: Context
    ) -> UpdateResult:
        name = self.name_property(new)
        if name is not None and name != physical_id:
            return REPLACE
        ctx.client("glue").update_table(**self._arguments("UpdateTable", new, physical_id, ctx))
        return {}

    def delete(self, physical_id: str, props: Mapping[str, Any], ctx: Context) -> None:
        ctx.client("glue").delete_table(
            CatalogId=str(props["CatalogId"]),
            DatabaseName=str(props["DatabaseName"]),
            Name=physical_id,
        )

    @staticmethod
    def _arguments(
        operation: str, props: Mapping[str, Any], name: str, ctx: Context
    ) -> dict[str, Any]:
        chosen = {
            "CatalogId": props["CatalogId"],
            "DatabaseName": props["DatabaseName"],
            "TableInput": {**(props.get("TableInput") or {}), "Name": name},
        }
        if "OpenTableFormatInput" in props and operation == "CreateTable":
            chosen["OpenTableFormatInput"] = props["OpenTableFormatInput"]
        return api_arguments(ctx.client("glue"), operation, chosen)
