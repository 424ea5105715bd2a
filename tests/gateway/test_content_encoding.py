"""Compressed request bodies (``Content-Encoding: gzip`` / ``deflate``), as SDKs send them.

boto3 compresses only operations with the ``requestcompression`` trait, and none of the seven
services has one; other SDKs and HTTP stacks compress anyway. A ``before-sign`` handler
compresses the body the way botocore's own request compression does, so the signature covers
the compressed bytes, and the request travels through a real boto3 client in both modes.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from botocore.awsrequest import AWSRequest

from lakehose import Lakehose
from lakehose.gateway.content_encoding import MAX_DECODED_BYTES
from lakehose.gateway.http import Headers, HttpRequest
from tests.conftest import AwsTarget, cached_client, sigv4_stub

COMPRESSORS: dict[str, Callable[[bytes], bytes]] = {"gzip": gzip.compress, "deflate": zlib.compress}


def compressing(encoding: str) -> Callable[..., None]:
    def compress(request: AWSRequest, **_: Any) -> None:
        body = request.body if isinstance(request.body, bytes) else str(request.body).encode()
        request.data = COMPRESSORS[encoding](body)
        request.headers["Content-Encoding"] = encoding
        request.headers["Content-Length"] = str(len(request.data))

    return compress


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_dynamodb_requests_work(
    aws: AwsTarget, client_cache: dict[str, Any], name: str, encoding: str
) -> None:
    dynamodb = aws.client("dynamodb")
    handler = compressing(encoding)
    dynamodb.meta.events.register("before-sign.dynamodb.*", handler)
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.put_item(TableName=name, Item={"id": {"S": "a"}, "bpm": {"N": "121"}})
    item = dynamodb.get_item(TableName=name, Key={"id": {"S": "a"}})["Item"]
    assert item == {"id": {"S": "a"}, "bpm": {"N": "121"}}
    dynamodb.meta.events.unregister("before-sign.dynamodb.*", handler)
    # The plain client sees what the compressed one wrote.
    plain = cached_client(aws, client_cache, "dynamodb")
    assert plain.get_item(TableName=name, Key={"id": {"S": "a"}})["Item"] == item
    plain.delete_table(TableName=name)


def _list_tables(body: bytes, encoding: str) -> HttpRequest:
    return HttpRequest(
        "POST",
        "/",
        headers=Headers(
            {
                "Host": "localhost",
                "X-Amz-Target": "DynamoDB_20120810.ListTables",
                "Content-Type": "application/x-amz-json-1.0",
                "Content-Encoding": encoding,
                **sigv4_stub("dynamodb"),
            }
        ),
        body=body,
    )


@pytest.mark.parametrize(
    ("body", "encoding", "status", "code"),
    [
        (b"\x1f\x8b\x08\x00garbage", "gzip", 400, "SerializationException"),
        (gzip.compress(b"{}")[:-6], "gzip", 400, "SerializationException"),
        (b"{}", "br", 400, "SerializationException"),
        (gzip.compress(b" " * (MAX_DECODED_BYTES + 1)), "gzip", 413, "RequestEntityTooLarge"),
    ],
    ids=["corrupt", "truncated", "unknown-coding", "inflates-too-far"],
)
def test_bad_compressed_bodies_are_clean_client_errors(
    lake: Lakehose, body: bytes, encoding: str, status: int, code: str
) -> None:
    response = lake.gateway.handle(_list_tables(body, encoding))
    assert response.status == status
    assert response.headers["Content-Type"] == "application/x-amz-json-1.0"
    document = orjson.loads(response.body)
    assert document["__type"].rpartition("#")[2] == code


def test_identity_and_stacked_codings(lake: Lakehose) -> None:
    twice = gzip.compress(zlib.compress(b"{}"))
    for body, encoding in ((b"{}", "identity"), (twice, "deflate, gzip")):
        response = lake.gateway.handle(_list_tables(body, encoding))
        assert response.status == 200, response.body
        assert orjson.loads(response.body) == {"TableNames": []}
