"""Crawler API: create, read, list, start, stop, delete and their errors; both modes.

Crawl results and the clock-driven states are in ``test_crawls.py``; here a crawl runs only
through ``flush`` (the admin endpoint in server mode), which completes it at once.
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import AwsTarget
from tests.glue.conftest import error_code, error_message, flush

ROLE = "arn:aws:iam::000000000000:role/service-role/AWSGlueServiceRole-heartrate"


def crawler(glue: Any, name: str, path: str = "s3://bucket/data/", **members: Any) -> str:
    glue.create_crawler(Name=name, Role=ROLE, Targets={"S3Targets": [{"Path": path}]}, **members)
    return name


@pytest.fixture
def crawler_name(aws: AwsTarget, glue: Any, name: str) -> Iterator[str]:
    """A crawler name for the test; the crawler, if it was made, is deleted afterwards."""
    yield name
    flush(aws)  # a crawler cannot be deleted while it runs
    with contextlib.suppress(glue.exceptions.EntityNotFoundException):
        glue.delete_crawler(Name=name)


def test_get_crawler_shows_glues_defaults(glue: Any, crawler_name: str) -> None:
    crawler(glue, crawler_name, DatabaseName="heartrate", TablePrefix="raw_")
    shown = glue.get_crawler(Name=crawler_name)["Crawler"]
    assert isinstance(shown.pop("CreationTime"), datetime)
    assert isinstance(shown.pop("LastUpdated"), datetime)
    assert shown == {
        "Name": crawler_name,
        "Role": ROLE,
        "Targets": {
            "S3Targets": [{"Path": "s3://bucket/data/", "Exclusions": []}],
            "JdbcTargets": [],
            "MongoDBTargets": [],
            "DynamoDBTargets": [],
            "CatalogTargets": [],
            "DeltaTargets": [],
            "IcebergTargets": [],
            "HudiTargets": [],
        },
        "DatabaseName": "heartrate",
        "Classifiers": [],
        "RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVERYTHING"},
        "SchemaChangePolicy": {
            "UpdateBehavior": "UPDATE_IN_DATABASE",
            "DeleteBehavior": "DEPRECATE_IN_DATABASE",
        },
        "LineageConfiguration": {"CrawlerLineageSettings": "DISABLE"},
        "State": "READY",
        "TablePrefix": "raw_",
        "CrawlElapsedTime": 0,
        "Version": 1,
        "LakeFormationConfiguration": {"UseLakeFormationCredentials": False, "AccountId": ""},
    }


def test_create_twice_is_already_exists(glue: Any, crawler_name: str) -> None:
    crawler(glue, crawler_name)
    with pytest.raises(ClientError) as error:
        crawler(glue, crawler_name)
    assert (error_code(error), error_message(error)) == (
        "AlreadyExistsException",
        "Crawler already exists.",
    )


def test_unknown_crawler(glue: Any, name: str) -> None:
    with pytest.raises(ClientError) as error:
        glue.get_crawler(Name=name)
    assert (error_code(error), error_message(error)) == (
        "EntityNotFoundException",
        f"Crawler entry with name {name} does not exist",
    )
    for call in (glue.start_crawler, glue.stop_crawler, glue.delete_crawler):
        with pytest.raises(ClientError) as error:
            call(Name=name)
        assert (error_code(error), error_message(error)) == (
            "EntityNotFoundException",
            f"Crawler with name {name} does not exist",
        )


@pytest.mark.parametrize(
    ("members", "code"),
    [
        ({"Schedule": "cron(0 * * * ? *)"}, "ValidationException"),
        ({"Classifiers": ["my-csv"]}, "ValidationException"),
        ({"RecrawlPolicy": {"RecrawlBehavior": "CRAWL_EVENT_MODE"}}, "ValidationException"),
        ({"Configuration": "not json"}, "InvalidInputException"),
        (
            {"LakeFormationConfiguration": {"UseLakeFormationCredentials": True}},
            "ValidationException",
        ),
    ],
)
def test_options_lakehose_does_not_carry_out_are_refused(
    glue: Any, crawler_name: str, members: dict[str, Any], code: str
) -> None:
    with pytest.raises(ClientError) as error:
        crawler(glue, crawler_name, **members)
    assert error_code(error) == code


@pytest.mark.parametrize(
    ("targets", "code"),
    [
        ({"JdbcTargets": [{"ConnectionName": "c", "Path": "db/%"}]}, "ValidationException"),
        ({"S3Targets": []}, "InvalidInputException"),
        ({"S3Targets": [{"Path": "bucket/data"}]}, "InvalidInputException"),
        ({"S3Targets": [{"Path": "s3://b/", "EventQueueArn": "arn"}]}, "ValidationException"),
    ],
)
def test_targets_other_than_s3_paths_are_refused(
    glue: Any, crawler_name: str, targets: dict[str, Any], code: str
) -> None:
    with pytest.raises(ClientError) as error:
        glue.create_crawler(Name=crawler_name, Role=ROLE, Targets=targets)
    assert error_code(error) == code


def test_start_stop_and_their_errors(glue: Any, crawler_name: str) -> None:
    crawler(glue, crawler_name)
    with pytest.raises(ClientError) as error:
        glue.stop_crawler(Name=crawler_name)
    assert (error_code(error), error_message(error)) == (
        "CrawlerNotRunningException",
        f"Crawler with name {crawler_name} isn't running",
    )
    glue.start_crawler(Name=crawler_name)
    # The server's own worker may already have crawled: RUNNING and READY are both honest here.
    state = glue.get_crawler(Name=crawler_name)["Crawler"]["State"]
    if state == "RUNNING":
        with pytest.raises(ClientError) as error:
            glue.start_crawler(Name=crawler_name)
        assert (error_code(error), error_message(error)) == (
            "CrawlerRunningException",
            f"Crawler with name {crawler_name} has already started",
        )
        with pytest.raises(ClientError) as error:
            glue.delete_crawler(Name=crawler_name)
        assert error_code(error) == "CrawlerRunningException"


def test_a_crawl_through_flush_writes_the_table(
    aws: AwsTarget, glue: Any, s3: Any, crawler_name: str, make_database: Any
) -> None:
    database, bucket = make_database(), crawler_name[:63]
    s3.create_bucket(Bucket=bucket)
    body = gzip.compress(b'{"id": "1", "HeartRate": 123}\n{"id": "2", "HeartRate": 99}\n')
    s3.put_object(Bucket=bucket, Key="data/year=2024/month=01/part-1.gz", Body=body)
    crawler(glue, crawler_name, f"s3://{bucket}/data", DatabaseName=database)
    glue.start_crawler(Name=crawler_name)
    flush(aws)
    shown = glue.get_crawler(Name=crawler_name)["Crawler"]
    assert (shown["State"], shown["LastCrawl"]["Status"]) == ("READY", "SUCCEEDED")
    table = glue.get_table(DatabaseName=database, Name="data")["Table"]
    assert table["StorageDescriptor"]["Columns"] == [
        {"Name": "id", "Type": "string"},
        {"Name": "heartrate", "Type": "int"},
    ]
    assert table["PartitionKeys"] == [
        {"Name": "year", "Type": "string"},
        {"Name": "month", "Type": "string"},
    ]
    metrics = glue.get_crawler_metrics(CrawlerNameList=[crawler_name])["CrawlerMetricsList"]
    assert [(m["CrawlerName"], m["TablesCreated"]) for m in metrics] == [(crawler_name, 1)]
    s3.delete_object(Bucket=bucket, Key="data/year=2024/month=01/part-1.gz")
    s3.delete_bucket(Bucket=bucket)


def test_get_crawlers_pages(glue: Any, name: str) -> None:
    made = [crawler(glue, f"{name}-{index}") for index in range(3)]
    try:
        seen: list[str] = []
        arguments: dict[str, Any] = {"MaxResults": 2}
        while True:
            page = glue.get_crawlers(**arguments)
            seen += [entry["Name"] for entry in page["Crawlers"]]
            if "NextToken" not in page:
                break
            arguments["NextToken"] = page["NextToken"]
        assert [entry for entry in seen if entry in made] == made
    finally:
        for entry in made:
            glue.delete_crawler(Name=entry)


def test_delete_removes_it(glue: Any, crawler_name: str) -> None:
    crawler(glue, crawler_name)
    glue.delete_crawler(Name=crawler_name)
    with pytest.raises(ClientError) as error:
        glue.get_crawler(Name=crawler_name)
    assert error_code(error) == "EntityNotFoundException"
