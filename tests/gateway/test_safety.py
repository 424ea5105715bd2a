"""``lakehose up`` is safe next to a browser: the attacks a web page can mount are refused.

Each server test replays one attack on a real server: a cross-site "simple" POST (text/plain, no
custom header) that used to create and run a Lambda function, ``POST /bucket?delete``, DNS
rebinding (a foreign ``Host``), an unsigned admin call. Allowed origins get CORS answers, unsigned
API calls their service's own error, and public S3 reads (by bucket policy) still work.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from lakehose import Lakehose
from lakehose.cli.admin import signed_headers
from lakehose.gateway.http import Headers, HttpRequest
from lakehose.gateway.safety import EdgePolicy, host_name, is_loopback
from lakehose.settings import Credentials, Settings
from tests.conftest import NO_RETRIES, ServerProcess, sigv4_stub

ROLE = "arn:aws:iam::000000000000:role/lambda"
Answer = tuple[int, dict[str, str], bytes]


def send(
    server: ServerProcess | str,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
) -> Answer:
    """One raw request on its own connection, headers exactly as given (``Host`` included)."""
    endpoint = server if isinstance(server, str) else server.endpoint
    connection = http.client.HTTPConnection(urlsplit(endpoint).netloc, timeout=30)
    try:
        connection.request(method, path, body=body or None, headers=headers or {})
        response = connection.getresponse()
        found = {name.lower(): value for name, value in response.getheaders()}
        return response.status, found, response.read()
    finally:
        connection.close()


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _function_exists(server: ServerProcess, name: str) -> bool:
    try:
        server.client("lambda", config=NO_RETRIES).get_function(FunctionName=name)
    except ClientError as error:
        assert error.response["Error"]["Code"] == "ResourceNotFoundException"
        return False
    return True


# -- the attacks ------------------------------------------------------------------------------


def test_a_cross_site_simple_post_creates_no_function(server: ServerProcess, name: str) -> None:
    document = {
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": ROLE,
        "Handler": "app.handler",
        "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="},
    }
    page = {"Origin": "http://evil.example", "Content-Type": "text/plain"}
    status, headers, body = send(
        server, "POST", "/2015-03-31/functions", page, json.dumps(document).encode()
    )
    assert status == 403
    assert "access-control-allow-origin" not in headers
    assert b"evil.example" in body
    # The same request from a browser that sent no Origin still lacks a signature.
    status, headers, body = send(
        server,
        "POST",
        "/2015-03-31/functions",
        {"Content-Type": "text/plain"},
        json.dumps(document).encode(),
    )
    assert (status, headers["x-amzn-errortype"]) == (403, "MissingAuthenticationTokenException")
    assert not _function_exists(server, name)
    invoke = f"/2015-03-31/functions/{name}/invocations"
    assert send(server, "POST", invoke, page, b"{}")[0] == 403


def test_a_cross_site_bucket_delete_deletes_nothing(server: ServerProcess, name: str) -> None:
    s3 = server.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="keep", Body=b"kept")
    form = b"<Delete><Object><Key>keep</Key></Object></Delete>"
    page = {"Origin": "https://evil.example", "Content-Type": "text/plain"}
    assert send(server, "POST", f"/{name}?delete", page, form)[0] == 403
    status, _, body = send(server, "POST", f"/{name}?delete", {"Content-Type": "text/plain"}, form)
    assert (status, ET.fromstring(body).findtext("Code")) == (403, "AccessDenied")
    assert s3.get_object(Bucket=name, Key="keep")["Body"].read() == b"kept"
    s3.delete_object(Bucket=name, Key="keep")
    s3.delete_bucket(Bucket=name)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "localhost.evil.example"])
def test_a_foreign_host_is_refused_before_any_engine(
    server: ServerProcess, name: str, host: str
) -> None:
    """DNS rebinding: the page's own name, now resolving to 127.0.0.1, is still in Host."""
    s3 = server.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="secret", Body=b"secret")
    rebound = {"Host": host.format(port=urlsplit(server.endpoint).port), **sigv4_stub("s3")}
    status, headers, body = send(server, "GET", f"/{name}/secret", rebound)
    assert status == 403
    assert b"secret" not in body  # the object never leaks
    assert headers["content-type"].startswith("text/plain")
    assert b"--allow-host" in body
    assert send(server, "GET", "/_lakehose/health", {"Host": "evil.example"})[0] == 403
    s3.delete_object(Bucket=name, Key="secret")
    s3.delete_bucket(Bucket=name)


