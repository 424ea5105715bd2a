"""Serving an ASGI app (the gateway's, ``asgi.create_app``) over HTTP with uvicorn.

The server knows nothing of the runtime: it is given the app and, for ``lakehose up``, a recorder
that publishes where it serves (``runtime.py`` composes the two).
"""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
from collections.abc import Iterator
from typing import Protocol

import uvicorn

from lakehose.gateway.asgi import close_streams
from lakehose.gateway.asgi_types import ASGIApp
from lakehose.gateway.h2c import H2cProtocol


class ServingRecorder(Protocol):
    """Told where a server is reachable, and when it stops (the state directory's record)."""

    def serving(self, endpoint: str) -> None: ...

    def stopped(self) -> None: ...


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port (read it back from ``getsockname``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio enables TCP_NODELAY only on sockets created with it, and
    # without TCP_NODELAY every response waits out the client's delayed ACK (~40 ms).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    return sock


def endpoint_for(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    shown = "localhost" if host in ("127.0.0.1", "::1", "0.0.0.0", "::") else host
    return f"http://{shown}:{port}"


def serve(app: ASGIApp, sock: socket.socket, recorder: ServingRecorder) -> None:
    """Serve ``app`` on ``sock`` until SIGINT or SIGTERM (uvicorn's handlers), then return; the
    caller closes. ``recorder`` hears the endpoint before the first request and the stop after."""
    recorder.serving(endpoint_for(sock))
    config = uvicorn.Config(
        app,
        # HTTP/1.1 and HTTP/2 (h2c, prior knowledge) on the same port: SDKs speak both.
        http=H2cProtocol,
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = _Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        recorder.stopped()


class _Server(uvicorn.Server):
    """uvicorn's server, minus re-raising the stop signal after its graceful shutdown.

    uvicorn re-raises a captured SIGTERM once it has stopped serving, which would kill the process
    before the runtime closes its engines; lakehose finishes its own shutdown and exits 0.
    """

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        # Open event streams (SubscribeToShard) would otherwise hold the graceful shutdown for
        # its whole timeout and then be cut off; they end now, each with its final chunk.
        close_streams(self.config.app)
        await super().shutdown(sockets=sockets)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        stops = (signal.SIGINT, signal.SIGTERM)
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in stops}
        try:
            yield
        finally:
            for sig, handler in originals.items():
                signal.signal(sig, handler)


class BackgroundServer:
    """An ASGI app (the gateway's) on a loopback port in a daemon thread, for an embedded runtime.

    Subprocesses the runtime starts (Lambda workers) reach lakehose over HTTP; when no
    ``lakehose up`` serves the runtime, this gives them an endpoint.
    """

    def __init__(self, app: ASGIApp) -> None:
        self._sock = bind("127.0.0.1", 0)
        self.endpoint = endpoint_for(self._sock)
        config = uvicorn.Config(
            app,
            http=H2cProtocol,
            log_level="warning",
            lifespan="off",
            access_log=False,
        )
        self._server = _Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name="lakehose-loopback",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
