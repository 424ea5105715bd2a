"""CloudWatch Logs through boto3: groups, streams, events, retention, tags and filter patterns."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from tests.conftest import NO_RETRIES, AwsTarget, cached_client

ACCOUNT = "000000000000"
REGION = "us-east-1"


@pytest.fixture
def logs(aws: AwsTarget, client_cache: dict[str, Any]) -> Any:
    return cached_client(aws, client_cache, "logs")


def now_ms() -> int:
    return int(time.time() * 1000)


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def message(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Message"])


def test_groups_and_streams(logs: Any, name: str) -> None:
    group = f"/test/{name}"
    logs.create_log_group(logGroupName=group, tags={"team": "data"})
    with pytest.raises(ClientError) as error:
        logs.create_log_group(logGroupName=group)
    assert code(error) == "ResourceAlreadyExistsException"
    assert message(error) == "The specified log group already exists"
    logs.create_log_group(logGroupName=f"{group}/other")

    described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in described] == [group, f"{group}/other"]
    first = described[0]
    arn = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{group}"
    assert (first["arn"], first["logGroupArn"]) == (f"{arn}:*", arn)
    assert (first["metricFilterCount"], first["storedBytes"]) == (0, 0)
    assert "retentionInDays" not in first
    paged = logs.describe_log_groups(logGroupNamePrefix=group, limit=1)
    assert [g["logGroupName"] for g in paged["logGroups"]] == [group]
    rest = logs.describe_log_groups(logGroupNamePrefix=group, nextToken=paged["nextToken"])
    assert [g["logGroupName"] for g in rest["logGroups"]] == [f"{group}/other"]
    assert logs.list_tags_for_resource(resourceArn=arn)["tags"] == {"team": "data"}

    logs.create_log_stream(logGroupName=group, logStreamName="b")
    logs.create_log_stream(logGroupName=group, logStreamName="a")
    with pytest.raises(ClientError) as error:
        logs.create_log_stream(logGroupName=group, logStreamName="a")
    assert code(error) == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as error:
        logs.create_log_stream(logGroupName=f"{group}/missing", logStreamName="a")
    assert code(error) == "ResourceNotFoundException"
    assert message(error) == "The specified log group does not exist."
    streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["a", "b"]
    assert streams[0]["arn"] == f"{arn}:log-stream:a"
    assert "firstEventTimestamp" not in streams[0]

    logs.put_log_events(
        logGroupName=group, logStreamName="b", logEvents=[{"timestamp": now_ms(), "message": "x"}]
    )
    by_time = logs.describe_log_streams(
        logGroupName=group, orderBy="LastEventTime", descending=True
    )["logStreams"]
    assert [s["logStreamName"] for s in by_time] == ["b", "a"]
    assert by_time[0]["firstEventTimestamp"] == by_time[0]["lastEventTimestamp"]

    logs.delete_log_stream(logGroupName=group, logStreamName="a")
    with pytest.raises(ClientError) as error:
        logs.delete_log_stream(logGroupName=group, logStreamName="a")
    assert message(error) == "The specified log stream does not exist."
    logs.delete_log_group(logGroupName=group)
    logs.delete_log_group(logGroupName=f"{group}/other")
    assert logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"] == []


def test_put_and_get_events(logs: Any, name: str) -> None:
    group = f"/test/{name}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    base = now_ms()
    events = [{"timestamp": base + i, "message": f"line {i}"} for i in range(5)]
    answer = logs.put_log_events(logGroupName=group, logStreamName="s", logEvents=events)
    assert "rejectedLogEventsInfo" not in answer

    head = logs.get_log_events(logGroupName=group, logStreamName="s", startFromHead=True, limit=2)
    assert [e["message"] for e in head["events"]] == ["line 0", "line 1"]
    assert head["nextForwardToken"].startswith("f/") and len(head["nextForwardToken"]) == 58
    more = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=head["nextForwardToken"]
    )
    assert [e["message"] for e in more["events"]] == ["line 2", "line 3", "line 4"]
    end = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=more["nextForwardToken"]
    )
    assert end["events"] == []
    assert end["nextForwardToken"] == more["nextForwardToken"]
    # Without a token the newest events come, oldest first.
    tail = logs.get_log_events(logGroupName=group, logStreamName="s", limit=2)
    assert [e["message"] for e in tail["events"]] == ["line 3", "line 4"]
    earlier = logs.get_log_events(
        logGroupName=group, logStreamName="s", nextToken=tail["nextBackwardToken"]
    )
    assert [e["message"] for e in earlier["events"]] == ["line 0", "line 1", "line 2"]
    window = logs.get_log_events(
        logGroupName=group, logStreamName="s", startTime=base + 1, endTime=base + 3
    )
    assert [e["message"] for e in window["events"]] == ["line 1", "line 2"]
    assert window["events"][0]["timestamp"] == base + 1

    with pytest.raises(ClientError) as error:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="s",
            logEvents=[
                {"timestamp": base, "message": "b"},
                {"timestamp": base - 1, "message": "a"},
            ],
        )
    assert code(error) == "InvalidParameterException"
    assert message(error) == (
        "Log events in a single PutLogEvents request must be in chronological order."
    )
    old, new = base - 15 * 86_400_000, base + 3 * 3_600_000
    rejected = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[
            {"timestamp": old, "message": "old"},
            {"timestamp": old + 1, "message": "old too"},
        ],
    )
    assert rejected["rejectedLogEventsInfo"] == {"tooOldLogEventEndIndex": 1}
    ahead = logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": base, "message": "kept"}, {"timestamp": new, "message": "new"}],
    )
    assert ahead["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}
    stored = logs.get_log_events(logGroupName=group, logStreamName="s", limit=1)["events"]
    assert [e["message"] for e in stored] == ["kept"]
    with pytest.raises(ClientError) as error:
        logs.put_log_events(
            logGroupName=group,
            logStreamName="none",
            logEvents=[{"timestamp": base, "message": "x"}],
        )
    assert message(error) == "The specified log stream does not exist."
    logs.delete_log_group(logGroupName=group)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("", ["ERROR disk full", "WARN disk slow", '{"level": "ERROR", "code": 500}',
              '{"level": "INFO", "code": 200, "user": {"name": "ann"}}', "ERROR: quoted [x]"]),
        ("ERROR", ["ERROR disk full", '{"level": "ERROR", "code": 500}', "ERROR: quoted [x]"]),
        ("ERROR disk", ["ERROR disk full"]),
        ("?WARN ?full", ["ERROR disk full", "WARN disk slow"]),
        ("disk -full", ["WARN disk slow"]),
        ('"ERROR: quoted"', ["ERROR: quoted [x]"]),
        ('{ $.level = "ERROR" }', ['{"level": "ERROR", "code": 500}']),
        ("{ $.code >= 300 }", ['{"level": "ERROR", "code": 500}']),
        ("{ $.level = IN* && $.user.name = ann }",
         ['{"level": "INFO", "code": 200, "user": {"name": "ann"}}']),
        ("{ ($.code = 500) || ($.code = 200) }",
         ['{"level": "ERROR", "code": 500}',
          '{"level": "INFO", "code": 200, "user": {"name": "ann"}}']),
        ("{ $.user NOT EXISTS && $.level != \"INFO\" }", ['{"level": "ERROR", "code": 500}']),
    ],
)  # fmt: skip
def test_filter_patterns(logs: Any, name: str, pattern: str, expected: list[str]) -> None:
    group = f"/test/{name}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="one")
    logs.create_log_stream(logGroupName=group, logStreamName="two")
    base = now_ms()
    messages = [
        "ERROR disk full",
        "WARN disk slow",
        json.dumps({"level": "ERROR", "code": 500}),
        json.dumps({"level": "INFO", "code": 200, "user": {"name": "ann"}}),
        "ERROR: quoted [x]",
    ]
    for index, text in enumerate(messages):
        logs.put_log_events(
            logGroupName=group,
            logStreamName="one" if index % 2 else "two",
            logEvents=[{"timestamp": base + index, "message": text}],
        )
    found = logs.filter_log_events(logGroupName=group, filterPattern=pattern)
    assert [e["message"] for e in found["events"]] == expected
    assert found["searchedLogStreams"] == []
    logs.delete_log_group(logGroupName=group)


def test_filter_pages_and_narrows(logs: Any, name: str) -> None:
    group = f"/test/{name}"
    logs.create_log_group(logGroupName=group)
    base = now_ms()
    for stream in ("app-1", "app-2", "db"):
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": base + i, "message": f"{stream} {i}"} for i in range(3)],
        )
    first = logs.filter_log_events(logGroupName=group, limit=4)
    assert [e["message"] for e in first["events"]] == ["app-1 0", "app-2 0", "db 0", "app-1 1"]
    event = first["events"][0]
    assert set(event) == {"logStreamName", "timestamp", "message", "ingestionTime", "eventId"}
    rest = logs.filter_log_events(logGroupName=group, nextToken=first["nextToken"])
    assert len(rest["events"]) == 5
    assert "nextToken" not in rest
    narrowed = logs.filter_log_events(
        logGroupName=group, logStreamNamePrefix="app", startTime=base + 2
    )
    assert [e["message"] for e in narrowed["events"]] == ["app-1 2", "app-2 2"]
    named = logs.filter_log_events(logGroupName=group, logStreamNames=["db"], endTime=base)
    assert [e["message"] for e in named["events"]] == ["db 0"]
    with pytest.raises(ClientError) as error:
        logs.filter_log_events(logGroupName=group, filterPattern="[ip, user]")
    assert code(error) == "InvalidParameterException"
    logs.delete_log_group(logGroupName=group)


def test_retention_applies(tmp_path: Any) -> None:
    clock = ManualClock(1_700_000_000.0)
    with Lakehose(home=tmp_path / "home", clock=clock, background=False) as lake:
        logs = lake.client("logs", config=NO_RETRIES)
        logs.create_log_group(logGroupName="kept")
        logs.create_log_stream(logGroupName="kept", logStreamName="s")
        stamp = int(clock.now() * 1000)
        logs.put_log_events(
            logGroupName="kept",
            logStreamName="s",
            logEvents=[{"timestamp": stamp, "message": "day one"}],
        )
        with pytest.raises(ClientError) as error:
            logs.put_retention_policy(logGroupName="kept", retentionInDays=2)
        assert code(error) == "InvalidParameterException"
        assert message(error).startswith(
            "1 validation error detected: Value '2' at 'retentionInDays' failed to satisfy "
            "constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30,"
        )
        logs.put_retention_policy(logGroupName="kept", retentionInDays=1)
        group = logs.describe_log_groups(logGroupNamePrefix="kept")["logGroups"][0]
        assert group["retentionInDays"] == 1
        assert group["storedBytes"] == len("day one")
        lake.advance(2 * 86_400)
        assert logs.filter_log_events(logGroupName="kept")["events"] == []
        assert logs.get_log_events(logGroupName="kept", logStreamName="s")["events"] == []
        logs.delete_retention_policy(logGroupName="kept")
        assert "retentionInDays" not in logs.describe_log_groups()["logGroups"][0]
        # The expired event was deleted, not hidden: lifting the policy brings nothing back.
        assert logs.filter_log_events(logGroupName="kept")["events"] == []
