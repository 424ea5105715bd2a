"""HTTP/2 with prior knowledge (h2c) and HTTP/1.1 on the one port of a real ``lakehose up``.

The AWS SDK for JavaScript v3 Kinesis client speaks h2c by default (``tests/clients`` runs it);
these tests drive the same path with httpx and with a bare ``h2`` client whose small windows make
the server wait for WINDOW_UPDATE frames, and check that a broken HTTP/2 peer harms nothing.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import h2.config
import h2.connection
import h2.events
import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.eventstream import EventStreamBuffer
from hyperframe.frame import GoAwayFrame

from lakehose.gateway.http2 import MAX_BODY_BYTES, PREFACE
from tests.conftest import ServerProcess

pytestmark = pytest.mark.server

JSON_1_1 = "application/x-amz-json-1.1"
# Kinesis's limit is 1 MiB for data and partition key together.
PARTITION_KEY = "p"
RECORD = os.urandom(1024 * 1024 - len(PARTITION_KEY))
GOAWAY = 0x7


def signed(endpoint: str, operation: str, payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """A Kinesis awsJson 1.1 request body and its SigV4 headers, as an SDK would send them."""
    body = json.dumps(payload).encode()
    headers = {"X-Amz-Target": f"Kinesis_20131202.{operation}", "Content-Type": JSON_1_1}
    request = AWSRequest(method="POST", url=f"{endpoint}/", data=body, headers=headers)
    SigV4Auth(Credentials("test", "test"), "kinesis", "us-east-1").add_auth(request)
    return body, {k: str(v) for k, v in request.headers.items()}


def call(client: httpx.Client, endpoint: str, operation: str, **payload: Any) -> Any:
    body, headers = signed(endpoint, operation, payload)
    response = client.post(f"{endpoint}/", content=body, headers=headers)
    assert response.http_version == "HTTP/2"
    assert response.status_code == 200, response.text
    # Operations without output (CreateStream) answer with an empty body.
    return response.json() if response.content else None


@pytest.fixture
def h2_client() -> Iterator[httpx.Client]:
    # http1=False makes httpx speak HTTP/2 with prior knowledge over http://, as the JS SDK does.
    with httpx.Client(http1=False, http2=True, timeout=60) as client:
        yield client


@pytest.fixture
def stream_with_big_record(server: ServerProcess, h2_client: httpx.Client, name: str) -> str:
    """A one-shard stream holding one 1 MiB record (put over HTTP/2); its TRIM_HORIZON iterator."""
    endpoint = server.endpoint
    call(h2_client, endpoint, "CreateStream", StreamName=name, ShardCount=1)
    deadline = time.monotonic() + 30
    while True:
        summary = call(h2_client, endpoint, "DescribeStreamSummary", StreamName=name)
        if summary["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE":
            break
        assert time.monotonic() < deadline, "stream did not become ACTIVE"
        time.sleep(0.05)
    # The request body (1.4 MB of base64) exceeds the server's stream window: the upload only
    # completes if the server reopens the window as it reads.
    data = base64.b64encode(RECORD).decode()
    put = call(h2_client, endpoint, "PutRecord", StreamName=name, Data=data, PartitionKey="p")
    iterator = call(
        h2_client,
        endpoint,
        "GetShardIterator",
        StreamName=name,
        ShardId=put["ShardId"],
        ShardIteratorType="TRIM_HORIZON",
    )
    return str(iterator["ShardIterator"])


def test_kinesis_over_http2_prior_knowledge(
    server: ServerProcess, h2_client: httpx.Client, stream_with_big_record: str
) -> None:
    page = call(h2_client, server.endpoint, "GetRecords", ShardIterator=stream_with_big_record)
    [record] = page["Records"]
    assert base64.b64decode(record["Data"]) == RECORD
    assert record["PartitionKey"] == PARTITION_KEY


def test_http1_still_served_on_the_same_port(server: ServerProcess) -> None:
    kinesis = server.client("kinesis")
    assert kinesis.list_streams()["ResponseMetadata"]["HTTPStatusCode"] == 200
    with urllib.request.urlopen(f"{server.endpoint}/_lakehose/health") as response:
        assert response.version == 11 and response.status == 200


# -- a bare h2 client: small windows, concurrent streams, resets ------------------------------


@dataclass
class Answer:
    status: int = 0
    body: bytearray = field(default_factory=bytearray)
    ended: bool = False
    reset: int | None = None


class BareH2:
    """A blocking HTTP/2 client that acknowledges data only as it reads it (64 KiB windows)."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        parts = urlsplit(endpoint)
        self.authority = parts.netloc
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=30)
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        self.conn = h2.connection.H2Connection(config)
        self.conn.initiate_connection()
        self.answers: dict[int, Answer] = {}
        self.goaway: h2.events.ConnectionTerminated | None = None
        self.flush()

    def flush(self) -> None:
        self.sock.sendall(self.conn.data_to_send())

    def request(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes = b"",
        *,
        end: bool = True,
    ) -> int:
        stream_id = self.conn.get_next_available_stream_id()
        block = [(":method", method), (":scheme", "http"), (":authority", self.authority)]
        block += [(":path", path), *((k.lower(), v) for k, v in headers.items())]
        self.conn.send_headers(stream_id, block, end_stream=end and not body)
        if body:
            self.conn.send_data(stream_id, body, end_stream=end)
        self.answers[stream_id] = Answer()
        self.flush()
        return stream_id

    def kinesis(self, operation: str, **payload: Any) -> int:
        body, headers = signed(self.endpoint, operation, payload)
        return self.request("POST", "/", headers, body)

    def read(self, until: Any) -> None:
        """Receive and handle frames until ``until()`` holds or the server closes."""
        while not until():
            data = self.sock.recv(65536)
            if not data:
                return
            for event in self.conn.receive_data(data):
                self.handle(event)
            self.flush()

    def handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.ResponseReceived):
            self.answers[event.stream_id].status = int(dict(event.headers)[b":status"])
        elif isinstance(event, h2.events.DataReceived):
            self.answers[event.stream_id].body += event.data
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.StreamEnded):
            self.answers[event.stream_id].ended = True
        elif isinstance(event, h2.events.StreamReset):
            self.answers[event.stream_id].reset = event.error_code
        elif isinstance(event, h2.events.ConnectionTerminated):
            self.goaway = event

    def wait(self, *stream_ids: int) -> list[Answer]:
        answers = [self.answers[s] for s in stream_ids]
        self.read(lambda: all(a.ended or a.reset is not None for a in answers))
        return answers

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def bare(server: ServerProcess) -> Iterator[BareH2]:
    client = BareH2(server.endpoint)
    yield client
    client.close()


