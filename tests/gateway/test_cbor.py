"""Kinesis over CBOR and Smithy RPC v2 CBOR, byte for byte, through the real gateway.

AWS CBOR (``application/x-amz-cbor-1.1``) has no Python client, so its requests are built by hand
(cbor2, and hex annotated per RFC 8949) and its responses read back with cbor2, tag 1 kept raw to
show its unit: epoch milliseconds, as the Java SDKs write and read them. Smithy RPC v2 CBOR is
driven by botocore's own serializer and parser, through a catalog whose Kinesis model lists it.
"""

from __future__ import annotations

import copy
import json
import math
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import botocore.session
import cbor2
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from botocore.exceptions import ClientError
from botocore.parsers import RpcV2CBORParser
from hypothesis import given
from hypothesis import strategies as st

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.errors import ServiceError
from lakehose.gateway import inprocess
from lakehose.gateway.catalog import ServiceCatalog
from lakehose.gateway.dispatcher import Gateway
from lakehose.gateway.http import Headers, HttpRequest, HttpResponse
from lakehose.gateway.protocols import cbor_shapes, json_shapes, protocol_for
from tests.conftest import ServerProcess

CBOR = "application/x-amz-cbor-1.1"
KINESIS = "Kinesis_20131202"
RPC_V2 = "smithy-rpc-v2-cbor"
NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # the ``clock`` fixture's 1_700_000_000
NOW_MS_TAG = "c1 1b 0000018bcfe56800"  # tag(1) uint64 1_700_000_000_000: epoch milliseconds

Reply = tuple[int, Mapping[str, str], bytes]
Send = Callable[[str, Mapping[str, Any]], Reply]


@cache
def kinesis_catalog() -> ServiceCatalog:
    """Built once: a catalog parses its models for about a second."""
    return ServiceCatalog(["kinesis"])


def unhex(annotated: str) -> bytes:
    """Bytes from hex written one data item a line, with ``#`` comments."""
    return bytes.fromhex(
        "".join("".join(line.split("#")[0].split()) for line in annotated.splitlines())
    )


def read(body: bytes) -> Any:
    """A CBOR body as cbor2 reads it, but tag 1 kept as a ``CBORTag`` so its number shows."""
    return cbor2.loads(body, semantic_decoders={1: lambda value, _: cbor2.CBORTag(1, value)})


def signed(
    path: str, headers: Mapping[str, str], body: bytes, *, host: str = "localhost"
) -> Headers:
    """``headers`` with a SigV4 signature added, as any SDK sends (lakehose takes any key)."""
    request = AWSRequest("POST", f"http://{host}{path}", data=body, headers=dict(headers))
    SigV4Auth(Credentials("test", "test"), "kinesis", "us-east-1").add_auth(request)
    return Headers({"Host": host, **dict(request.headers.items())})


def cbor_request(operation: str, body: bytes, *, target: str = KINESIS) -> HttpRequest:
    headers = {"X-Amz-Target": f"{target}.{operation}", "Content-Type": CBOR}
    return HttpRequest("POST", "/", "", signed("/", headers, body), body)


def handle(lake: Lakehose, operation: str, body: bytes, *, target: str = KINESIS) -> HttpResponse:
    return lake.gateway.handle(cbor_request(operation, body, target=target))


