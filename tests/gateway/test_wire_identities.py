"""Exact wire identities of the JSON services' framework errors, as AWS answers them.

Sources (recorded against AWS): dynalite's and kinesalite's test suites (``test/connection.js``,
``test/helpers.js``), moto's tests, LocalStack's snapshots, aws/aws-sdk-js#3721; the choices they
could not settle are listed in ``docs/deviations.md``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

from lakehose import Lakehose
from lakehose.gateway.validation import pattern_subject_allowed
from tests.conftest import ServerProcess
from tests.gateway.raw import (
    ENDPOINT,
    JSON_TARGETS,
    document,
    json_call,
    send_to_server,
    signed,
)

TABLE = "wire-identities"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lakehose]:
    home = tmp_path_factory.mktemp("wire") / "home"
    with Lakehose(home=home, background=False, seed=5) as runtime:
        runtime.client("dynamodb").create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield runtime


# -- SerializationException ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"TableName": 5}, "NUMBER_VALUE cannot be converted to String"),
        ({"TableName": True}, "TRUE_VALUE cannot be converted to String"),
        ({"TableName": {}}, "Start of structure or map found where not expected."),
        ({"TableName": []}, "Start of list found where not expected"),
    ],
)
def test_dynamodb_type_mismatch(lake: Lakehose, body: dict[str, Any], message: str) -> None:
    response = json_call(lake, "dynamodb", "DescribeTable", body)
    assert response.status == 400
    assert document(response) == {
        "__type": "com.amazon.coral.service#SerializationException",
        "Message": message,
    }


@pytest.mark.parametrize("service", ["kinesis", "firehose", "glue", "athena"])
def test_other_json_services_send_a_bare_code_with_capital_message(
    lake: Lakehose, service: str
) -> None:
    operation = {
        "kinesis": "DescribeStream",
        "firehose": "DescribeDeliveryStream",
        "glue": "GetDatabases",
        "athena": "ListWorkGroups",
    }[service]
    body = {"StreamName": 5, "DeliveryStreamName": 5, "CatalogId": 5, "NextToken": 5}
    response = json_call(lake, service, operation, body)
    assert response.status == 400
    answer = document(response)
    assert answer["__type"] == "SerializationException"
    assert answer["Message"] == "NUMBER_VALUE cannot be converted to String"


@pytest.mark.parametrize("body", [b"", b"{", b'{"TableName": "x"', b"\xff\xfe", b"true", b"[]"])
def test_unreadable_bodies_are_bare_serialization_errors(lake: Lakehose, body: bytes) -> None:
    response = json_call(lake, "dynamodb", "ListTables", body)
    assert response.status == 400
    assert document(response) == {"__type": "com.amazon.coral.service#SerializationException"}


# -- ValidationException -------------------------------------------------------------------------


def test_every_violation_is_listed_in_declaration_order(lake: Lakehose) -> None:
    body = {
        "TableName": "t",
        "AttributeDefinitions": [{"AttributeName": "pk"}],
        "KeySchema": [{"KeyType": "HASH"}, {"AttributeName": "a", "KeyType": "Woop"}],
        "BillingMode": "A",
    }
    response = json_call(lake, "dynamodb", "CreateTable", body)
    answer = document(response)
    assert answer["__type"] == "com.amazon.coral.validate#ValidationException"
    assert answer["message"] == (
        "4 validation errors detected: "
        "Value null at 'attributeDefinitions.1.member.attributeType' failed to satisfy "
        "constraint: Member must not be null; "
        "Value null at 'keySchema.1.member.attributeName' failed to satisfy constraint: "
        "Member must not be null; "
        "Value 'Woop' at 'keySchema.2.member.keyType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HASH, RANGE]; "
        "Value 'A' at 'billingMode' failed to satisfy constraint: Member must satisfy enum "
        "value set: [PROVISIONED, PAY_PER_REQUEST]"
    )


def test_structures_print_as_java_objects(lake: Lakehose) -> None:
    key = {"AttributeName": "a", "KeyType": "HASH"}
    body = {
        "TableName": "ttt",
        "AttributeDefinitions": [{"AttributeName": "a", "AttributeType": "S"}],
        "KeySchema": [key, key, key],
        "BillingMode": "PAY_PER_REQUEST",
    }
    answer = document(json_call(lake, "dynamodb", "CreateTable", body))
    element = "KeySchemaElement(attributeName=a, keyType=HASH)"
    # moto's tests record this form.
    assert answer["message"] == (
        f"1 validation error detected: Value '[{element}, {element}, {element}]' at 'keySchema' "
        "failed to satisfy constraint: Member must have length less than or equal to 2"
    )


def test_validation_precedes_every_lookup(lake: Lakehose) -> None:
    """A malformed request naming a missing resource gets the validation error, per service."""
    requests = [
        ("dynamodb", "DescribeTable", {"TableName": "missing", "Extra": 1}, None),
        ("dynamodb", "Query", {"TableName": "missing", "Limit": 0}, "limit"),
        ("kinesis", "DescribeStream", {"StreamName": "missing", "Limit": 0}, "limit"),
        (
            "firehose",
            "DescribeDeliveryStream",
            {"DeliveryStreamName": "missing", "Limit": 0},
            "limit",
        ),
        ("glue", "GetTables", {"DatabaseName": "missing", "MaxResults": 0}, "maxResults"),
        ("athena", "GetWorkGroup", {"WorkGroup": "bad name!"}, "workGroup"),
    ]
    for service, operation, body, path in requests:
        response = json_call(lake, service, operation, body)
        answer = document(response)
        if path is None:
            assert response.status == 400  # unknown members are ignored; the lookup answers
            continue
        assert answer["__type"].endswith("ValidationException"), (service, answer)
        message = answer.get("message") or answer.get("Message")
        assert f"at '{path}'" in message, (service, message)


def test_a_long_value_never_reaches_a_backtracking_pattern(lake: Lakehose) -> None:
    bucket = "a" * 2400 + "!"
    body = {
        "TableArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{TABLE}",
        "S3Bucket": bucket,
    }
    answer = document(json_call(lake, "dynamodb", "ExportTableToPointInTime", body))
    assert answer["message"] == (
        f"1 validation error detected: Value '{bucket}' at 's3Bucket' failed to satisfy "
        "constraint: Member must have length less than or equal to 255"
    )
    backtracking = re.compile(r"^[a-z0-9A-Z]+[\.\-\w]*[a-z0-9A-Z]+$")
    assert not pattern_subject_allowed(bucket, backtracking, 255)
    assert pattern_subject_allowed("a" * 255, backtracking, 255)
    # A linear pattern still sees a long value, so both breaches are reported as AWS does.
    assert pattern_subject_allowed(bucket, re.compile(r"[a-zA-Z0-9_.-]+"), 255)


def test_pattern_and_length_breaches_are_both_reported(lake: Lakehose) -> None:
    name = "bad name " * 30
    answer = document(json_call(lake, "kinesis", "DescribeStream", {"StreamName": name}))
    assert answer["message"] == (
        f"2 validation errors detected: Value '{name}' at 'streamName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+; "
        f"Value '{name}' at 'streamName' failed to satisfy constraint: Member must have length "
        "less than or equal to 128"
    )


# -- unknown operations, methods and targets -----------------------------------------------------


@pytest.mark.parametrize("target", ["", "DynamoDB_20120810.", "DynamoDB_20120810.Whatever"])
def test_dynamodb_unknown_target(lake: Lakehose, target: str) -> None:
    response = json_call(lake, "dynamodb", "", {}, target=target)
    assert response.status == 400
    assert document(response) == {"__type": "com.amazon.coral.service#UnknownOperationException"}


def test_foreign_target_prefix_is_the_scoped_services_unknown_operation(lake: Lakehose) -> None:
    for service, prefix in [("dynamodb", "com.amazon.coral"), ("kinesis", "Whatever")]:
        response = json_call(lake, service, "", {}, target=f"{prefix}.ListTables")
        assert response.status == 400, service
        assert document(response)["__type"].endswith("UnknownOperationException")
        assert not response.body.startswith(b"<")
    # Never another service's operation under a foreign prefix.
    response = json_call(lake, "dynamodb", "", {}, target="Whatever.ListTables")
    assert b"TableNames" not in response.body


def test_kinesis_unknown_target_is_bare(lake: Lakehose) -> None:
    response = json_call(lake, "kinesis", "", {}, target="Kinesis_20131202.Whatever")
    assert response.status == 400
    assert document(response) == {"__type": "UnknownOperationException"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_json_services_answer_only_post(lake: Lakehose, method: str) -> None:
    kinesis = json_call(lake, "kinesis", "ListStreams", b"", method=method)
    assert kinesis.status == 403
    assert document(kinesis) == {
        "__type": "AccessDeniedException",
        "message": "Unable to determine service/operation name to be authorized",
    }
    dynamodb = json_call(lake, "dynamodb", "ListTables", b"", method=method)
    assert dynamodb.status == 404
    assert document(dynamodb)["__type"] == "com.amazon.coral.service#UnknownOperationException"


# -- DynamoDB response headers -------------------------------------------------------------------


def test_dynamodb_request_id_and_crc32_on_success_and_error(lake: Lakehose) -> None:
    for body in ({}, {"Limit": 0}, b"{"):
        response = json_call(lake, "dynamodb", "ListTables", body)
        assert re.fullmatch(r"[0-9A-Z]{52}", response.headers["x-amzn-RequestId"])
        assert response.headers["x-amz-crc32"] == str(zlib.crc32(response.body))


@pytest.mark.parametrize("service", sorted(set(JSON_TARGETS) - {"dynamodb"}))
def test_other_services_send_uuid_request_ids(lake: Lakehose, service: str) -> None:
    prefix, _ = JSON_TARGETS[service]
    response = json_call(lake, service, "", {}, target=f"{prefix}.Whatever")
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["x-amzn-RequestId"])
    assert "x-amz-crc32" not in response.headers


def test_s3_request_ignores_a_stray_target_header(lake: Lakehose) -> None:
    request = signed("GET", f"{ENDPOINT}/", service="s3", headers={"X-Amz-Target": "Whatever.X"})
    response = lake.gateway.handle(request)
    assert response.status == 200
    assert b"ListAllMyBucketsResult" in response.body


@pytest.mark.server
def test_dynamodb_refuses_bodies_over_16_mib(server: ServerProcess) -> None:
    """The end result of the body limit (``gateway.limits``) on DynamoDB, through a real server."""
    prefix, version = JSON_TARGETS["dynamodb"]
    body = b"a" * (16 * 1024 * 1024 + 1)
    request = signed(
        "POST",
        f"{server.endpoint}/",
        service="dynamodb",
        headers={
            "X-Amz-Target": f"{prefix}.ListTables",
            "Content-Type": f"application/x-amz-json-{version}",
        },
        body=body,
    )
    status, _ = send_to_server(server.endpoint, request, send_body=False)
    assert status == 413
