"""Request bodies read with a size limit and a deadline, before anything is buffered whole.

Why: a body is held in memory before an engine sees it, so without a bound one request can take
all of the machine's memory, and a client that stops sending half-way holds its connection (and a
task) forever. Each body is therefore checked while it arrives:

* **size**: a declared ``Content-Length`` over the limit is refused before a byte is read; a
  chunked body is counted as it arrives and refused the moment it passes the limit. The limit is
  the service's own where AWS documents one, else ``max_body_bytes`` (32 MiB by default):

  ========================  =========================  ==========================================
  service                   largest body               refusal (as the service answers)
  ========================  =========================  ==========================================
  DynamoDB                  16 MiB - 1 byte            413, empty body (dynalite's tests of AWS)
  Kinesis                   16 MiB (10 MiB of records  413, empty body (Kinesis's 413 has no
                            in base64 fit)             error code: boto/boto3#1147)
  Lambda                    69,905,066 bytes (50 MB    413 ``RequestEntityTooLargeException``
                            zip in base64)             "Request must be smaller than 69905067
                                                       bytes for the <Op> operation"
  S3                        ``s3_max_body_bytes``      400 ``EntityTooLarge`` "Your proposed
                            (512 MiB; S3: 5 GiB)       upload exceeds the maximum allowed
                                                       object size."
  other services            ``max_body_bytes``         413, empty body
  ``/_lakehose/`` admin     64 KiB                     413, JSON
  ========================  =========================  ==========================================

* **time**: the body must arrive within ``body_timeout`` seconds (60) with no gap longer than
  ``body_idle_timeout`` (20); else S3 answers 400 ``RequestTimeout`` ("Your socket connection to
  the server was not read from or written to within the timeout period. Idle connections will be
  closed.", S3's error-code table), every other service 408 with the same code.

Every refusal closes the connection (``Connection: close``): the rest of the body is never read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson

from lakehose.errors import ServiceError
from lakehose.gateway.asgi_types import Receive
from lakehose.gateway.dispatcher import ADMIN_PREFIX, Gateway
from lakehose.gateway.http import HttpRequest, HttpResponse
from lakehose.settings import Settings

MIB = 1024 * 1024
DYNAMODB_MAX_BYTES = 16 * MIB - 1
KINESIS_MAX_BYTES = 16 * MIB
LAMBDA_MAX_BYTES = 69_905_067 - 1
ADMIN_MAX_BYTES = 64 * 1024
TIMEOUT_MESSAGE = (
    "Your socket connection to the server was not read from or written to within the timeout "
    "period. Idle connections will be closed."
)


class BodyTooLarge(Exception):
    """The body passed its limit; ``size`` is the declared length when there was one."""

    def __init__(self, size: int | None) -> None:
        super().__init__(size)
        self.size = size


class BodyTimeout(Exception):
    """The body did not arrive in time."""


class ClientGone(Exception):
    """The client closed the connection before its body was complete."""


@dataclass(frozen=True)
class Deadlines:
    total: float
    idle: float


async def read_body(
    receive: Receive, *, limit: int, declared: int | None, deadlines: Deadlines
) -> bytes:
    """The whole body, read chunk by chunk; raises instead of passing ``limit`` or a deadline."""
    if declared is not None and declared > limit:
        raise BodyTooLarge(declared)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + deadlines.total
    chunks: list[bytes] = []
    size = 0
    while True:
        wait = min(deadlines.idle, deadline - loop.time())
        if wait <= 0:
            raise BodyTimeout()
        try:
            # A timeout scope, not wait_for: wait_for wraps every receive in a task of its own.
            async with asyncio.timeout(wait):
                message = await receive()
        except TimeoutError:
            raise BodyTimeout() from None
        if message["type"] == "http.disconnect":
            raise ClientGone()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(declared)
        if chunk:
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class BodyLimits:
    """The limit for each request, and the service's own answers to breaking one."""

    def __init__(self, gateway: Gateway, settings: Settings) -> None:
        self.gateway = gateway
        self.settings = settings
        self.deadlines = Deadlines(settings.body_timeout, settings.body_idle_timeout)

    def limit_for(self, request: HttpRequest) -> int:
        if request.path.startswith(ADMIN_PREFIX):
            return ADMIN_MAX_BYTES
        service, _ = self.gateway.identify(request)
        return {
            "dynamodb": DYNAMODB_MAX_BYTES,
            "kinesis": KINESIS_MAX_BYTES,
            "lambda": LAMBDA_MAX_BYTES,
            "s3": self.settings.s3_max_body_bytes,
        }.get(service, self.settings.max_body_bytes)

    def too_large(self, request: HttpRequest, size: int | None) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return _closing(_admin_error(413, "request body too large"))
        service, _ = self.gateway.identify(request)
        limit = self.limit_for(request)
        if service == "s3":
            fields = {"MaxSizeAllowed": str(limit)}
            proposed = request.headers.get("x-amz-decoded-content-length") or size
            if proposed is not None:
                fields = {"ProposedSize": str(proposed), **fields}
            message = "Your proposed upload exceeds the maximum allowed object size."
            error = ServiceError(message, code="EntityTooLarge", status=400, fields=fields)
            return _closing(self.gateway.refuse(request, error))
        if service == "lambda":
            operation = self.gateway.operation_named(request)
            message = f"Request must be smaller than {limit + 1} bytes"
            message += f" for the {operation.name if operation else 'Unknown'} operation"
            error = ServiceError(message, code="RequestEntityTooLargeException", status=413)
            return _closing(self.gateway.refuse(request, error))
        headers = {"x-amzn-RequestId": self.gateway.ids.request_id(), "Content-Length": "0"}
        return _closing(HttpResponse(413, headers, b""))

    def timed_out(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ADMIN_PREFIX):
            return _closing(_admin_error(408, "request body not received in time"))
        service, _ = self.gateway.identify(request)
        status = 400 if service == "s3" else 408
        error = ServiceError(TIMEOUT_MESSAGE, code="RequestTimeout", status=status)
        return _closing(self.gateway.refuse(request, error))


def declared_length(request: HttpRequest) -> int | None:
    """``Content-Length`` as a number; the HTTP parser has already refused malformed values."""
    value = request.headers.get("content-length", "").strip()
    return int(value) if value.isdigit() else None


def _admin_error(status: int, message: str) -> HttpResponse:
    body = orjson.dumps({"error": message})
    return HttpResponse(status, {"Content-Type": "application/json"}, body)


def _closing(response: HttpResponse) -> HttpResponse:
    """The connection closes after this answer: the unread rest of the body is abandoned."""
    response.headers["Connection"] = "close"
    return response