def signed_post(endpoint: str, operation: str, body: bytes) -> Reply:
    """A raw, SigV4-signed CBOR request to a running ``lakehose up``."""
    headers = {"X-Amz-Target": f"{KINESIS}.{operation}", "Content-Type": CBOR}
    host = endpoint.removeprefix("http://")
    wire = urllib.request.Request(
        f"{endpoint}/",
        data=body,
        headers=dict(signed("/", headers, body, host=host)),
        method="POST",
    )
    try:
        with urllib.request.urlopen(wire, timeout=30) as response:
            return response.status, Headers(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, Headers(error.headers.items()), error.read()


# -- byte-exact ---------------------------------------------------------------------------------

PUT_RECORD = """
    A3                                # map(3)
       6A 53747265616D4E616D65        #   text(10) "StreamName"
       6B 63626F722D73747265616D      #   text(11) "cbor-stream"
       64 44617461                    #   text(4) "Data"
       45 68656C6C6F                  #   bytes(5) h'68656C6C6F' ("hello", no base64)
       6C 506172746974696F6E4B6579    #   text(12) "PartitionKey"
       62 706B                        #   text(2) "pk"
"""


def test_hand_written_put_record_matches_cbor2_and_gets_an_exact_answer(lake: Lakehose) -> None:
    body = unhex(PUT_RECORD)
    assert body == cbor2.dumps(
        {"StreamName": "cbor-stream", "Data": b"hello", "PartitionKey": "pk"}
    )
    created = handle(
        lake, "CreateStream", cbor2.dumps({"StreamName": "cbor-stream", "ShardCount": 1})
    )
    # No output: no body, with the content type still named (kinesalite's AWS-recorded tests).
    assert (created.status, created.body) == (200, b"")
    assert created.headers["Content-Type"] == CBOR
    assert created.headers["Content-Length"] == "0"

    response = handle(lake, "PutRecord", body)

    assert response.status == 200
    assert response.headers["Content-Type"] == CBOR
    assert response.headers["Content-Length"] == str(len(response.body))
    result = read(response.body)
    assert list(result) == ["ShardId", "SequenceNumber"]  # the output shape's member order
    sequence = result["SequenceNumber"]
    assert response.body == unhex(f"""
        A2                                          # map(2)
           67 53686172644964                        #   text(7) "ShardId"
           74 73686172644964 2D 303030303030303030303030
                                                    #   text(20) "shardId-000000000000"
           6E 53657175656E63654E756D626572          #   text(14) "SequenceNumber"
           78 {len(sequence):02x} {sequence.encode().hex()}
                                                    #   text(n), the engine's number
    """)


def test_get_records_sends_a_byte_string_and_a_millisecond_tag(lake: Lakehose) -> None:
    handle(lake, "CreateStream", cbor2.dumps({"StreamName": "cbor-stream", "ShardCount": 1}))
    handle(lake, "PutRecord", unhex(PUT_RECORD))
    iterator = read(
        handle(
            lake,
            "GetShardIterator",
            cbor2.dumps(
                {
                    "StreamName": "cbor-stream",
                    "ShardId": "shardId-000000000000",
                    "ShardIteratorType": "TRIM_HORIZON",
                }
            ),
        ).body
    )["ShardIterator"]

    body = handle(lake, "GetRecords", cbor2.dumps({"ShardIterator": iterator})).body

    record = read(body)["Records"][0]
    assert record["ApproximateArrivalTimestamp"] == cbor2.CBORTag(1, 1_700_000_000_000)
    assert record["Data"] == b"hello"
    assert (
        unhex(f"""
        78 1B 417070726F78696D6174654172726976616C54696D657374616D70  # text(27)
        {NOW_MS_TAG}                                                  # tag(1) uint64 ms
        64 44617461                                                   # text(4) "Data"
        45 68656C6C6F                                                 # bytes(5) "hello"
        """)
        in body
    )


def test_an_error_body_is_exact_cbor_with_the_code_in_a_header(lake: Lakehose) -> None:
    body = unhex(PUT_RECORD).replace(b"\x6bcbor-stream", b"\x67missing")

    response = handle(lake, "PutRecord", body)

    assert response.status == 400
    assert response.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert response.headers["Content-Type"] == CBOR
    assert response.body == unhex("""
        A2                                                    # map(2)
           66 5F5F74797065                                    #   text(6) "__type"
           78 19 5265736F757263654E6F74466F756E64457863657074696F6E
                                                    #   text(25) "ResourceNotFoundException"
           67 6D657373616765                                  #   text(7) "message"
           78 34 53747265616D206D697373696E6720756E646572206163636F756E7420
                 303030303030303030303030206E6F7420666F756E642E
                      # text(52) "Stream missing under account 000000000000 not found."
    """)


def test_a_timestamp_in_a_request_counts_milliseconds(lake: Lakehose, clock: ManualClock) -> None:
    handle(lake, "CreateStream", cbor2.dumps({"StreamName": "cbor-stream", "ShardCount": 1}))
    handle(lake, "PutRecord", unhex(PUT_RECORD))
    clock.advance(5)
    later = unhex(PUT_RECORD).replace(b"\x45hello", b"\x45later")
    handle(lake, "PutRecord", later)
    at = {
        "StreamName": "cbor-stream",
        "ShardId": "shardId-000000000000",
        "ShardIteratorType": "AT_TIMESTAMP",
    }

    def data_from(timestamp: Any) -> list[bytes]:
        request = cbor2.dumps({**at, "Timestamp": timestamp})
        iterator = read(handle(lake, "GetShardIterator", request).body)["ShardIterator"]
        records = read(handle(lake, "GetRecords", cbor2.dumps({"ShardIterator": iterator})).body)
        return [record["Data"] for record in records["Records"]]

    # 2.5 s after the first record, as the Java SDK writes it: tag 1, integer milliseconds.
    assert data_from(cbor2.CBORTag(1, 1_700_000_002_500)) == [b"later"]
    assert data_from(1_700_000_002_500) == [b"later"]  # untagged, as Jackson would read it too
    assert data_from(cbor2.CBORTag(1, 1_700_000_000_000)) == [b"hello", b"later"]


# -- round trip, in-process and against `lakehose up` --------------------------------------------


@pytest.fixture(params=["inprocess", "server"])
def send(request: pytest.FixtureRequest) -> Send:
    if request.param == "inprocess":
        lake: Lakehose = request.getfixturevalue("lake")

        def in_process(operation: str, document: Mapping[str, Any]) -> Reply:
            response = handle(lake, operation, cbor2.dumps(document))
            return response.status, Headers(response.headers), response.body

        return in_process
    server: ServerProcess = request.getfixturevalue("server")
    return lambda operation, document: signed_post(
        server.endpoint, operation, cbor2.dumps(document)
    )


def test_round_trip(send: Send, name: str) -> None:
    def call(operation: str, **document: Any) -> Any:
        status, headers, body = send(operation, document)
        assert status == 200, read(body)
        assert headers["Content-Type"] == CBOR
        return read(body) if body else None  # no body for operations without output

    call("CreateStream", StreamName=name, ShardCount=1)
    put = call("PutRecord", StreamName=name, Data=b"\x00\xffbinary", PartitionKey="pk")
    iterator = call(
        "GetShardIterator",
        StreamName=name,
        ShardId=put["ShardId"],
        ShardIteratorType="TRIM_HORIZON",
    )["ShardIterator"]
    records = call("GetRecords", ShardIterator=iterator)["Records"]
    call("DeleteStream", StreamName=name)

    assert len(records) == 1
    record = records[0]
    assert record["Data"] == b"\x00\xffbinary"
    assert record["SequenceNumber"] == put["SequenceNumber"]
    arrival = record["ApproximateArrivalTimestamp"]
    assert isinstance(arrival, cbor2.CBORTag)
    assert arrival.tag == 1
    assert isinstance(arrival.value, int)  # the Java SDKs parse a long, never a float
    # The manual clock's instant in-process, the wall clock's on the server.
    assert 1_700_000_000_000 <= arrival.value <= datetime.now(UTC).timestamp() * 1000


# -- bad input: always a clean CBOR 400, never a 500 ---------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"\xff", "Malformed CBOR body: "),  # a break code with nothing to break
        (b"\xa1\x64Data", "Malformed CBOR body: "),  # a map cut off before its value
        (b"\xa1\x62\xff\xfe\x01", "Malformed CBOR body: "),  # a key that is not UTF-8
        (b"\xa0\x00", "Malformed CBOR body: data after the first data item"),
        (cbor2.dumps([1]), "Start of structure or map found where not expected."),
        (cbor2.dumps("x"), "Start of structure or map found where not expected."),
        (cbor2.dumps({"Data": "aGVsbG8="}), "STRING_VALUE cannot be converted to Blob"),
        (cbor2.dumps({"StreamName": b"s"}), "VALUE_EMBEDDED_OBJECT cannot be converted to String"),
        (cbor2.dumps({"PartitionKey": 7}), "NUMBER_VALUE cannot be converted to String"),
        (cbor2.dumps({"Data": [b"x"]}), "Start of list found where not expected"),
        # A shared value holding a reference to itself (tags 28 and 29): no cycle is ever built.
        (unhex("A1 64 44617461 D81C 81 D81D 00"), "Start of list found where not expected"),
    ],
)
def test_bad_bodies_are_serialization_exceptions(lake: Lakehose, body: bytes, message: str) -> None:
    response = handle(lake, "PutRecord", body)

    assert response.status == 400
    assert response.headers["x-amzn-ErrorType"] == "SerializationException"
    error = read(response.body)
    assert error["__type"] == "SerializationException"
    assert error["message"].startswith(message)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"ShardCount": "1"}, "STRING_VALUE cannot be converted to Integer"),
        ({"ShardCount": 1.5}, "NUMBER_VALUE cannot be converted to Integer"),
        ({"ShardCount": True}, "TRUE_VALUE cannot be converted to Integer"),
        ({"Timestamp": "2024-01-01T00:00:00Z"}, "STRING_VALUE cannot be converted to Date"),
        ({"Timestamp": cbor2.CBORTag(0, "2024-01-01T00:00:00Z")}, "STRING_VALUE cannot be"),
        ({"Timestamp": cbor2.CBORTag(1, 10**30)}, "1000000000000000000000000000000 is not a"),
        ({"Timestamp": cbor2.CBORTag(1, float("nan"))}, "nan is not a valid timestamp"),
    ],
)
def test_values_of_the_wrong_type_are_serialization_exceptions(
    lake: Lakehose, document: dict[str, Any], message: str
) -> None:
    operation = "CreateStream" if "ShardCount" in document else "GetShardIterator"

    response = handle(lake, operation, cbor2.dumps(document))

    assert response.status == 400
    assert read(response.body)["message"].startswith(message)