def test_the_servers_own_names_are_served(server: ServerProcess) -> None:
    port = urlsplit(server.endpoint).port
    for host in ("localhost", f"localhost:{port}", f"127.0.0.1:{port}", "127.0.0.2", "[::1]:1"):
        assert send(server, "GET", "/_lakehose/health", {"Host": host})[0] == 200, host
    # S3 virtual hosts are subdomains of localhost.
    status, _, body = send(
        server, "GET", "/", {"Host": f"no-such-bucket.localhost:{port}", **sigv4_stub("s3")}
    )
    assert (status, ET.fromstring(body).findtext("Code")) == (404, "NoSuchBucket")


def test_a_cross_site_subresource_without_origin_is_refused(server: ServerProcess) -> None:
    """Fetch Metadata: an ``<img>`` or ``<script>`` another site's page embeds."""
    embedded = {
        "Sec-Fetch-Site": "cross-site",
        "Sec-Fetch-Mode": "no-cors",
        "Sec-Fetch-Dest": "img",
    }
    status, _, body = send(server, "GET", "/any-bucket/key", embedded)
    assert status == 403 and b"cross-site" in body
    # Following a link is allowed through (and then needs a signature like any request).
    followed = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    status, _, body = send(
        server, "GET", "/any-bucket/key", {**followed, "Sec-Fetch-Dest": "document"}
    )
    assert (status, ET.fromstring(body).findtext("Code")) == (403, "AccessDenied")
    assert send(server, "GET", "/_lakehose/health", {"Sec-Fetch-Site": "same-site"})[0] == 200


# -- CORS for the allowed -------------------------------------------------------------------


def test_a_preflight_from_a_loopback_page_is_answered(server: ServerProcess) -> None:
    origin = "http://localhost:5173"
    status, headers, body = send(
        server,
        "OPTIONS",
        "/",
        {
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-amz-date,x-amz-target",
        },
    )
    assert (status, body) == (200, b"")
    assert headers["access-control-allow-origin"] == origin
    assert "POST" in headers["access-control-allow-methods"]
    assert (
        headers["access-control-allow-headers"]
        == "authorization,content-type,x-amz-date,x-amz-target"
    )
    assert int(headers["access-control-max-age"]) > 0
    exposed = headers["access-control-expose-headers"].split(", ")
    assert {"x-amzn-requestid", "x-amz-request-id", "etag", "x-amz-crc32"} <= set(exposed)
    assert "Origin" in headers["vary"]
    for other in ("http://127.0.0.1:8080", "https://[::1]", "http://app.localhost:3000"):
        preflight = {"Origin": other, "Access-Control-Request-Method": "PUT"}
        assert send(server, "OPTIONS", "/bucket/key", preflight)[0] == 200, other


def test_a_preflight_from_a_foreign_page_is_refused(server: ServerProcess) -> None:
    for origin in ("http://evil.example", "null", "http://localhost.evil.example"):
        preflight = {"Origin": origin, "Access-Control-Request-Method": "POST"}
        status, headers, _ = send(server, "OPTIONS", "/", preflight)
        assert status == 403, origin
        assert "access-control-allow-origin" not in headers


def test_answers_to_an_allowed_origin_carry_cors_headers(server: ServerProcess, name: str) -> None:
    """What the AWS SDK for JavaScript in a localhost page sees, errors included."""
    origin = "http://localhost:3000"
    ddb = server.client("dynamodb", config=NO_RETRIES)

    def add_origin(request: Any, **_: Any) -> None:
        request.headers["Origin"] = origin

    ddb.meta.events.register("before-sign.dynamodb.*", add_origin)
    answer = ddb.list_tables(Limit=1)["ResponseMetadata"]["HTTPHeaders"]
    assert answer["access-control-allow-origin"] == origin
    assert "x-amzn-requestid" in answer["access-control-expose-headers"]
    assert "Origin" in answer["vary"]
    with pytest.raises(ClientError) as caught:
        ddb.describe_table(TableName=name)
    failed = caught.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert failed["access-control-allow-origin"] == origin
    assert "x-amzn-errortype" in failed["access-control-expose-headers"]