def test_large_response_waits_for_window_updates_beside_other_streams(
    bare: BareH2, stream_with_big_record: str
) -> None:
    big = bare.kinesis("GetRecords", ShardIterator=stream_with_big_record)
    small = bare.request("GET", "/_lakehose/health", {})
    records, health = bare.wait(big, small)
    assert health.status == 200 and "version" in json.loads(health.body)
    assert records.status == 200 and records.reset is None
    [record] = json.loads(records.body)["Records"]
    assert base64.b64decode(record["Data"]) == RECORD


def test_a_reset_stream_leaves_the_connection_usable(
    bare: BareH2, stream_with_big_record: str
) -> None:
    big = bare.kinesis("GetRecords", ShardIterator=stream_with_big_record)
    bare.read(lambda: len(bare.answers[big].body) > 0)
    bare.conn.reset_stream(big, h2.errors.ErrorCodes.CANCEL)
    bare.flush()
    [health] = bare.wait(bare.request("GET", "/_lakehose/health", {}))
    assert health.status == 200 and health.ended


def test_a_client_goaway_lets_the_open_response_finish(
    bare: BareH2, stream_with_big_record: str
) -> None:
    big = bare.kinesis("GetRecords", ShardIterator=stream_with_big_record)
    bare.read(lambda: bare.answers[big].status != 0)
    # What the AWS SDK for JavaScript does once a response's headers are in. Sent as raw bytes:
    # h2's own client would stop accepting the rest of the response after its GOAWAY.
    bare.sock.sendall(GoAwayFrame(0, last_stream_id=0, error_code=0).serialize())
    [records] = bare.wait(big)
    assert records.status == 200 and records.reset is None
    [record] = json.loads(records.body)["Records"]
    assert base64.b64decode(record["Data"]) == RECORD
    bare.read(lambda: False)  # the server closes once nothing is open
    assert bare.goaway is not None and bare.goaway.error_code == 0


def test_a_declared_oversized_body_is_refused_before_it_is_read(bare: BareH2) -> None:
    headers = {"content-type": JSON_1_1, "content-length": str(MAX_BODY_BYTES + 1)}
    stream_id = bare.request("POST", "/", headers, b"{", end=False)
    [answer] = bare.wait(stream_id)
    assert answer.status == 413
    # The server then tells the client to stop sending the body; the connection lives on.
    [health] = bare.wait(bare.request("GET", "/_lakehose/health", {}))
    assert health.status == 200


def test_an_oversized_body_is_refused_while_it_arrives(bare: BareH2) -> None:
    stream_id = bare.request("POST", "/", {"content-type": JSON_1_1}, end=False)
    chunk = b" " * bare.conn.max_outbound_frame_size
    sent = 0
    answer = bare.answers[stream_id]
    while answer.status == 0 and sent <= MAX_BODY_BYTES:
        if bare.conn.local_flow_control_window(stream_id) < len(chunk):
            # The server reopens the window as its app reads, until it refuses the stream.
            bare.read(lambda: answer.status != 0 or window_at(bare, stream_id) >= len(chunk))
            continue
        bare.conn.send_data(stream_id, chunk)
        bare.flush()
        sent += len(chunk)
    bare.read(lambda: answer.status != 0)
    assert answer.status == 413 and sent > MAX_BODY_BYTES


