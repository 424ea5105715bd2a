"""S3 on the wire: virtual hosts, presigned URLs, aws-chunked bodies, raw status codes."""

from __future__ import annotations

import base64
import hashlib
import http.client
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.clock import ManualClock
from lakehose.gateway.http import Headers, HttpRequest, HttpResponse
from lakehose.settings import Credentials, Settings
from tests.conftest import NO_RETRIES, InProcess, ServerProcess, sigv4_stub
from tests.s3.conftest import fetch

NAMESPACE = "{http://s3.amazonaws.com/doc/2006-03-01/}"
SIGV4 = Config(signature_version="s3v4")


def test_virtual_host_style_requests(shared_runtime: InProcess, name: str) -> None:
    virtual = Config(s3={"addressing_style": "virtual"}).merge(NO_RETRIES)
    s3 = shared_runtime.client("s3", config=virtual)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="dir/a b.txt", Body=b"hosted")
    assert fetch(s3, Bucket=name, Key="dir/a b.txt")["Body"] == b"hosted"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=name)["Contents"]] == ["dir/a b.txt"]
    # The same object through a path-style client: one bucket, whichever way it is addressed.
    path_style = shared_runtime.client("s3", config=NO_RETRIES)
    assert fetch(path_style, Bucket=name, Key="dir/a b.txt")["Body"] == b"hosted"
    s3.delete_object(Bucket=name, Key="dir/a b.txt")
    s3.delete_bucket(Bucket=name)


def urlopen(request: urllib.request.Request | str) -> tuple[int, bytes, dict[str, str]]:
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read(), _lower(response.headers.items())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(), _lower(error.headers.items())


def _lower(items: Any) -> dict[str, str]:
    return {
        name.lower(): value.decode() if isinstance(value, bytes) else value for name, value in items
    }


def presigned_put(url: str, body: bytes, content_type: str) -> urllib.request.Request:
    return urllib.request.Request(
        url, data=body, method="PUT", headers={"Content-Type": content_type}
    )


def test_presigned_get_and_put_through_the_server(server: ServerProcess, name: str) -> None:
    s3 = server.client("s3", config=SIGV4.merge(NO_RETRIES))
    s3.create_bucket(Bucket=name)
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": name, "Key": "up/loaded.txt"}, ExpiresIn=300
    )
    status, _, headers = urlopen(presigned_put(put_url, b"presigned body", "text/plain"))
    assert status == 200
    assert headers["etag"] == '"' + hashlib.md5(b"presigned body").hexdigest() + '"'
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": name, "Key": "up/loaded.txt"}, ExpiresIn=300
    )
    status, body, headers = urlopen(get_url)
    assert (status, body, headers["content-type"]) == (200, b"presigned body", "text/plain")
    status, body, _ = urlopen(get_url.replace("loaded", "missing"))
    assert status == 404
    assert ET.fromstring(body).findtext("Code") == "NoSuchKey"


@pytest.fixture
def signing_lake(tmp_path: Path) -> Iterator[Lakehose]:
    """A runtime that checks signatures, on a manual clock set to now, served on loopback."""
    settings = Settings(credentials=Credentials("AKIDLAKEHOSE", "lakehose-secret"))
    clock = ManualClock(time.time())
    with Lakehose(home=tmp_path / "home", settings=settings, clock=clock) as lake:
        yield lake


def test_presigned_urls_are_verified_when_credentials_are_set(signing_lake: Lakehose) -> None:
    endpoint = signing_lake.endpoint()
    s3 = signing_lake.client("s3", endpoint_url=endpoint, config=NO_RETRIES)
    s3.create_bucket(Bucket="signed")
    put_url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": "signed", "Key": "k"}, ExpiresIn=60
    )
    assert urlopen(presigned_put(put_url, b"ok", "text/plain"))[0] == 200
    get_url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": "signed", "Key": "k"}, ExpiresIn=60
    )
    assert urlopen(get_url)[:2] == (200, b"ok")
    tampered = get_url.replace("Key=", "X=") if "Key=" in get_url else get_url + "&extra=1"
    status, body, _ = urlopen(tampered)
    assert (status, ET.fromstring(body).findtext("Code")) == (403, "SignatureDoesNotMatch")
    stranger = signing_lake.client("s3", endpoint_url=endpoint, aws_secret_access_key="wrong")
    forged = stranger.generate_presigned_url(
        "get_object", Params={"Bucket": "signed", "Key": "k"}, ExpiresIn=60
    )
    assert urlopen(forged)[0] == 403
    assert isinstance(signing_lake.clock, ManualClock)
    signing_lake.clock.advance(120)
    status, body, _ = urlopen(get_url)
    assert (status, ET.fromstring(body).findtext("Message")) == (403, "Request has expired")