# -- signatures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "status", "error_type", "message"),
    [
        (
            {"X-Amz-Target": "DynamoDB_20120810.ListTables"},
            400,
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        ),
        (
            {"X-Amz-Target": "Kinesis_20131202.ListStreams"},
            400,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
        (
            {"X-Amz-Target": "Firehose_20150804.ListDeliveryStreams"},
            400,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ),
        (
            {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Authorization": "AWS4-HMAC-SHA256"},
            400,
            "IncompleteSignatureException",
            "Authorization header requires 'Credential' parameter.",
        ),
    ],
)
def test_unsigned_api_calls_get_the_services_error(
    server: ServerProcess, headers: dict[str, str], status: int, error_type: str, message: str
) -> None:
    json_headers = {"Content-Type": "application/x-amz-json-1.0", **headers}
    found_status, found, body = send(server, "POST", "/", json_headers, b"{}")
    document = json.loads(body)
    assert found_status == status
    assert document["__type"].rpartition("#")[2] == error_type
    assert document["message"].startswith(message)
    assert found["x-amzn-requestid"]


def test_unsigned_s3_and_lambda_calls_are_denied(server: ServerProcess) -> None:
    status, _, body = send(server, "GET", "/some-bucket?list-type=2")
    document = ET.fromstring(body)
    assert (status, document.findtext("Code")) == (403, "AccessDenied")
    assert document.findtext("Message") == "Access Denied"
    status, headers, _ = send(server, "GET", "/2015-03-31/functions/")
    assert (status, headers["x-amzn-errortype"]) == (403, "MissingAuthenticationTokenException")


def test_any_key_is_accepted_when_none_is_configured(server: ServerProcess) -> None:
    ddb = server.client(
        "dynamodb", aws_access_key_id="ANYONE", aws_secret_access_key="any", config=NO_RETRIES
    )
    assert "TableNames" in ddb.list_tables(Limit=1)


def test_unsigned_root_answers_as_dynamodb_does(server: ServerProcess, tmp_path: Path) -> None:
    status, headers, body = send(server, "GET", "/")
    assert (status, body) == (200, b"healthy: dynamodb.us-east-1.amazonaws.com ")
    assert headers["content-type"] == "text/plain"
    assert headers["x-amz-crc32"] and headers["x-amzn-requestid"]
    settings = Settings(home=tmp_path / "home", region="eu-west-1")
    with Lakehose(settings=settings, background=False) as lake:
        answer = lake.gateway.handle(HttpRequest("GET", "/", headers=Headers({"Host": "x"})))
    assert answer.body == b"healthy: dynamodb.eu-west-1.amazonaws.com "


def test_admin_calls_must_be_signed_but_health(server: ServerProcess) -> None:
    status, _, body = send(server, "POST", "/_lakehose/flush")
    assert status == 403
    assert json.loads(body)["code"] == "MissingAuthenticationTokenException"
    page = {"Origin": "http://evil.example", **sigv4_stub("lakehose")}
    assert send(server, "POST", "/_lakehose/flush", page)[0] == 403
    assert send(server, "GET", "/_lakehose/health")[0] == 200
    assert server.admin("flush") == {"flushed": True}


def test_admin_signatures_are_verified_when_credentials_are_configured(tmp_path: Path) -> None:
    keys = {"LAKEHOSE_ACCESS_KEY_ID": "AKIDADMIN", "LAKEHOSE_SECRET_ACCESS_KEY": "admin-secret"}
    guarded = ServerProcess(tmp_path / "home", env=keys)
    try:
        url = f"{guarded.endpoint}/_lakehose/flush"
        stranger = Credentials("AKIDSTRANGER", "admin-secret")
        forged = signed_headers("POST", url, region="us-east-1", credentials=stranger)
        status, _, body = send(guarded, "POST", "/_lakehose/flush", forged)
        assert (status, json.loads(body)["code"]) == (403, "UnrecognizedClientException")
        assert guarded.admin("flush") == {"flushed": True}  # signed with the configured key
        flushed = subprocess.run(
            [sys.executable, "-m", "lakehose", "flush", "--endpoint", guarded.endpoint],
            capture_output=True,
            text=True,
            env={**os.environ, **keys},
            check=False,
        )
        assert (flushed.returncode, flushed.stdout.strip()) == (0, "flushed"), flushed.stderr
    finally:
        guarded.stop()


# -- anonymous reads a bucket policy makes public ------------------------------------------------


@pytest.fixture
def public_bucket(server: ServerProcess, name: str) -> Iterator[str]:
    s3 = server.client("s3", config=NO_RETRIES)
    s3.create_bucket(Bucket=name)
    s3.delete_public_access_block(Bucket=name)  # new buckets block public policies
    for key in ("public/a.txt", "private/b.txt"):
        s3.put_object(Bucket=name, Key=key, Body=key.encode())
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{name}/public/*",
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:Get*",
                "Resource": f"arn:aws:s3:::{name}/public/denied*",
            },
        ],
    }
    s3.put_bucket_policy(Bucket=name, Policy=json.dumps(policy))
    yield name
    for key in ("public/a.txt", "private/b.txt", "public/denied.txt"):
        s3.delete_object(Bucket=name, Key=key)
    s3.delete_bucket_policy(Bucket=name)
    s3.delete_bucket(Bucket=name)


def test_restrict_public_buckets_ends_anonymous_reads(
    server: ServerProcess, public_bucket: str
) -> None:
    anonymous = server.client("s3", config=Config(signature_version=UNSIGNED).merge(NO_RETRIES))
    assert anonymous.get_object(Bucket=public_bucket, Key="public/a.txt")["Body"].read()
    owner = server.client("s3", config=NO_RETRIES)
    owner.put_public_access_block(
        Bucket=public_bucket, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True}
    )
    try:
        with pytest.raises(ClientError) as caught:
            anonymous.get_object(Bucket=public_bucket, Key="public/a.txt")
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
    finally:
        owner.delete_public_access_block(Bucket=public_bucket)


def test_a_bucket_policy_makes_reads_public(server: ServerProcess, public_bucket: str) -> None:
    anonymous = server.client("s3", config=Config(signature_version=UNSIGNED).merge(NO_RETRIES))
    got = anonymous.get_object(Bucket=public_bucket, Key="public/a.txt")
    assert got["Body"].read() == b"public/a.txt"
    assert anonymous.head_object(Bucket=public_bucket, Key="public/a.txt")["ContentLength"] == 12
    for denied in (
        lambda: anonymous.get_object(Bucket=public_bucket, Key="private/b.txt"),
        lambda: anonymous.list_objects_v2(Bucket=public_bucket),  # ListBucket is not granted
        lambda: anonymous.put_object(Bucket=public_bucket, Key="public/new", Body=b"x"),
        lambda: anonymous.delete_object(Bucket=public_bucket, Key="public/a.txt"),
    ):
        with pytest.raises(ClientError) as caught:
            denied()
        assert caught.value.response["Error"]["Code"] == "AccessDenied"
    server.client("s3").put_object(Bucket=public_bucket, Key="public/denied.txt", Body=b"no")
    with pytest.raises(ClientError) as caught:
        anonymous.get_object(Bucket=public_bucket, Key="public/denied.txt")  # explicit Deny wins
    assert caught.value.response["Error"]["Code"] == "AccessDenied"
    # A link followed from another site's page reads a public object too.
    navigate = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}
    status, _, body = send(server, "GET", f"/{public_bucket}/public/a.txt", navigate)
    assert (status, body) == (200, b"public/a.txt")


def test_in_process_clients_need_no_socket_checks(lake: Lakehose, name: str) -> None:
    s3 = lake.client("s3")
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"in-process")
    assert s3.get_object(Bucket=name, Key="k")["Body"].read() == b"in-process"
    assert "TableNames" in lake.client("dynamodb").list_tables()


# -- configuration ------------------------------------------------------------------------------


def test_configured_hosts_and_origins_are_served(tmp_path: Path) -> None:
    allowed = {
        "LAKEHOSE_ALLOWED_HOSTS": "lakehose.test, *.s3.amazonaws.com",
        "LAKEHOSE_ALLOWED_ORIGINS": "http://app.test:3000",
    }
    configured = ServerProcess(tmp_path / "home", env=allowed)
    try:
        for host, status in [
            ("lakehose.test:4566", 200),
            ("bucket.s3.amazonaws.com", 200),
            ("s3.amazonaws.com", 403),
            ("evil.example", 403),
            ("localhost", 200),
        ]:
            assert send(configured, "GET", "/_lakehose/health", {"Host": host})[0] == status, host
        preflight = {"Origin": "http://app.test:3000", "Access-Control-Request-Method": "PUT"}
        assert send(configured, "OPTIONS", "/b/k", preflight)[0] == 200
        preflight["Origin"] = "http://app.test:3001"
        assert send(configured, "OPTIONS", "/b/k", preflight)[0] == 403
    finally:
        configured.stop()


def test_up_on_every_interface_warns_and_shows_the_binding(tmp_path: Path) -> None:
    home = str(tmp_path / "home")
    command = [sys.executable, "-m", "lakehose", "up", "--host", "0.0.0.0", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--home", home, "--allow-host", "lakehose.test"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None and process.stderr is not None
        banner = process.stdout.readline()
        assert "listening on 0.0.0.0:" in banner and "every interface" in banner
        warning = process.stderr.readline()
        assert "every network interface" in warning
        assert "any key" in warning
        local = banner.rpartition("this machine: ")[2].rstrip(")\n")
        ServerProcess._wait_until_healthy(local)
        assert send(local, "GET", "/_lakehose/health", {"Host": "lakehose.test"})[0] == 200
        assert send(local, "GET", "/_lakehose/health", {"Host": "evil.example"})[0] == 403
    finally:
        process.terminate()
        process.wait(timeout=30)
        for stream in (process.stdout, process.stderr):
            if stream:
                stream.close()


# -- the policy itself ------------------------------------------------------------------------


def test_host_names_and_loopback() -> None:
    assert host_name("LocalHost.:4566") == "localhost"
    assert host_name("[::1]:4566") == "::1"
    assert host_name("[::1") == ""
    assert host_name("127.0.0.1") == "127.0.0.1"
    for name in ("localhost", "a.b.localhost", "127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"):
        assert is_loopback(name), name
    for name in ("localhost.evil.example", "10.0.0.1", "0.0.0.0", "evil.example", ""):
        assert not is_loopback(name), name


def test_host_patterns() -> None:
    policy = EdgePolicy(
        Settings(host="192.168.1.5", allowed_hosts=("exact.test", "*.sub.test", ".dom.test"))
    )
    for name in ("exact.test", "a.sub.test", "dom.test", "a.dom.test", "192.168.1.5", "localhost"):
        assert policy.host_allowed(name), name
    for name in ("sub.test", "xexact.test", "notdom.test", "192.168.1.6", ""):
        assert not policy.host_allowed(name), name
    assert policy.host_allowed("10.1.2.3", local_address="10.1.2.3")  # the address dialled
    assert EdgePolicy(Settings(allowed_hosts=("*",))).host_allowed("anything.example")


def test_origin_rules() -> None:
    policy = EdgePolicy(Settings(allowed_origins=("https://app.test",)))
    host = "192.168.1.5:4566"
    for origin in (
        "http://localhost:1",
        "https://127.0.0.1",
        "https://app.test/",
        "HTTP://LOCALHOST",
    ):
        assert policy.origin_allowed(origin, host), origin
    assert policy.origin_allowed("http://192.168.1.5:4566", host)  # the server's own pages
    for origin in ("null", "file://", "http://app.test", "ftp://localhost", "http://localhost:x"):
        assert not policy.origin_allowed(origin, host), origin