def test_cbor_to_dynamodb_is_a_readable_cbor_404(lake: Lakehose) -> None:
    response = handle(lake, "PutItem", cbor2.dumps({"TableName": "t"}), target="DynamoDB_20120810")

    assert response.status == 404
    assert response.headers["Content-Type"] == CBOR
    assert response.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    assert read(response.body) == {
        "__type": "UnknownOperationException",
        "message": "dynamodb is not served in the cbor protocol",
    }


KINESIS_MEMBERS = ["StreamName", "Data", "PartitionKey", "ExplicitHashKey", "Timestamp", "Limit"]
CBOR_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**64), 2**64 - 1)
    | st.floats()
    | st.text(max_size=8)
    | st.binary(max_size=8)
    | st.builds(cbor2.CBORTag, st.sampled_from([0, 1, 2, 28, 29, 100, 258, 999]), st.integers()),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)


@given(
    body=st.binary(max_size=64)
    | st.dictionaries(st.sampled_from(KINESIS_MEMBERS), CBOR_VALUES, max_size=4).map(cbor2.dumps)
)
def test_any_body_parses_or_is_a_service_error(body: bytes) -> None:
    wire = protocol_for("cbor")
    for operation in ("PutRecord", "GetShardIterator", "GetRecords"):
        model = kinesis_catalog().operation("kinesis", operation, "cbor")
        assert model is not None
        try:
            wire.parse(cbor_request(operation, body), model, {})
        except ServiceError as error:
            assert error.error_code == "SerializationException"


