"""Every invocation's log in CloudWatch Logs: ``/aws/lambda/<name>``, one stream per worker."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.awslambda.conftest import FunctionFactory, request_id_of
from tests.conftest import AwsTarget, cached_client

PRINTS = """
import os
def handler(event, context):
    print("handling", event["n"])
    if event.get("fail"):
        raise ValueError("no good")
    return context.log_stream_name
"""


def test_invocations_write_their_log(
    aws: AwsTarget, client_cache: dict[str, Any], lam: Any, make_function: FunctionFactory
) -> None:
    logs = cached_client(aws, client_cache, "logs")
    function = make_function(PRINTS)
    first = lam.invoke(FunctionName=function, Payload=json.dumps({"n": 1}))
    stream = json.loads(first["Payload"].read())
    failed = lam.invoke(FunctionName=function, Payload=json.dumps({"n": 2, "fail": True}))
    assert failed["FunctionError"] == "Unhandled"
    group = f"/aws/lambda/{function}"

    described = logs.describe_log_groups(logGroupNamePrefix=group)["logGroups"]
    assert [g["logGroupName"] for g in described] == [group]
    streams = [
        s["logStreamName"] for s in logs.describe_log_streams(logGroupName=group)["logStreams"]
    ]
    assert streams == [stream]
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", stream)

    # What ``aws logs tail`` (CLI v2) asks for: the group by identifier, interleaved, from a
    # start time; the identifier may be the group's ARN.
    arn = f"arn:aws:logs:us-east-1:000000000000:log-group:{group}"
    events = logs.filter_log_events(logGroupIdentifier=arn, startTime=0, interleaved=True)["events"]
    messages = [e["message"] for e in events]
    one, two = request_id_of(first), request_id_of(failed)
    assert messages[0] == f"START RequestId: {one} Version: $LATEST\n"
    assert messages[1] == "handling 1\n"
    assert messages[2] == f"END RequestId: {one}\n"
    assert messages[3].startswith(f"REPORT RequestId: {one}\tDuration: ")
    assert "\tInit Duration: " in messages[3]
    assert messages[4] == f"START RequestId: {two} Version: $LATEST\n"
    assert messages[5] == "handling 2\n"
    assert messages[6] == "[ERROR] ValueError: no good\n"
    assert messages[-1].startswith(f"REPORT RequestId: {two}\t")
    assert {e["logStreamName"] for e in events} == {stream}

    errors = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [e["message"] for e in errors] == ["[ERROR] ValueError: no good\n"]
    reports = logs.filter_log_events(logGroupName=group, filterPattern='"REPORT RequestId"')
    assert len(reports["events"]) == 2
    tail = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=1)["events"]
    assert tail[0]["message"].startswith(f"REPORT RequestId: {two}\t")
    logs.delete_log_group(logGroupName=group)
