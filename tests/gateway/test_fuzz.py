"""Seeded fuzzing of every served operation: no request, however malformed, gets a 5xx.

Each case picks an operation of a served service (every operation of every installed model, plus
the protocol variants botocore can still serialize: Athena over awsJson), and sends one of:

- a request botocore's own serializer builds from parameters generated from the input shape
  (enums, lengths and resource names that exist, so engines get past their first lookup);
- the same request with its JSON body type-confused (a string where a number goes, a list where
  a map goes, nulls, huge numbers, out-of-range timestamps);
- a raw malformed body (truncated JSON, invalid UTF-8, 300-level nesting, huge numbers and
  strings) or a malformed header (``If-Modified-Since: 99999999999999999999``).

Every request is SigV4-signed as a client would sign it and handed to ``gateway.handle``; the only
5xx allowed is S3's ``501 NotImplemented``. Failures are collected and reported together, each
with the seed and case number that reproduces it.

The CI run is bounded: a fixed seed and ``DEFAULT_CASES`` cases (about twenty seconds). A long run
on demand::

    LAKEHOSE_FUZZ_CASES=50000 LAKEHOSE_FUZZ_SEED=7 python -m pytest tests/gateway/test_fuzz.py

``test_fuzz_against_a_server`` sends a small sample through a real ``lakehose up``.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest, create_request_object, prepare_request_dict
from botocore.model import OperationModel, Shape, StructureShape
from botocore.serialize import create_serializer

from lakehose import Lakehose
from lakehose.gateway.catalog import ServiceCatalog, default_catalog
from lakehose.gateway.http import HttpResponse
from tests.conftest import ServerProcess
from tests.gateway.raw import CREDENTIALS, REGION, send_to_server, to_http_request

DEFAULT_CASES = 12000
SERVER_CASES = 150
SEED = int(os.environ.get("LAKEHOSE_FUZZ_SEED", "20261207"))
CASES = int(os.environ.get("LAKEHOSE_FUZZ_CASES", str(DEFAULT_CASES)))
ENDPOINT = "http://localhost:4566"
# Protocols botocore serializes; CBOR flavours have their own suites.
SERIALIZED = ("json", "rest-json", "rest-xml", "query")
# Operations that start processes or long work; fuzzing them adds minutes and finds nothing the
# validator does not already see on the others.
SLOW = {("lambda", "Invoke"), ("lambda", "InvokeAsync"), ("lambda", "InvokeWithResponseStream")}
NAME = "fuzz-name"
STRINGS = [
    NAME,
    "",
    "x",
    "ab",
    "a" * 300,
    "a" * 2400 + "!",
    "ünïcödé ☃",
    "arn:aws:dynamodb:us-east-1:000000000000:table/" + NAME,
    "arn:aws:kinesis:us-east-1:000000000000:stream/" + NAME,
    "arn:aws:iam::000000000000:role/r",
    "s3://" + NAME + "/prefix/",
    "#n = :v",
    "attribute_exists(a) AND (b = :v OR NOT c < :v)",
    "SET a = :v REMOVE b",
    "SELECT * FROM t",
    "shardId-000000000000",
    "49590338271490256608559692538361571095921575989136588898",
    "2024-01-01T00:00:00Z",
    "((((a))))",
    "NOT " * 400 + "a",
    "\x00\n\t",
]
INTEGERS = [0, 1, -1, 7, 500, 2**31, -(2**31) - 1, 2**63, 10**30]
FLOATS = [0.0, 0.5, -1.5, 1e308, 1e-320]
WRONG = [0, -1, 1.5, 10**40, True, False, None, "", "x", "1e17", [], [1, "a"], {}, {"a": {}}]
TIMESTAMPS = [0, 1.7e9, 1e17, -1e17, 99999999999999999999, "99999999999999999999", "garbage"]


@dataclass(frozen=True)
class Target:
    service: str
    protocol: str
    operation: OperationModel


@dataclass
class Case:
    number: int
    target: Target
    kind: str
    request: AWSRequest


def targets(catalog: ServiceCatalog) -> list[Target]:
    found = []
    for service in catalog.models:
        for protocol in catalog.protocols(service):
            if protocol not in SERIALIZED:
                continue
            model = catalog.model(service, protocol)
            for name in model.operation_names:
                if (service, name) not in SLOW:
                    found.append(Target(service, protocol, model.operation_model(name)))
    return found


# -- values from shapes --------------------------------------------------------------------------


def generate(shape: Shape, rng: random.Random, depth: int = 0) -> Any:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        if shape.is_document_type:
            return {"k": rng.choice(STRINGS[:6])}
        result = {}
        required = set(shape.required_members)
        for name, member in shape.members.items():
            if member.serialization.get("eventstream"):
                continue
            chance = 0.9 if name in required else (0.4 if depth < 4 else 0.05)
            if rng.random() < chance:
                result[name] = generate(member, rng, depth + 1)
        return result
    if kind == "list":
        count = rng.choice([0, 1, 1, 2, 3]) if depth < 6 else 0
        return [generate(shape.member, rng, depth + 1) for _ in range(count)]  # type: ignore[attr-defined]
    if kind == "map":
        count = rng.choice([0, 1, 2]) if depth < 6 else 0
        return {
            generate(shape.key, rng, depth + 1): generate(shape.value, rng, depth + 1)  # type: ignore[attr-defined]
            for _ in range(count)
        }
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum and rng.random() < 0.8:
            return rng.choice(enum)
        # Mostly the name every service has a resource under, so engines get past lookups.
        return NAME if rng.random() < 0.55 else rng.choice(STRINGS)
    if kind in ("integer", "long"):
        low = int(shape.metadata.get("min", 0))
        high = int(min(shape.metadata.get("max", 100), 10**9))
        if rng.random() < 0.6 and low <= high:
            return rng.randint(low, min(high, low + 100))
        return rng.choice([*INTEGERS, low, high])
    if kind in ("float", "double"):
        return rng.choice(FLOATS)
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "blob":
        return rng.randbytes(rng.choice([0, 1, 16, 1024]))
    if kind == "timestamp":
        return dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(10**8))
    return None


def type_confused(body: bytes, rng: random.Random) -> bytes | None:
    """The JSON body with one value swapped for one of another JSON type."""
    try:
        document = json.loads(body)
    except ValueError:
        return None
    slots: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                slots.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                slots.append((node, index))
                walk(value)

    walk(document)
    if not slots:
        document = {"Unexpected": rng.choice(WRONG)}
    for container, key in rng.sample(slots, min(len(slots), rng.choice([1, 1, 2]))):
        container[key] = rng.choice(WRONG + TIMESTAMPS)
    return json.dumps(document).encode()


def malformed(body: bytes, rng: random.Random) -> bytes:
    choices: list[Callable[[], bytes]] = [
        lambda: body[: rng.randrange(max(1, len(body)))],
        lambda: b"\xff\xfe\xfa" + body,
        lambda: b'{"a": ' + b"1" * 5000 + b"}",
        lambda: b"[" * 300 + b"]" * 300,
        lambda: b'{"a":' * 300 + b"1" + b"}" * 300,
        lambda: b'{"TableName": "' + b"x" * 200_000 + b'"}',
        lambda: b"true",
        lambda: b"null",
        lambda: b"<xml><unclosed>",
        lambda: b"\x00" * 64,
        lambda: b'{"StreamCreationTimestamp": 1e17, "StreamName": "x"}',
        lambda: b'{"Item": ' + b'{"M": {"a": ' * 260 + b'{"S": "x"}' + b"}}" * 260 + b"}",
    ]
    return rng.choice(choices)()


HEADER_MUTATIONS = [
    ("If-Modified-Since", "99999999999999999999"),
    ("If-Unmodified-Since", "Mon, 01 Jan 99999 00:00:00 GMT"),
    ("Range", "bytes=99999999999999999999999-"),
    ("x-amz-expected-bucket-owner", "x" * 3000),
    ("Content-MD5", "not-base64"),
    ("x-amz-copy-source", "/" + NAME + "/" + "k" * 2000),
    ("Content-Type", "application/x-amz-json-1.1; charset=\xff"),
]


def build(target: Target, rng: random.Random, number: int, endpoint: str) -> Case | None:
    operation = target.operation
    params = generate(operation.input_shape, rng) if operation.input_shape is not None else {}
    serializer = create_serializer(target.protocol, include_validation=False)
    try:
        request_dict = serializer.serialize_to_request(params, operation)
    except Exception:  # botocore cannot put every generated value on the wire; skip those
        return None
    prepare_request_dict(request_dict, endpoint_url=endpoint)
    request = create_request_object(request_dict)
    kind = rng.choices(["valid", "confused", "malformed", "header"], [5, 3, 2, 1])[0]
    body = request.data if isinstance(request.data, bytes) else str(request.data or "").encode()
    if kind == "confused" and target.protocol in ("json", "rest-json"):
        request.data = type_confused(body, rng) or body
    elif kind == "malformed":
        request.data = malformed(body, rng)
    elif kind == "header":
        name, value = rng.choice(HEADER_MUTATIONS)
        request.headers[name] = value
    else:
        kind = "valid"
    return Case(number, target, kind, request)


def sign(case: Case) -> AWSRequest:
    request = case.request
    model = case.target.operation.service_model
    signer = S3SigV4Auth if case.target.service == "s3" else SigV4Auth
    request.context["payload_signing_enabled"] = True
    signer(CREDENTIALS, model.signing_name or case.target.service, REGION).add_auth(request)
    return request


def cases(seed: int, count: int, endpoint: str) -> Iterator[Case]:
    everything = targets(default_catalog())
    for number in range(count):
        rng = random.Random(f"{seed}:{number}")
        target = everything[number % len(everything)] if number < len(everything) else None
        case = build(target or rng.choice(everything), rng, number, endpoint)
        if case is not None:
            yield case


def allowed(case: Case, status: int) -> bool:
    return status < 500 or (case.target.service == "s3" and status == 501)


def describe(case: Case, status: int, body: bytes) -> str:
    target = case.target
    return (
        f"case {case.number} (seed {SEED}) {target.service}/{target.protocol} "
        f"{target.operation.name} [{case.kind}] -> {status}: {body[:200]!r}"
    )


def seed_resources(lake: Lakehose) -> None:
    """Resources named ``NAME`` in each service, so generated requests reach past lookups."""
    lake.client("dynamodb").create_table(
        TableName=NAME,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    lake.client("kinesis").create_stream(StreamName=NAME, ShardCount=1)
    lake.client("s3").create_bucket(Bucket=NAME)
    lake.client("s3").put_object(Bucket=NAME, Key="k", Body=b"x")
    lake.client("glue").create_database(DatabaseInput={"Name": NAME})


def test_no_request_gets_a_server_error(tmp_path: Path) -> None:
    with Lakehose(home=tmp_path / "home", background=False, seed=SEED) as lake:
        seed_resources(lake)
        failures = []
        sent = 0
        for case in cases(SEED, CASES, ENDPOINT):
            response: HttpResponse = lake.gateway.handle(to_http_request(sign(case).prepare()))
            sent += 1
            if not allowed(case, response.status):
                failures.append(describe(case, response.status, response.body))
    assert sent > CASES // 2
    assert failures == []


@pytest.mark.server
def test_fuzz_against_a_server(server: ServerProcess) -> None:
    failures = []
    for case in cases(SEED + 1, SERVER_CASES, server.endpoint):
        request = to_http_request(sign(case).prepare())
        try:
            status, body = send_to_server(server.endpoint, request)
        except (ConnectionError, http.client.HTTPException) as error:
            # A refusal that closes the connection (a body limit) is no server error.
            status, body = 400, repr(error).encode()
        if not allowed(case, status):
            failures.append(describe(case, status, body))
    assert failures == []


def test_case_generation_is_reproducible() -> None:
    first = [(c.target.operation.name, c.kind, c.request.data) for c in cases(SEED, 40, ENDPOINT)]
    again = [(c.target.operation.name, c.kind, c.request.data) for c in cases(SEED, 40, ENDPOINT)]
    assert first == again
