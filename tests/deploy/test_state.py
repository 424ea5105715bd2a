"""Stack state in the local S3: conditional writes, and resuming after a deploy that died."""

from __future__ import annotations

import pytest

from lakehose.deploy import STATE_BUCKET, Deployer, ResourceEvent, StackState
from lakehose.deploy.errors import StackConflict
from lakehose.deploy.run import Deployment
from lakehose.deploy.state import StackStore
from lakehose.errors import StorageError
from tests.deploy.conftest import Clients, Recorder, deploy_dict


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


class DiesWhileCreating(Recorder):
    """Stands for a process killed after recording the stream, before creating it."""

    def resource(self, event: ResourceEvent) -> None:
        super().resource(event)
        if event.logical_id == "Stream" and event.status == "CREATE_IN_PROGRESS":
            raise SystemExit("killed")


def test_a_deploy_that_died_midway_is_resumed(
    local: Deployer, local_clients: Clients, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": "resume-bucket"}},
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": "resume-stream"}},
        }
    }
    dying = Deployer(local_clients, account_id=local.account_id, region=local.region,
                     listener=DiesWhileCreating())  # fmt: skip
    # A killed process runs no rollback.
    monkeypatch.setattr(Deployment, "_roll_back", lambda self, error: None)
    with pytest.raises(SystemExit):
        deploy_dict(dying, "Resume", body)
    monkeypatch.undo()
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
