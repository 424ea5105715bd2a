"""Stack state in the local S3: conditional writes, and resuming after a deploy that died."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lakehose.deploy import STATE_BUCKET, Deployer, ResourceEvent, ResourceState, StackState
from lakehose.deploy.errors import StackConflict
from lakehose.deploy.run import Deployment
from lakehose.deploy.state import StackStore
from lakehose.errors import StorageError
from tests.deploy.conftest import ACCOUNT, REGION, Clients, Recorder, deploy_dict


def test_concurrent_writers_are_detected(local_clients: Clients) -> None:
    first, second = StackStore(local_clients("s3")), StackStore(local_clients("s3"))
    assert first.load("S") is None and second.load("S") is None
    first.save(StackState("S", "id", "CREATE_IN_PROGRESS", "now"))
    with pytest.raises(StackConflict, match="changed by another deploy"):
        second.save(StackState("S", "id", "CREATE_IN_PROGRESS", "now"))
    assert second.load("S") is not None
    first.save(StackState("S", "id", "CREATE_COMPLETE", "now"))  # its ETag is current
    with pytest.raises(StackConflict):
        second.save(StackState("S", "id", "DELETE_IN_PROGRESS", "now"))
    assert first.names() == ["S"]


def test_state_from_a_newer_lakehose_is_refused(local_clients: Clients) -> None:
    s3 = local_clients("s3")
    StackStore(s3).save(StackState("S", "id", "CREATE_COMPLETE", "now"))
    s3.put_object(Bucket=STATE_BUCKET, Key="stacks/S.json", Body=b'{"FormatVersion": 99}')
    with pytest.raises(StorageError, match="format 99"):
        StackStore(s3).load("S")


class DiesAt(Recorder):
    """Stands for a process killed when ``logical_id`` reaches ``status``."""

    def __init__(self, logical_id: str, status: str) -> None:
        super().__init__()
        self.at = (logical_id, status)

    def resource(self, event: ResourceEvent) -> None:
        super().resource(event)
        if (event.logical_id, event.status) == self.at:
            raise SystemExit("killed")


def deploy_and_die(
    clients: Clients,
    monkeypatch: pytest.MonkeyPatch,
    stack: str,
    body: dict[str, Any],
    listener: DiesAt,
) -> None:
    dying = Deployer(clients, account_id=ACCOUNT, region=REGION, listener=listener)
    # A killed process runs no rollback.
    monkeypatch.setattr(Deployment, "_roll_back", lambda self, error: None)
    with pytest.raises(SystemExit):
        deploy_dict(dying, stack, body)
    monkeypatch.undo()


def test_a_deploy_that_died_midway_is_resumed(
    local: Deployer, local_clients: Clients, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "resume-bucket"}},
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": "resume-stream"}},
        }
    }
    # Killed after recording the stream, before creating it.
    deploy_and_die(
        local_clients, monkeypatch, "Resume", body, DiesAt("Stream", "CREATE_IN_PROGRESS")
    )
    (state,) = local.stacks()
    assert state.status == "CREATE_IN_PROGRESS"
    assert state.resources["Stream"].status == "CREATE_IN_PROGRESS"
    # The dead process may have got as far as creating it, with a shard count of its own.
    local_clients("kinesis").create_stream(StreamName="resume-stream", ShardCount=3)

    resumed = deploy_dict(local, "Resume", body)
    assert resumed.status == "UPDATE_COMPLETE"
    assert recorder.statuses("Bucket") == ["UNCHANGED"]
    assert recorder.statuses("Stream") == [
        "DELETE_IN_PROGRESS", "DELETE_COMPLETE", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"
    ]  # fmt: skip
    summary = local_clients("kinesis").describe_stream_summary(StreamName="resume-stream")
    assert summary["StreamDescriptionSummary"]["OpenShardCount"] == 1


def test_a_resource_replaced_by_a_deploy_that_died_is_deleted_by_the_next(
    local: Deployer, local_clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = local_clients("s3")
    first = deploy_dict(local, "Replace", {"Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}}})
    old = first.resources["Bucket"].physical_id
    named = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "new-b"}}}
    }
    # Killed once the replacement exists, before the old one is deleted.
    deploy_and_die(
        local_clients, monkeypatch, "Replace", named, DiesAt("Bucket", "CREATE_COMPLETE")
    )
    (state,) = local.stacks()
    assert [entry.physical_id for entry in state.replaced] == [old]
    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} >= {old, "new-b"}

    deploy_dict(local, "Replace", named)
    (state,) = local.stacks()
    assert state.replaced == []
    buckets = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "new-b" in buckets and old not in buckets


def test_a_corrupt_stack_state_is_reported_never_taken_for_absent(local_clients: Clients) -> None:
    s3 = local_clients("s3")
    StackStore(s3).save(StackState("S", "id", "CREATE_COMPLETE", "now"))
    s3.put_object(Bucket=STATE_BUCKET, Key="stacks/S.json", Body=b'{"FormatVersion": 2, "na')
    with pytest.raises(StorageError, match=r"the state of stack S \(s3://lakehose-deployments/"):
        StackStore(s3).load("S")


def test_a_state_written_before_creation_tokens_is_read(local_clients: Clients) -> None:
    s3 = local_clients("s3")
    state = StackState("Old", "id", "CREATE_COMPLETE", "now")
    state.resources["R"] = ResourceState("R", "AWS::S3::Bucket", "old-bucket", "CREATE_COMPLETE")
    document = json.loads(state.to_json())
    document["FormatVersion"] = 1
    del document["replaced"], document["resources"]["R"]["token"]
    s3.create_bucket(Bucket=STATE_BUCKET)
    s3.put_object(Bucket=STATE_BUCKET, Key="stacks/Old.json", Body=json.dumps(document).encode())
    loaded = StackStore(s3).load("Old")
    assert loaded is not None
    assert loaded.resources["R"].token == "" and loaded.replaced == []


def test_a_named_query_made_by_a_deploy_that_died_is_found_by_its_token(
    local: Deployer, local_clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = {"Database": "db", "QueryString": "SELECT 1", "Name": "once"}
    body = {"Resources": {"Query": {"Type": "AWS::Athena::NamedQuery", "Properties": query}}}
    # Killed after Athena made the query, before its id was recorded.
    deploy_and_die(local_clients, monkeypatch, "Query", body, DiesAt("Query", "CREATE_COMPLETE"))
    (state,) = local.stacks()
    assert (state.resources["Query"].status, state.resources["Query"].physical_id) == (
        "CREATE_IN_PROGRESS",
        "",
    )
    athena = local_clients("athena")
    assert len(athena.list_named_queries()["NamedQueryIds"]) == 1

    resumed = deploy_dict(local, "Query", body)
    (only,) = athena.list_named_queries()["NamedQueryIds"]
    assert resumed.resources["Query"].physical_id == only
    assert athena.get_named_query(NamedQueryId=only)["NamedQuery"]["Name"] == "once"
