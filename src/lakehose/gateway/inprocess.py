"""boto3 clients that talk to a runtime's gateway without a socket.

A ``before-send`` handler on the client's event system receives the fully signed request that
botocore would put on the wire, hands it to the gateway, and returns the gateway's response as if
it came from the network; everything else (serialization, signing, retries, parsing) is botocore's.
"""

from __future__ import annotations

import functools
import io
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import boto3
import botocore.session
from botocore.awsrequest import AWSPreparedRequest, AWSResponse, HTTPHeaders
from botocore.config import Config
from urllib3.response import HTTPResponse as Urllib3Response

from lakehose.gateway.dispatcher import Gateway
from lakehose.gateway.http import STREAM_IDLE_SECONDS, Headers, HttpRequest, StreamedBody
from lakehose.settings import Settings

if TYPE_CHECKING:
    from botocore.client import BaseClient


class GatewayHost(Protocol):
    """What an in-process client is wired to: settings for its defaults and a gateway, read on
    every request (a runtime's gateway exists only while it is started)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def gateway(self) -> Gateway: ...


_SESSION_LOCK = threading.Lock()


@functools.cache
def _session() -> boto3.session.Session:
    return boto3.session.Session()


def in_process_client(host: GatewayHost, service: str, **kwargs: Any) -> BaseClient:
    settings = host.settings
    credentials = settings.credentials
    kwargs.setdefault("region_name", settings.region)
    kwargs.setdefault("endpoint_url", settings.endpoint_url)
    kwargs.setdefault("aws_access_key_id", credentials.access_key_id if credentials else "test")
    kwargs.setdefault(
        "aws_secret_access_key", credentials.secret_access_key if credentials else "test"
    )
    if service == "s3":
        # Path-style by default: no DNS for bucket.localhost is needed in-process either way,
        # but path-style keeps URLs identical to what users see against `lakehose up`.
        # SigV4 presigning too: boto3 otherwise presigns us-east-1 URLs with SigV2.
        kwargs["config"] = Config(s3={"addressing_style": "path"}, signature_version="s3v4").merge(
            kwargs.get("config") or Config()
        )
    with _SESSION_LOCK:
        # One session for all in-process clients: a new session re-reads botocore's endpoint and
        # model data (about a second); clients of one session share those loaded files.
        client = _session().client(service, **kwargs)  # type: ignore[call-overload]

    client.meta.events.register("before-send", _sender(host))
    return client  # type: ignore[no-any-return]


def in_process_session(host: GatewayHost) -> boto3.session.Session:
    """A boto3 session whose every client talks to the host's gateway, for libraries that make
    their own clients from a session (awswrangler's ``boto3_session``, PyAthena's ``session``).

    Clients copy the session's event handlers when they are made, so each gets the
    ``before-send`` handler; their endpoint is whatever the library configures (no socket is
    opened either way)."""
    settings = host.settings
    credentials = settings.credentials
    core = botocore.session.Session()
    # Path-style S3 URLs whatever endpoint the library gives (none means AWS's own host names,
    # whose virtual-host form the gateway would not read as a bucket).
    core.set_default_client_config(Config(s3={"addressing_style": "path"}))
    session = boto3.session.Session(
        region_name=settings.region,
        aws_access_key_id=credentials.access_key_id if credentials else "test",
        aws_secret_access_key=credentials.secret_access_key if credentials else "test",
        botocore_session=core,
    )
    session.events.register("before-send", _sender(host))
    return session


def _sender(host: GatewayHost) -> Callable[..., Any]:
    def send(request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        response = host.gateway.handle(_to_http_request(request))
        body = io.BytesIO(response.body) if response.stream is None else _Stream(response.stream)
        raw = Urllib3Response(
            body=body,
            headers=response.headers,
            status=response.status,
            preload_content=False,
            decode_content=False,
            # A HEAD response announces a length it never sends; urllib3 must know not to wait.
            request_method=request.method,
        )
        headers = HTTPHeaders()
        for header, value in response.headers.items():
            headers[header] = value
        return AWSResponse(request.url, response.status, headers, raw)

    return send


class _Stream(io.RawIOBase):
    """A streamed body as the file urllib3 reads: each read returns what has come so far
    (waiting for the next chunk when nothing has), so an event stream is parsed live; closing it
    closes the stream."""

    def __init__(self, stream: StreamedBody) -> None:
        super().__init__()
        self._stream = stream
        self._buffer = b""
        self._idle = threading.Event()  # never set: a pause that reads no clock

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        while not self._buffer and not self.closed:
            chunk = next(self._stream, None)
            if chunk is None:
                self.close()
            elif chunk:
                self._buffer = chunk
            else:
                self._idle.wait(STREAM_IDLE_SECONDS)
        if size is None or size < 0:
            size = len(self._buffer)
        taken, self._buffer = self._buffer[:size], self._buffer[size:]
        return taken

    def readinto(self, target: Any) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()


def _to_http_request(request: AWSPreparedRequest) -> HttpRequest:
    url = urlsplit(request.url)
    body = request.body
    if body is None:
        data = b""
    elif isinstance(body, bytes | bytearray):
        data = bytes(body)
    elif isinstance(body, str):
        data = body.encode()
    else:
        read = body.read()
        data = read.encode() if isinstance(read, str) else bytes(read)
    headers = Headers(
        (name, value.decode() if isinstance(value, bytes) else str(value))
        for name, value in request.headers.items()
    )
    if "host" not in headers:
        headers = Headers([*((n, headers[n]) for n in headers), ("Host", url.netloc)])
    return HttpRequest(request.method, url.path or "/", url.query, headers, data)
