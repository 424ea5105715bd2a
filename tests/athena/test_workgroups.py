"""Workgroups through boto3 in both modes: life cycle, configuration, errors."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.athena.conftest import error_of

DEFAULT_ENGINE = {
    "SelectedEngineVersion": "AUTO",
    "EffectiveEngineVersion": "Athena engine version 3",
}


def test_primary_always_exists(athena: Any) -> None:
    primary = athena.get_work_group(WorkGroup="primary")["WorkGroup"]
    assert primary["Name"] == "primary"
    assert primary["State"] == "ENABLED"
    assert isinstance(primary["CreationTime"], datetime)
    assert primary["Configuration"]["EngineVersion"] == DEFAULT_ENGINE
    assert "Description" not in primary


def test_create_get_shows_configuration_with_defaults(athena: Any, name: str) -> None:
    configuration = {
        "ResultConfiguration": {
            "OutputLocation": "s3://results-bucket/athena-output",
            "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
        },
        "EnforceWorkGroupConfiguration": True,
        "BytesScannedCutoffPerQuery": 10_000_000,
    }
    athena.create_work_group(
        Name=name,
        Configuration=configuration,
        Description="heart rates",
        Tags=[{"Key": "team", "Value": "lake"}],
    )
    try:
        workgroup = athena.get_work_group(WorkGroup=name)["WorkGroup"]
        assert workgroup["Name"] == name
        assert workgroup["State"] == "ENABLED"
        assert workgroup["Description"] == "heart rates"
        assert workgroup["Configuration"] == {
            **configuration,
            "PublishCloudWatchMetricsEnabled": False,
            "RequesterPaysEnabled": False,
            "EngineVersion": DEFAULT_ENGINE,
        }
    finally:
        athena.delete_work_group(WorkGroup=name)


def test_list_is_sorted_by_name_with_empty_descriptions(athena: Any, name: str) -> None:
    names = [f"{name}-b", f"{name}-a", f"{name}-c"]
    for created in names:
        athena.create_work_group(Name=created)
    try:
        listed: list[dict[str, Any]] = []
        arguments: dict[str, Any] = {"MaxResults": 2}
        while True:
            page = athena.list_work_groups(**arguments)
            assert len(page["WorkGroups"]) <= 2
            listed += page["WorkGroups"]
            if "NextToken" not in page:
                break
            arguments["NextToken"] = page["NextToken"]
        all_names = [entry["Name"] for entry in listed]
        assert all_names == sorted(all_names)
        mine = [entry for entry in listed if entry["Name"] in names]
        assert [entry["Name"] for entry in mine] == sorted(names)
        assert {entry["Description"] for entry in mine} == {""}
        assert {entry["State"] for entry in mine} == {"ENABLED"}
        assert mine[0]["EngineVersion"] == DEFAULT_ENGINE
    finally:
        for created in names:
            athena.delete_work_group(WorkGroup=created)


def test_update_applies_configuration_updates_and_state(athena: Any, name: str) -> None:
    athena.create_work_group(
        Name=name,
        Configuration={
            "ResultConfiguration": {
                "OutputLocation": "s3://b/one",
                "EncryptionConfiguration": {"EncryptionOption": "SSE_S3"},
            },
            "BytesScannedCutoffPerQuery": 20_000_000,
        },
    )
    try:
        athena.update_work_group(
            WorkGroup=name,
            Description="changed",
            State="DISABLED",
            ConfigurationUpdates={
                "EnforceWorkGroupConfiguration": True,
                "ResultConfigurationUpdates": {
                    "OutputLocation": "s3://b/two",
                    "RemoveEncryptionConfiguration": True,
                },
                "RemoveBytesScannedCutoffPerQuery": True,
                "PublishCloudWatchMetricsEnabled": True,
            },
        )
        workgroup = athena.get_work_group(WorkGroup=name)["WorkGroup"]
        assert workgroup["State"] == "DISABLED"
        assert workgroup["Description"] == "changed"
        configuration = workgroup["Configuration"]
        assert configuration["ResultConfiguration"] == {"OutputLocation": "s3://b/two"}
        assert configuration["EnforceWorkGroupConfiguration"] is True
        assert configuration["PublishCloudWatchMetricsEnabled"] is True
        assert "BytesScannedCutoffPerQuery" not in configuration
    finally:
        athena.delete_work_group(WorkGroup=name)


@pytest.mark.parametrize(
    "call",
    [
        lambda athena: athena.get_work_group(WorkGroup="no-such-workgroup-anywhere"),
        lambda athena: athena.update_work_group(WorkGroup="no-such-workgroup-anywhere"),
        lambda athena: athena.delete_work_group(WorkGroup="no-such-workgroup-anywhere"),
        lambda athena: athena.list_named_queries(WorkGroup="no-such-workgroup-anywhere"),
        lambda athena: athena.start_query_execution(
            QueryString="SELECT 1", WorkGroup="no-such-workgroup-anywhere"
        ),
    ],
)
def test_unknown_workgroup(athena: Any, call: Any) -> None:
    with pytest.raises(ClientError) as error:
        call(athena)
    assert error_of(error) == {
        "Code": "InvalidRequestException",
        "Message": "WorkGroup is not found.",
        "AthenaErrorCode": "INVALID_INPUT",
    }


def test_create_twice_and_create_primary_are_refused(athena: Any, name: str) -> None:
    athena.create_work_group(Name=name)
    try:
        with pytest.raises(ClientError) as twice:
            athena.create_work_group(Name=name)
        assert error_of(twice)["Message"] == "WorkGroup already exists"
    finally:
        athena.delete_work_group(WorkGroup=name)
    with pytest.raises(ClientError) as primary:
        athena.create_work_group(Name="primary")
    assert error_of(primary) == {
        "Code": "InvalidRequestException",
        "Message": "primary workGroup could not be created",
        "AthenaErrorCode": "INVALID_INPUT",
    }


def test_primary_cannot_be_deleted(athena: Any) -> None:
    with pytest.raises(ClientError) as error:
        athena.delete_work_group(WorkGroup="primary", RecursiveDeleteOption=True)
    assert error_of(error)["Code"] == "InvalidRequestException"
    assert athena.get_work_group(WorkGroup="primary")["WorkGroup"]["Name"] == "primary"


def test_delete_needs_recursion_when_the_workgroup_holds_named_queries(
    athena: Any, name: str
) -> None:
    athena.create_work_group(Name=name)
    query_id = athena.create_named_query(
        Name="q", Database="db", QueryString="SELECT 1", WorkGroup=name
    )["NamedQueryId"]
    with pytest.raises(ClientError) as error:
        athena.delete_work_group(WorkGroup=name)
    assert error_of(error)["Message"] == f"WorkGroup {name} is not empty"
    athena.delete_work_group(WorkGroup=name, RecursiveDeleteOption=True)
    with pytest.raises(ClientError):
        athena.get_work_group(WorkGroup=name)
    with pytest.raises(ClientError):
        athena.get_named_query(NamedQueryId=query_id)


def test_disabled_workgroup_refuses_queries_and_named_queries(athena: Any, name: str) -> None:
    athena.create_work_group(
        Name=name, Configuration={"ResultConfiguration": {"OutputLocation": "s3://b/x"}}
    )
    athena.update_work_group(WorkGroup=name, State="DISABLED")
    try:
        for call in (
            lambda: athena.start_query_execution(QueryString="SELECT 1", WorkGroup=name),
            lambda: athena.create_named_query(
                Name="q", Database="db", QueryString="SELECT 1", WorkGroup=name
            ),
        ):
            with pytest.raises(ClientError) as error:
                call()
            assert error_of(error) == {
                "Code": "InvalidRequestException",
                "Message": f"WorkGroup {name} is disabled.",
                "AthenaErrorCode": "INVALID_INPUT",
            }
        # What is saved stays readable.
        assert athena.get_work_group(WorkGroup=name)["WorkGroup"]["State"] == "DISABLED"
    finally:
        athena.delete_work_group(WorkGroup=name)


@pytest.mark.parametrize(
    "configuration",
    [
        {"ResultConfiguration": {"OutputLocation": "/tmp/results"}},
        {"EngineVersion": {"SelectedEngineVersion": "PySpark engine version 3"}},
        {"ExecutionRole": "arn:aws:iam::123456789012:role/spark"},
        {"ManagedQueryResultsConfiguration": {"Enabled": True}},
    ],
)
def test_settings_lakehose_cannot_honour_are_refused(
    athena: Any, name: str, configuration: dict[str, Any]
) -> None:
    with pytest.raises(ClientError) as error:
        athena.create_work_group(Name=name, Configuration=configuration)
    assert error_of(error)["Code"] == "InvalidRequestException"
    with pytest.raises(ClientError):
        athena.get_work_group(WorkGroup=name)


def test_tags_on_a_workgroup(athena: Any, name: str) -> None:
    athena.create_work_group(Name=name, Tags=[{"Key": "team", "Value": "lake"}])
    try:
        arn = f"arn:aws:athena:us-east-1:000000000000:workgroup/{name}"
        athena.tag_resource(
            ResourceARN=arn,
            Tags=[{"Key": "team", "Value": "pipeline"}, {"Key": "cost", "Value": "1"}],
        )
        assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
            {"Key": "team", "Value": "pipeline"},
            {"Key": "cost", "Value": "1"},
        ]
        athena.untag_resource(ResourceARN=arn, TagKeys=["team"])
        assert athena.list_tags_for_resource(ResourceARN=arn)["Tags"] == [
            {"Key": "cost", "Value": "1"}
        ]
    finally:
        athena.delete_work_group(WorkGroup=name)
    with pytest.raises(ClientError) as error:
        athena.list_tags_for_resource(ResourceARN=arn)
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"