def test_streaming_uploads_with_trailing_checksums(shared_runtime: InProcess, name: str) -> None:
    # Over https botocore sends PutObject aws-chunked, its CRC32 in a trailer.
    s3 = shared_runtime.client("s3", endpoint_url="https://localhost:4566", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    body = bytes(range(256)) * 400
    sent: list[dict[str, str]] = []

    def record(request: Any, **_: Any) -> None:
        sent.append(_lower(request.headers.items()))

    s3.meta.events.register("before-send.s3.PutObject", record)
    put = s3.put_object(Bucket=name, Key="streamed", Body=body, ContentEncoding="gzip")
    assert sent[0]["content-encoding"] == "gzip,aws-chunked"
    assert sent[0]["x-amz-trailer"] == "x-amz-checksum-crc32"
    expected_crc = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    assert put["ChecksumCRC32"] == expected_crc
    got = fetch(s3, Bucket=name, Key="streamed", ChecksumMode="ENABLED")
    assert (got["Body"], got["ContentEncoding"], got["ChecksumCRC32"]) == (
        body,
        "gzip",
        expected_crc,
    )
    s3.delete_object(Bucket=name, Key="streamed")
    s3.delete_bucket(Bucket=name)


def send(
    runtime: InProcess, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> HttpResponse:
    return runtime.lake.gateway.handle(
        HttpRequest(
            method, path, "", Headers({"Host": "localhost", **sigv4_stub("s3"), **headers}), body
        )
    )


def code_of(response: HttpResponse) -> str | None:
    return ET.fromstring(response.body).findtext("Code")


CHUNKED = {
    "Content-Encoding": "aws-chunked",
    "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
}


def test_raw_aws_chunked_bodies(shared_runtime: InProcess, name: str) -> None:
    assert send(shared_runtime, "PUT", f"/{name}", {}).status == 200
    signed = (
        b"5;chunk-signature=aa\r\nhello\r\n6;chunk-signature=bb\r\n world\r\n"
        b"0;chunk-signature=cc\r\n\r\n"
    )
    headers = {
        "Content-Encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "x-amz-decoded-content-length": "11",
    }
    assert send(shared_runtime, "PUT", f"/{name}/signed", headers, signed).status == 200
    got = send(shared_runtime, "GET", f"/{name}/signed", {})
    assert (got.body, got.headers.get("Content-Encoding")) == (b"hello world", None)

    crc = base64.b64encode(zlib.crc32(b"hello").to_bytes(4, "big")).decode()
    trailer = {**CHUNKED, "x-amz-trailer": "x-amz-checksum-crc32"}
    good = f"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:{crc}\r\n\r\n".encode()
    assert send(shared_runtime, "PUT", f"/{name}/trailed", trailer, good).status == 200
    bad = good.replace(b"hello", b"jello")
    assert code_of(send(shared_runtime, "PUT", f"/{name}/trailed", trailer, bad)) == "BadDigest"
    missing = b"5\r\nhello\r\n0\r\n\r\n"
    response = send(shared_runtime, "PUT", f"/{name}/trailed", trailer, missing)
    assert code_of(response) == "MalformedTrailerError"
    for broken in (b"5\r\nhel", b"zz\r\nhello\r\n0\r\n\r\n", b"5\r\nhelloXX0\r\n\r\n"):
        assert (
            code_of(send(shared_runtime, "PUT", f"/{name}/broken", CHUNKED, broken))
            == "IncompleteBody"
        )
    short = {**CHUNKED, "x-amz-decoded-content-length": "99"}
    assert (
        code_of(send(shared_runtime, "PUT", f"/{name}/broken", short, b"0\r\n\r\n"))
        == "IncompleteBody"
    )
    assert send(shared_runtime, "GET", f"/{name}/trailed", {}).body == b"hello"
    for key in ("signed", "trailed"):
        send(shared_runtime, "DELETE", f"/{name}/{key}", {})
    assert send(shared_runtime, "DELETE", f"/{name}", {}).status == 204


def test_status_codes_and_error_documents_on_the_socket(server: ServerProcess, name: str) -> None:
    s3 = server.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    etag = s3.put_object(Bucket=name, Key="k", Body=b"0123456789")["ETag"]
    host = urlsplit(server.endpoint).netloc

    def request(
        method: str, path: str, headers: dict[str, str]
    ) -> tuple[int, bytes, dict[str, str]]:
        connection = http.client.HTTPConnection(host, timeout=10)
        try:
            connection.request(method, path, headers={**sigv4_stub("s3"), **headers})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()

    status, body, headers = request("GET", f"/{name}/k", {"If-None-Match": etag})
    assert (status, body) == (304, b"")
    status, body, headers = request("GET", f"/{name}/k", {"Range": "bytes=2-4"})
    assert (status, body, headers["content-range"]) == (206, b"234", "bytes 2-4/10")
    status, body, headers = request("GET", f"/{name}/missing%20key", {})
    assert (status, headers["content-type"]) == (404, "application/xml")
    document = ET.fromstring(body)
    assert document.tag == "Error"
    assert [child.tag for child in document] == ["Code", "Message", "Key", "RequestId", "HostId"]
    assert document.findtext("Key") == "missing key"
    assert document.findtext("RequestId") == headers["x-amz-request-id"]
    status, body, _ = request("HEAD", f"/{name}/missing", {})
    assert (status, body) == (404, b"")
    listing = ET.fromstring(request("GET", f"/{name}?list-type=2", {})[1])
    assert listing.tag == f"{NAMESPACE}ListBucketResult"
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError):
        s3.head_bucket(Bucket=name)


def test_presigned_urls_expire_without_credentials(tmp_path: Path) -> None:
    # The URL's lifetime holds even where any key is accepted.
    with Lakehose(home=tmp_path / "home", clock=ManualClock(time.time())) as lake:
        s3 = lake.client("s3", endpoint_url=lake.endpoint(), config=NO_RETRIES)
        s3.create_bucket(Bucket="open")
        s3.put_object(Bucket="open", Key="k", Body=b"ok")
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "open", "Key": "k"}, ExpiresIn=60
        )
        assert urlopen(url)[:2] == (200, b"ok")
        assert isinstance(lake.clock, ManualClock)
        lake.clock.advance(120)
        status, body, _ = urlopen(url)
        document = ET.fromstring(body)
        assert (status, document.findtext("Code"), document.findtext("Message")) == (
            403,
            "AccessDenied",
            "Request has expired",
        )


