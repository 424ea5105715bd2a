"""Databases: create, read, list, update, delete (with their tables); boto3 in both modes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.glue.conftest import (
    ACCOUNT,
    DatabaseFactory,
    error_code,
    error_message,
    table_input,
)


def test_create_and_get_shows_what_glue_adds(glue: Any, name: str) -> None:
    glue.create_database(
        DatabaseInput={
            "Name": name.upper(),
            "Description": "heart rates",
            "LocationUri": "s3://bucket/db/",
            "Parameters": {"owner": "team"},
        }
    )
    try:
        database = glue.get_database(Name=name.upper())["Database"]
        created = database.pop("CreateTime")
        assert isinstance(created, datetime)
        assert database == {
            "Name": name,  # Glue stores names lowercased
            "Description": "heart rates",
            "LocationUri": "s3://bucket/db/",
            "Parameters": {"owner": "team"},
            "CreateTableDefaultPermissions": [
                {
                    "Principal": {"DataLakePrincipalIdentifier": "IAM_ALLOWED_PRINCIPALS"},
                    "Permissions": ["ALL"],
                }
            ],
            "CatalogId": ACCOUNT,
        }
    finally:
        glue.delete_database(Name=name)


def test_create_twice_is_already_exists(glue: Any, database: str) -> None:
    with pytest.raises(ClientError) as error:
        glue.create_database(DatabaseInput={"Name": database.upper()})
    assert error_code(error) == "AlreadyExistsException"
    assert error_message(error) == "Database already exists."


def test_unknown_database_is_entity_not_found(glue: Any, name: str) -> None:
    for call in (
        lambda: glue.get_database(Name=name),
        lambda: glue.delete_database(Name=name),
        lambda: glue.update_database(Name=name, DatabaseInput={"Name": name}),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert error_code(error) == "EntityNotFoundException"
        assert error_message(error) == f"Database {name} not found."


def test_get_databases_pages_in_name_order(glue: Any, make_database: DatabaseFactory) -> None:
    made = [make_database(f"-{index}") for index in range(3)]
    names: list[str] = []
    arguments: dict[str, Any] = {"MaxResults": 1}
    while True:
        page = glue.get_databases(**arguments)
        assert len(page["DatabaseList"]) <= 1
        names += [database["Name"] for database in page["DatabaseList"]]
        if "NextToken" not in page:
            break
        arguments["NextToken"] = page["NextToken"]
    assert [name for name in names if name in made] == made
    assert names == sorted(names)


def test_get_databases_attributes_and_share_type(glue: Any, database: str) -> None:
    listed = glue.get_databases(AttributesToGet=["NAME"])["DatabaseList"]
    assert {"Name": database} in listed
    assert glue.get_databases(ResourceShareType="FOREIGN")["DatabaseList"] == []


def test_update_replaces_the_input_and_keeps_the_creation_time(glue: Any, database: str) -> None:
    before = glue.get_database(Name=database)["Database"]
    glue.update_database(
        Name=database, DatabaseInput={"Name": database, "Description": "renamed nothing"}
    )
    after = glue.get_database(Name=database)["Database"]
    assert after["Description"] == "renamed nothing"
    assert after["CreateTime"] == before["CreateTime"]


def test_update_cannot_rename(glue: Any, database: str) -> None:
    with pytest.raises(ClientError) as error:
        glue.update_database(Name=database, DatabaseInput={"Name": f"{database}-other"})
    assert error_code(error) == "InvalidInputException"


def test_delete_removes_its_tables(glue: Any, make_database: DatabaseFactory) -> None:
    database = make_database()
    glue.create_table(DatabaseName=database, TableInput=table_input("t"))
    glue.delete_database(Name=database)
    glue.create_database(DatabaseInput={"Name": database})
    assert glue.get_tables(DatabaseName=database)["TableList"] == []
    with pytest.raises(ClientError) as error:
        glue.get_table(DatabaseName=database, Name="t")
    assert error_code(error) == "EntityNotFoundException"


def test_another_accounts_catalog_is_access_denied(glue: Any, database: str) -> None:
    glue.get_database(Name=database, CatalogId=ACCOUNT)
    with pytest.raises(ClientError) as error:
        glue.get_database(Name=database, CatalogId="111122223333")
    assert error_code(error) == "AccessDeniedException"
    assert error_message(error) == (
        f"User: arn:aws:iam::{ACCOUNT}:root is not authorized to perform: glue:GetDatabase "
        "on resource: arn:aws:glue:us-east-1:111122223333:catalog"
    )


def test_resource_links_are_refused_not_ignored(glue: Any, name: str) -> None:
    target = {"CatalogId": "111122223333", "DatabaseName": "shared"}
    with pytest.raises(ClientError) as error:
        glue.create_database(DatabaseInput={"Name": name, "TargetDatabase": target})
    assert error_code(error) == "ValidationException"
