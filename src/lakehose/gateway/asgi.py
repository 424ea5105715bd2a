"""The gateway as an ASGI application (Starlette), served by ``lakehose up``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lakehose.gateway.dispatcher import Gateway
from lakehose.gateway.http import Headers, HttpRequest

_METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]


def create_app(gateway: Gateway) -> Starlette:
    async def endpoint(request: Request) -> Response:
        body = await request.body()
        scope = request.scope
        # The raw path keeps percent-encoding: S3 keys and signatures depend on it.
        raw_path = scope.get("raw_path") or scope["path"].encode()
        http_request = HttpRequest(
            method=request.method,
            path=raw_path.decode("latin-1").partition("?")[0],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=Headers(
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]
            ),
            body=body,
        )
        # Engines are synchronous and may block on storage; keep the event loop free.
        response = await run_in_threadpool(gateway.handle, http_request)
        return Response(response.body, response.status, response.headers)

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=_METHODS)])
