"""The gateway as a bare ASGI application, served by ``lakehose up``.

This is the network edge, so every request passes, in this order:

1. the Host, Origin and Fetch Metadata checks (``safety``), on the request line and headers;
2. a CORS preflight from an allowed origin is answered here;
3. the body is read within its size limit and deadlines (``limits``), never buffered past them;
4. the gateway serves the request (signature rules, then the engine); the answer gets CORS
   headers when an allowed origin asked.

Steps 1 to 3 answer without reaching any engine. In-process clients skip this module: they call
``Gateway.handle`` directly, with no browser and no socket in between.

No web framework sits between the server and the gateway: the gateway does all routing itself,
and a framework's middleware and router cost more CPU per call than a small DynamoDB call.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from lakehose.gateway.asgi_types import Receive, Scope, Send
from lakehose.gateway.dispatcher import Gateway
from lakehose.gateway.http import (
    STREAM_IDLE_SECONDS,
    Headers,
    HttpRequest,
    HttpResponse,
    StreamedBody,
)
from lakehose.gateway.limits import (
    BodyLimits,
    BodyTimeout,
    BodyTooLarge,
    ClientGone,
    declared_length,
    read_body,
)
from lakehose.gateway.offload import Offload
from lakehose.gateway.safety import EdgePolicy


class GatewayApp:
    """The ASGI callable: every HTTP request, whatever its method and path, goes to the gateway."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.edge = EdgePolicy(gateway.settings)
        self.limits = BodyLimits(gateway, gateway.settings)
        self.offload = Offload()
        # Streamed responses being sent, so a server shutting down can end them cleanly.
        self.streams: set[StreamedBody] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return  # uvicorn runs with lifespan off; websockets are not served
        head = _head(scope)
        server = scope.get("server")
        refusal = self.edge.refusal(head, str(server[0]) if server else None)
        if refusal is not None:
            refusal.headers["Connection"] = "close"  # and never read the body
            await _send(refusal, send)
            return
        preflight = self.edge.preflight(head)
        if preflight is not None:
            await _send(preflight, send)
            return
        try:
            body = await read_body(
                receive,
                limit=self.limits.limit_for(head),
                declared=declared_length(head),
                deadlines=self.limits.deadlines,
            )
        except BodyTooLarge as error:
            response = self.limits.too_large(head, error.size)
        except BodyTimeout:
            response = self.limits.timed_out(head)
        except ClientGone:
            return  # nobody is left to answer
        else:
            # Engines are synchronous and may block on storage; keep the event loop free.
            response = await self.offload.run(self.gateway.handle, replace(head, body=body))
        self.edge.add_cors_headers(head, response)
        if response.stream is not None:
            self.streams.add(response.stream)
            try:
                await _send_stream(response, response.stream, send, receive, self.offload)
            finally:
                self.streams.discard(response.stream)
        else:
            await _send(response, send)


def _head(scope: Scope) -> HttpRequest:
    """The request line and headers; the body is read later, within its limits."""
    # The raw path keeps percent-encoding: S3 keys and signatures depend on it.
    raw_path = scope.get("raw_path") or scope["path"].encode()
    return HttpRequest(
        method=scope["method"],
        path=raw_path.decode("latin-1").partition("?")[0],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers=Headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]),
    )


def _wire_headers(response: HttpResponse) -> list[tuple[bytes, bytes]]:
    """The answer's headers as ASGI sends them: lower-case names, latin-1 bytes."""
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]


async def _send(response: HttpResponse, send: Send) -> None:
    headers = _wire_headers(response)
    bodiless = response.status < 200 or response.status in (204, 304)
    if not bodiless and not any(name == b"content-length" for name, _ in headers):
        headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _send_stream(
    response: HttpResponse, stream: StreamedBody, send: Send, receive: Receive, offload: Offload
) -> None:
    """Send a streamed body chunk by chunk (chunked over HTTP/1.1, DATA frames over HTTP/2).

    Chunks are produced on the worker threads, one at a time, so no thread waits on an idle stream:
    an empty chunk is waited out here. A client that goes away closes the stream.
    """
    headers = _wire_headers(response)
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    gone = asyncio.Event()

    async def watch() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass
        gone.set()
        stream.close()

    watcher = asyncio.create_task(watch())
    try:
        while not gone.is_set():
            chunk = await offload.run(_next_chunk, stream)
            if chunk is None:
                break
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            else:
                await asyncio.sleep(STREAM_IDLE_SECONDS)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    finally:
        stream.close()
        watcher.cancel()


def _next_chunk(stream: StreamedBody) -> bytes | None:
    return next(stream, None)


def create_app(gateway: Gateway) -> GatewayApp:
    return GatewayApp(gateway)


def close_streams(app: object) -> None:
    """End the streamed responses ``app`` is sending (the server is shutting down): each sends
    its last chunk and finishes cleanly instead of being cut off."""
    for stream in list(app.streams if isinstance(app, GatewayApp) else ()):
        stream.close()
