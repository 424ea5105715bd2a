"""Request bodies are bounded while they are read: too large, or too slow, is answered and closed.

One server with small configured limits and short timeouts (so the tests are quick) receives
oversized bodies (declared, and chunked without a length), half-sent bodies and trickled bodies;
each gets its service's own answer, the connection closes, and the server goes on serving.
"""

from __future__ import annotations

import json
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from lakehose.errors import ConfigurationError
from lakehose.gateway.limits import DYNAMODB_MAX_BYTES, LAMBDA_MAX_BYTES
from lakehose.settings import Settings
from tests.conftest import NO_RETRIES, ServerProcess, sigv4_stub

MiB = 1024 * 1024
S3_LIMIT = 2 * MiB
DEFAULT_LIMIT = 1 * MiB
IDLE_SECONDS = 1.0
TOTAL_SECONDS = 3.0


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(
        tmp_path_factory.mktemp("limited") / "home",
        env={
            "LAKEHOSE_S3_MAX_BODY_BYTES": str(S3_LIMIT),
            "LAKEHOSE_MAX_BODY_BYTES": str(DEFAULT_LIMIT),
            "LAKEHOSE_BODY_IDLE_TIMEOUT": str(IDLE_SECONDS),
            "LAKEHOSE_BODY_TIMEOUT": str(TOTAL_SECONDS),
        },
    )
    yield process
    process.stop()


class Reply:
    """A raw HTTP answer: status, headers (lower-cased), body, and whether the server hung up."""

    def __init__(self, raw: bytes, closed: bool) -> None:
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:])
        }
        self.closed = closed

    def json(self) -> Any:
        return json.loads(self.body)

    def xml_code(self) -> str | None:
        return ET.fromstring(self.body).findtext("Code")


def exchange(
    server: ServerProcess,
    head: str,
    chunks: Iterable[bytes] = (),
    pause: float = 0.0,
) -> Reply:
    """Send ``head`` then each chunk (stopping once the server has answered or hung up), and read
    the answer until the server closes the connection."""
    host = urlsplit(server.endpoint).netloc
    hostname, _, port = host.rpartition(":")
    with socket.create_connection((hostname, int(port)), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for chunk in chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server stopped reading: its answer is waiting
            if pause:
                time.sleep(pause)
        received = b""
        closed = False
        while True:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                break
            if not data:
                closed = True
                break
            received += data
        return Reply(received, closed)


def request_head(method: str, path: str, service: str, headers: dict[str, str]) -> str:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost"]
    lines += [f"{name}: {value}" for name, value in {**sigv4_stub(service), **headers}.items()]
    return "\n".join(lines) + "\n"


def chunked(payload_size: int, piece: int = 64 * 1024) -> Iterator[bytes]:
    """A chunked body of ``payload_size`` bytes, never terminated (no last chunk)."""
    sent = 0
    while sent < payload_size:
        size = min(piece, payload_size - sent)
        yield f"{size:x}\r\n".encode() + b"x" * size + b"\r\n"
        sent += size


DYNAMODB = {
    "X-Amz-Target": "DynamoDB_20120810.PutItem",
    "Content-Type": "application/x-amz-json-1.0",
}


def test_a_declared_oversized_body_is_refused_unread(limited: ServerProcess) -> None:
    reply = exchange(
        limited,
        request_head("POST", "/", "dynamodb", {**DYNAMODB, "Content-Length": str(256 * MiB)}),
        [b"{}"],
    )
    # DynamoDB answers 413 with an empty body (dynalite's tests, recorded against AWS).
    assert (reply.status, reply.body) == (413, b"")
    assert reply.headers["connection"] == "close" and reply.closed
    assert reply.headers["x-amzn-requestid"]
    assert limited.client("dynamodb", config=NO_RETRIES).list_tables()["TableNames"] is not None


def test_dynamodb_takes_just_under_16_mib(limited: ServerProcess) -> None:
    declared = {**DYNAMODB, "Content-Length": str(DYNAMODB_MAX_BYTES + 1)}
    assert exchange(limited, request_head("POST", "/", "dynamodb", declared)).status == 413
    # One byte less is read (then refused as the malformed JSON it is, not for its size).
    body = b"x" * DYNAMODB_MAX_BYTES
    fits = {**DYNAMODB, "Content-Length": str(len(body))}
    reply = exchange(limited, request_head("POST", "/", "dynamodb", fits), [body])
    assert reply.status == 400
    assert reply.json()["__type"].endswith("SerializationException")


def test_a_chunked_body_is_counted_while_it_arrives(limited: ServerProcess) -> None:
    head = request_head("PUT", "/bucket/key", "s3", {"Transfer-Encoding": "chunked"})
    reply = exchange(limited, head, chunked(S3_LIMIT + 100 * 1024))
    assert (reply.status, reply.xml_code()) == (400, "EntityTooLarge")
    document = ET.fromstring(reply.body)
    assert document.findtext("MaxSizeAllowed") == str(S3_LIMIT)
    assert document.findtext("Message") == (
        "Your proposed upload exceeds the maximum allowed object size."
    )
    assert reply.closed
    head = request_head("POST", "/", "glue", {"X-Amz-Target": "AWSGlue.GetDatabases"})
    reply = exchange(limited, head + "Transfer-Encoding: chunked\n", chunked(DEFAULT_LIMIT + 1))
    assert (reply.status, reply.body) == (413, b"")


def test_lambda_and_admin_limits(limited: ServerProcess) -> None:
    declared = {"Content-Length": str(LAMBDA_MAX_BYTES + 1), "Content-Type": "application/json"}
    reply = exchange(limited, request_head("POST", "/2015-03-31/functions", "lambda", declared))
    assert reply.status == 413
    assert reply.headers["x-amzn-errortype"] == "RequestEntityTooLargeException"
    assert reply.json()["message"] == (
        "Request must be smaller than 69905067 bytes for the CreateFunction operation"
    )
    flush = request_head("POST", "/_lakehose/flush", "lakehose", {"Content-Length": str(MiB)})
    assert exchange(limited, flush).status == 413


def test_an_s3_upload_over_the_limit_through_boto3(limited: ServerProcess, name: str) -> None:
    s3 = limited.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="fits", Body=b"x" * (S3_LIMIT - 1024))
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=name, Key="too-big", Body=b"x" * (S3_LIMIT + 1))
    assert caught.value.response["Error"]["Code"] == "EntityTooLarge"
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=name)["Contents"]]
    assert keys == ["fits"]
    s3.delete_object(Bucket=name, Key="fits")
    s3.delete_bucket(Bucket=name)