# -- cbor_shapes, value by value -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("shapes", "moment", "expected"),
    [
        (cbor_shapes.AWS_CBOR, NOW, "c1 1b 0000018bcfe56800"),  # ms, uint64
        (cbor_shapes.AWS_CBOR, NOW + timedelta(microseconds=1999), "c1 1b 0000018bcfe56801"),
        (cbor_shapes.RPC_V2_CBOR, NOW, "c1 1a 6553f100"),  # whole seconds, uint32
        (cbor_shapes.RPC_V2_CBOR, NOW + timedelta(milliseconds=250), "c1 fb 41d954fc40100000"),
        (cbor_shapes.RPC_V2_CBOR, datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), "c1 20"),
    ],
)
def test_timestamps_are_tag_1_in_each_protocols_unit(
    shapes: cbor_shapes.CborShapes, moment: datetime, expected: str
) -> None:
    shape = kinesis_catalog().model("kinesis").shape_for("Timestamp")

    encoded = cbor2.dumps(shapes.encode(moment, shape))

    assert encoded == bytes.fromhex(expected)
    assert shapes.decode(read(encoded), shape) == moment.replace(
        microsecond=moment.microsecond // 1000 * 1000
    )


def test_undefined_is_null_and_floats_are_native() -> None:
    model = kinesis_catalog().model("kinesis")
    shape = model.shape_for("PutRecordInput")
    document = read(unhex("A2 64 44617461 41 78 6C 506172746974696F6E4B6579 F7"))  # "pk": undefined

    assert cbor_shapes.AWS_CBOR.decode_structure(document, shape) == {"Data": b"x"}
    # Half precision arrives (the spec makes readers accept it); NaN leaves as botocore writes it.
    assert cbor_shapes.AWS_CBOR.decode_float(read(bytes.fromhex("f97c00")), "double") == math.inf
    assert cbor2.dumps(cbor_shapes.AWS_CBOR.encode_float(math.nan)) == bytes.fromhex("f97e00")
    assert json_shapes.JSON.encode_float(math.nan) == "NaN"


