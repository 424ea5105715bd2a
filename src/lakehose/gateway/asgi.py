"""The gateway as an ASGI application (Starlette), served by ``lakehose up``."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Receive, Scope, Send

from lakehose.gateway.dispatcher import Gateway
from lakehose.gateway.http import Headers, HttpRequest


class _EveryRequest(BaseRoute):
    """One route for every method and path.

    Starlette's path routes match with ``.*``, which stops at a newline; S3 keys may contain
    one, so this route matches unconditionally and leaves all routing to the gateway.
    """

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        return (Match.FULL, {}) if scope["type"] == "http" else (Match.NONE, {})

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
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
        response = await run_in_threadpool(self.gateway.handle, http_request)
        await Response(response.body, response.status, response.headers)(scope, receive, send)


def create_app(gateway: Gateway) -> Starlette:
    return Starlette(routes=[_EveryRequest(gateway)])