def test_a_half_sent_body_times_out(limited: ServerProcess) -> None:
    started = time.monotonic()
    head = request_head("POST", "/", "dynamodb", {**DYNAMODB, "Content-Length": "100"})
    reply = exchange(limited, head, [b'{"TableName": '])
    assert reply.status == 408
    assert reply.json()["__type"].endswith("RequestTimeout")
    assert reply.closed
    assert time.monotonic() - started < IDLE_SECONDS + 5
    head = request_head("PUT", "/bucket/key", "s3", {"Content-Length": "100"})
    reply = exchange(limited, head, [b"partial"])
    assert (reply.status, reply.xml_code()) == (400, "RequestTimeout")
    assert ET.fromstring(reply.body).findtext("Message") == (
        "Your socket connection to the server was not read from or written to within the "
        "timeout period. Idle connections will be closed."
    )


def test_a_trickled_body_meets_the_total_deadline(limited: ServerProcess) -> None:
    """A byte every half second never trips the idle timeout, but the whole body must arrive in
    ``body_timeout`` seconds."""
    started = time.monotonic()
    head = request_head("PUT", "/bucket/key", "s3", {"Content-Length": "1000"})
    reply = exchange(limited, head, [b"x"] * 40, pause=IDLE_SECONDS / 2)
    elapsed = time.monotonic() - started
    assert (reply.status, reply.xml_code()) == (400, "RequestTimeout")
    assert TOTAL_SECONDS - 0.5 < elapsed < TOTAL_SECONDS + 5
    assert limited.admin("health", "GET")["services"]


def test_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"LAKEHOSE_MAX_BODY_BYTES": "1024", "LAKEHOSE_BODY_IDLE_TIMEOUT": "2.5"}
    )
    assert (settings.max_body_bytes, settings.body_idle_timeout) == (1024, 2.5)
    assert settings.s3_max_body_bytes == 512 * MiB and settings.body_timeout == 60.0
    with pytest.raises(ConfigurationError):
        Settings.from_env({"LAKEHOSE_BODY_TIMEOUT": "0"})
    with pytest.raises(ConfigurationError):
        Settings.from_env({"LAKEHOSE_S3_MAX_BODY_BYTES": "lots"})