# -- Smithy RPC v2 CBOR, with botocore's own serializer and parser -------------------------------


@dataclass
class RpcV2:
    client: Any
    gateway: Gateway
    sent: list[Any]  # the requests botocore put on the wire


@pytest.fixture
def rpc_v2(lake: Lakehose, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> RpcV2:
    """A botocore Kinesis client speaking RPC v2 CBOR to a gateway that serves it.

    No installed model lists ``smithy-rpc-v2-cbor`` for Kinesis, so the test ships one: the same
    model with that protocol, on botocore's data path for the client and through the catalog's
    ``models`` hook for the gateway. ``inprocess`` wires the client, with its own ``before-send``
    hook.
    """
    loader = botocore.session.get_session().get_component("data_loader")
    raw = copy.deepcopy(loader.load_service_model("kinesis", "service-2"))
    # The gateway's model lists it beside awsJson, as models that gained it do (CloudWatch's);
    # the client's lists it alone, since botocore would otherwise prefer awsJson.
    served = copy.deepcopy(raw)
    served["metadata"].update(protocol=RPC_V2, protocols=[RPC_V2, "json"])
    catalog = ServiceCatalog(["kinesis"], models={"kinesis": served})
    raw["metadata"].update(protocol=RPC_V2, protocols=[RPC_V2])
    gateway = Gateway(lake, lake.settings, lake.ids, catalog=catalog)

    models = tmp_path / "models"
    version = models / "kinesis" / raw["metadata"]["apiVersion"]
    version.mkdir(parents=True)
    (version / "service-2.json").write_text(json.dumps(raw))
    session = botocore.session.Session()
    session.get_component("data_loader").search_paths.insert(0, str(models))
    boto = boto3.session.Session(botocore_session=session)
    monkeypatch.setattr(inprocess, "_session", lambda: boto)
    client = inprocess.in_process_client(
        SimpleNamespace(settings=lake.settings, gateway=gateway),  # type: ignore[arg-type]
        "kinesis",
        config=Config(retries={"total_max_attempts": 1}, parameter_validation=False),
    )
    assert client.meta.service_model.protocol == RPC_V2
    sent: list[Any] = []
    client.meta.events.register_first("before-send", lambda request, **_: sent.append(request))
    return RpcV2(client, gateway, sent)


def test_rpc_v2_round_trip_with_botocore(rpc_v2: RpcV2, clock: ManualClock) -> None:
    client = rpc_v2.client
    client.create_stream(StreamName="rpc-stream", ShardCount=1)
    client.put_record(StreamName="rpc-stream", Data=b"\x00early", PartitionKey="pk")
    clock.advance(1.25)
    put = client.put_record(StreamName="rpc-stream", Data=b"\x00late", PartitionKey="pk")

    iterator = client.get_shard_iterator(
        StreamName="rpc-stream",
        ShardId=put["ShardId"],
        ShardIteratorType="AT_TIMESTAMP",
        Timestamp=NOW + timedelta(milliseconds=500),  # botocore: tag 1 around epoch seconds
    )["ShardIterator"]
    records = client.get_records(ShardIterator=iterator)

    request = rpc_v2.sent[2]
    assert request.url.endswith(f"/service/{KINESIS}/operation/PutRecord")
    assert request.headers["smithy-protocol"] == b"rpc-v2-cbor"
    assert cbor2.loads(request.body)["Data"] == b"\x00late"
    assert [record["Data"] for record in records["Records"]] == [b"\x00late"]
    assert records["Records"][0]["ApproximateArrivalTimestamp"] == NOW + timedelta(seconds=1.25)
    headers = records["ResponseMetadata"]["HTTPHeaders"]
    assert headers["smithy-protocol"] == "rpc-v2-cbor"
    assert headers["content-type"] == "application/cbor"


def test_rpc_v2_operation_without_output_has_no_body(rpc_v2: RpcV2) -> None:
    response = rpc_v2.client.create_stream(StreamName="rpc-stream", ShardCount=1)

    headers = response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["content-length"] == "0"
    assert "content-type" not in headers
    assert headers["smithy-protocol"] == "rpc-v2-cbor"


def test_rpc_v2_errors_carry_the_shape_id(rpc_v2: RpcV2) -> None:
    client = rpc_v2.client

    with pytest.raises(client.exceptions.ResourceNotFoundException) as caught:
        client.describe_stream(StreamName="missing")

    response = caught.value.response
    assert response["Error"]["Code"] == "ResourceNotFoundException"
    assert response["Error"]["Message"] == "Stream missing under account 000000000000 not found."
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert "x-amzn-errortype" not in response["ResponseMetadata"]["HTTPHeaders"]


def test_rpc_v2_validation_errors_reach_botocore(rpc_v2: RpcV2) -> None:
    with pytest.raises(ClientError) as caught:
        rpc_v2.client.create_stream(StreamName="x" * 200, ShardCount=1)

    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"].startswith("1 validation error detected")


def rpc_v2_request(operation: str, body: bytes, headers: Mapping[str, str]) -> HttpRequest:
    path = f"/service/{KINESIS}/operation/{operation}"
    headers = {"smithy-protocol": "rpc-v2-cbor", **headers}
    return HttpRequest("POST", path, "", signed(path, headers, body), body)


def parse_rpc_v2(response: HttpResponse) -> dict[str, Any]:
    """The response as botocore's RPC v2 CBOR parser reads it."""
    wire = {"status_code": response.status, "headers": response.headers, "body": response.body}
    parsed: dict[str, Any] = RpcV2CBORParser().parse(wire, None)
    return parsed


def test_rpc_v2_error_body_is_exact(rpc_v2: RpcV2) -> None:
    body = unhex("A1 6A 53747265616D4E616D65 67 6D697373696E67")  # {"StreamName": "missing"}
    request = rpc_v2_request("DescribeStream", body, {"Content-Type": "application/cbor"})

    response = rpc_v2.gateway.handle(request)

    assert response.status == 400
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert response.headers["Content-Type"] == "application/cbor"
    assert "x-amzn-ErrorType" not in response.headers
    assert response.body == unhex("""
        A2                                                  # map(2)
           66 5F5F74797065                                  #   text(6) "__type"
           78 2F                                            #   text(47), the shape ID:
              636F6D2E616D617A6F6E6177732E6B696E65736973    #     "com.amazonaws.kinesis"
              23                                            #     "#"
              5265736F757263654E6F74466F756E64457863657074696F6E
                                                            #     "ResourceNotFoundException"
           67 6D657373616765                                #   text(7) "message"
           78 34 53747265616D206D697373696E6720756E646572206163636F756E7420
                 303030303030303030303030206E6F7420666F756E642E
                      # text(52) "Stream missing under account 000000000000 not found."
    """)


def test_rpc_v2_to_a_service_not_served_in_it_is_a_readable_404(lake: Lakehose) -> None:
    request = rpc_v2_request("ListStreams", b"\xa0", {"Content-Type": "application/cbor"})

    response = lake.gateway.handle(request)

    assert response.status == 404
    assert response.headers["smithy-protocol"] == "rpc-v2-cbor"
    assert read(response.body) == {
        "__type": "com.amazonaws.kinesis#UnknownOperationException",
        "message": "kinesis is not served in the smithy-rpc-v2-cbor protocol",
    }
    assert parse_rpc_v2(response)["Error"]["Code"] == "UnknownOperationException"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        (
            {"Content-Type": "application/cbor", "X-Amz-Target": f"{KINESIS}.ListStreams"},
            400,
            "SerializationException",
        ),
        ({"Content-Type": "application/json"}, 415, "UnsupportedMediaTypeException"),
        ({}, 415, "UnsupportedMediaTypeException"),
    ],
)
def test_rpc_v2_refuses_what_the_spec_forbids(
    rpc_v2: RpcV2, headers: dict[str, str], status: int, code: str
) -> None:
    response = rpc_v2.gateway.handle(rpc_v2_request("ListStreams", b"\xa0", headers))

    assert response.status == status
    assert parse_rpc_v2(response)["Error"]["Code"] == code