def raw_put(
    server: ServerProcess, path: str, headers: list[tuple[str, str | bytes]], body: bytes = b""
) -> tuple[int, bytes]:
    """A PUT with exactly these headers (and a SigV4 structure), its bytes sent as given."""
    connection = http.client.HTTPConnection(server.endpoint.removeprefix("http://"), timeout=30)
    try:
        connection.putrequest("PUT", path)
        for header, value in [*sigv4_stub("s3").items(), *headers]:
            connection.putheader(header, value)
        connection.endheaders()
        if body:
            connection.send(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_non_ascii_metadata_comes_back_rfc_2047_encoded(server: ServerProcess, name: str) -> None:
    s3 = server.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    headers: list[tuple[str, str | bytes]] = [
        ("x-amz-meta-title", "ÄMÄZÕÑ S3 — é_%.pdf".encode()),
        ("x-amz-meta-plain", "ascii only"),
        ("x-amz-meta-given", "=?UTF-8?B?YWJj?="),
        ("Content-Length", "0"),
    ]
    assert raw_put(server, f"/{name}/k", headers)[0] == 200
    assert s3.head_object(Bucket=name, Key="k")["Metadata"] == {
        "title": "=?UTF-8?Q?=C3=84M=C3=84Z=C3=95=C3=91_S3_=E2=80=94_=C3=A9=5F%.pdf?=",
        "plain": "ascii only",
        "given": "=?UTF-8?B?YWJj?=",
    }
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)


def test_a_put_without_content_length_is_refused(server: ServerProcess, name: str) -> None:
    s3 = server.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    # A body of unknown length: chunked transfer coding, no Content-Length.
    chunked: list[tuple[str, str | bytes]] = [("Transfer-Encoding", "chunked")]
    status, body = raw_put(server, f"/{name}/k", chunked, b"5\r\nhello\r\n0\r\n\r\n")
    document = ET.fromstring(body)
    assert (status, document.findtext("Code"), document.findtext("Message")) == (
        411,
        "MissingContentLength",
        "You must provide the Content-Length HTTP header.",
    )
    with pytest.raises(ClientError) as nothing:
        s3.head_object(Bucket=name, Key="k")
    assert nothing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    s3.delete_bucket(Bucket=name)