def window_at(client: BareH2, stream_id: int) -> int:
    return client.conn.local_flow_control_window(stream_id)


# -- broken peers and shutdown ----------------------------------------------------------------


def frames(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, payload) of each complete HTTP/2 frame in ``data``."""
    while len(data) >= 9:
        length = int.from_bytes(data[:3], "big")
        yield data[3], data[9 : 9 + length]
        data = data[9 + length :]


def received_until_closed(sock: socket.socket) -> bytes:
    sock.settimeout(10)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def health_ok(endpoint: str) -> bool:
    with urllib.request.urlopen(f"{endpoint}/_lakehose/health", timeout=10) as response:
        return bool(response.status == 200)


@pytest.mark.parametrize(
    "garbage",
    [
        b"\xff" * 64,  # a frame header announcing 16 MiB: past the maximum frame size
        b"\x00\x00\x04\x01\x05\x00\x00\x00\x01\xff\xff\xff\xff",  # HEADERS before SETTINGS
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",  # HTTP/1.1 after the HTTP/2 preface
    ],
    ids=["oversized-frame", "headers-before-settings", "http1-after-preface"],
)
def test_garbage_after_the_preface_closes_only_that_connection(
    server: ServerProcess, garbage: bytes
) -> None:
    parts = urlsplit(server.endpoint)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(PREFACE + garbage)
        answer = received_until_closed(sock)
    goaways = [payload for kind, payload in frames(answer) if kind == GOAWAY]
    assert goaways, answer
    _last_stream, error_code = struct.unpack(">II", goaways[-1][:8])
    assert error_code != 0  # a protocol error, not a graceful close
    assert health_ok(server.endpoint)


def test_a_client_vanishing_mid_request_harms_nothing(server: ServerProcess) -> None:
    client = BareH2(server.endpoint)
    client.request("POST", "/", {"content-type": JSON_1_1, "content-length": "10"}, end=False)
    client.close()
    assert health_ok(server.endpoint)


def test_shutdown_sends_goaway_and_exits(tmp_path: Path) -> None:
    process = ServerProcess(tmp_path / "home")
    try:
        client = BareH2(process.endpoint)
        [health] = client.wait(client.request("GET", "/_lakehose/health", {}))
        assert health.status == 200
    finally:
        code = process.stop()
    client.read(lambda: False)  # until the server closes the connection
    client.close()
    assert code == 0
    assert client.goaway is not None and client.goaway.error_code == 0


def test_subscribe_to_shard_streams_events_over_http2(
    server: ServerProcess, h2_client: httpx.Client, name: str
) -> None:
    """As the Java SDK's enhanced fan-out does: one HTTP/2 stream carries the event stream while
    records put meanwhile arrive in it, framed as botocore's EventStreamBuffer checks them."""
    endpoint = server.endpoint
    call(h2_client, endpoint, "CreateStream", StreamName=name, ShardCount=1)
    summary = call(h2_client, endpoint, "DescribeStreamSummary", StreamName=name)
    stream_arn = summary["StreamDescriptionSummary"]["StreamARN"]
    consumer = call(
        h2_client, endpoint, "RegisterStreamConsumer", StreamARN=stream_arn, ConsumerName="c"
    )["Consumer"]["ConsumerARN"]
    body, headers = signed(
        endpoint,
        "SubscribeToShard",
        {
            "ConsumerARN": consumer,
            "ShardId": "shardId-000000000000",
            "StartingPosition": {"Type": "LATEST"},
        },
    )
    events = EventStreamBuffer()
    seen: list[tuple[str, Any]] = []
    with h2_client.stream("POST", f"{endpoint}/", content=body, headers=headers) as response:
        assert response.http_version == "HTTP/2" and response.status_code == 200
        assert response.headers["content-type"] == "application/vnd.amazon.eventstream"
        for chunk in response.iter_raw():
            events.add_data(chunk)
            for message in events:
                kind = message.headers[":event-type"]
                seen.append((kind, json.loads(message.payload)))
                if len(seen) == 2:  # the initial response and the first (empty) event
                    call(
                        h2_client,
                        endpoint,
                        "PutRecord",
                        StreamName=name,
                        Data="aGk=",
                        PartitionKey="k",
                    )
            if any(payload.get("Records") for _, payload in seen):
                break
    assert seen[0] == ("initial-response", {})
    assert {kind for kind, _ in seen[1:]} == {"SubscribeToShardEvent"}
    [record] = [r for _, payload in seen[1:] for r in payload["Records"]]
    assert base64.b64decode(record["Data"]) == b"hi"