def test_subscribe_to_shard_events_carry_cbor_payloads(lake: Lakehose) -> None:
    """The Java SDKs subscribe over CBOR: the event stream's messages then carry CBOR, blobs as
    byte strings and timestamps as tag 1 milliseconds, as in a CBOR GetRecords answer."""
    handle(lake, "CreateStream", cbor2.dumps({"StreamName": "fan", "ShardCount": 1}))
    arn = "arn:aws:kinesis:us-east-1:000000000000:stream/fan"
    registered = handle(
        lake, "RegisterStreamConsumer", cbor2.dumps({"StreamARN": arn, "ConsumerName": "c"})
    )
    consumer = read(registered.body)["Consumer"]["ConsumerARN"]
    handle(
        lake,
        "PutRecord",
        cbor2.dumps({"StreamName": "fan", "Data": b"\x00\xff", "PartitionKey": "k"}),
    )
    request = {
        "ConsumerARN": consumer,
        "ShardId": "shardId-000000000000",
        "StartingPosition": {"Type": "TRIM_HORIZON"},
    }
    response = handle(lake, "SubscribeToShard", cbor2.dumps(request))
    assert response.status == 200 and response.stream is not None
    assert response.headers["Content-Type"] == "application/vnd.amazon.eventstream"
    buffer = EventStreamBuffer()
    buffer.add_data(next(response.stream) + next(response.stream))
    initial, event = list(buffer)
    response.stream.close()
    assert initial.headers[":event-type"] == "initial-response"
    assert read(initial.payload) == {}
    assert (event.headers[":event-type"], event.headers[":content-type"]) == (
        "SubscribeToShardEvent",
        CBOR,
    )
    [record] = read(event.payload)["Records"]
    assert record["Data"] == b"\x00\xff"
    assert isinstance(record["ApproximateArrivalTimestamp"], cbor2.CBORTag)
