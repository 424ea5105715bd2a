"""Athena's metadata API over the Glue Data Catalog, through boto3 in both modes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.athena.tables import JSON_SERDE, create_json_table, drop_database


@pytest.fixture
def database(glue: Any, name: str) -> Iterator[str]:
    database = name.replace("-", "_")
    for table in ("readings", "sensors"):
        create_json_table(
            glue,
            database,
            table,
            f"s3://lake/{table}/",
            [
                {"Name": "id", "Type": "string", "Comment": "sensor id"},
                {"Name": "v", "Type": "int"},
            ],
        )
    yield database
    with contextlib.suppress(ClientError):
        drop_database(glue, database)


def test_the_one_catalog_is_glue(athena: Any) -> None:
    assert athena.list_data_catalogs()["DataCatalogsSummary"] == [
        {"CatalogName": "AwsDataCatalog", "Type": "GLUE"}
    ]
    catalog = athena.get_data_catalog(Name="AwsDataCatalog")["DataCatalog"]
    assert (catalog["Name"], catalog["Type"]) == ("AwsDataCatalog", "GLUE")
    with pytest.raises(ClientError) as error:
        athena.get_data_catalog(Name="hive-elsewhere")
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"


def test_databases_and_tables(athena: Any, database: str) -> None:
    pages = athena.get_paginator("list_databases").paginate(CatalogName="AwsDataCatalog")
    listed = [d["Name"] for page in pages for d in page["DatabaseList"]]
    assert database in listed
    found = athena.get_database(CatalogName="AwsDataCatalog", DatabaseName=database)
    assert found["Database"]["Name"] == database

    tables = athena.list_table_metadata(CatalogName="AwsDataCatalog", DatabaseName=database)
    assert [t["Name"] for t in tables["TableMetadataList"]] == ["readings", "sensors"]
    only = athena.list_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=database, Expression="read*"
    )
    assert [t["Name"] for t in only["TableMetadataList"]] == ["readings"]

    table = athena.get_table_metadata(
        CatalogName="AwsDataCatalog", DatabaseName=database, TableName="readings"
    )["TableMetadata"]
    assert table["Name"] == "readings"
    assert table["TableType"] == "EXTERNAL_TABLE"
    assert table["Columns"] == [
        {"Name": "id", "Type": "string", "Comment": "sensor id"},
        {"Name": "v", "Type": "int"},
    ]
    assert table["PartitionKeys"] == []
    assert table["Parameters"]["location"] == "s3://lake/readings/"
    assert table["Parameters"]["serde.serialization.lib"] == JSON_SERDE
    assert table["Parameters"]["classification"] == "json"


def test_missing_entities_are_metadata_errors(athena: Any, database: str) -> None:
    for call in (
        lambda: athena.get_table_metadata(
            CatalogName="AwsDataCatalog", DatabaseName=database, TableName="nope"
        ),
        lambda: athena.get_database(CatalogName="AwsDataCatalog", DatabaseName=f"{database}_x"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == "MetadataException"
        assert error.value.response["Error"]["Message"].startswith(
            "Entity Not Found (Service: AmazonDataCatalog; Status Code: 400; "
            "Error Code: EntityNotFoundException; Request ID: "
        )
