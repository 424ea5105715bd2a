"""Serving a runtime's gateway over HTTP with uvicorn."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import threading
from collections.abc import Iterator

import uvicorn

from lakehose.gateway.asgi import create_app
from lakehose.gateway.h2c import H2cProtocol
from lakehose.runtime import Lakehose
from lakehose.storage import ServerRecord


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


def serve(runtime: Lakehose, sock: socket.socket) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn's handlers), then return; the caller closes."""
    endpoint = endpoint_for(sock)
    runtime.serving_at(endpoint)
    runtime.state.write_server(ServerRecord(endpoint, os.getpid()))
    config = uvicorn.Config(
        create_app(runtime.gateway),
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
        runtime.state.clear_server()


class _Server(uvicorn.Server):
    """uvicorn's server, minus re-raising the stop signal after its graceful shutdown.

    uvicorn re-raises a captured SIGTERM once it has stopped serving, which would kill the process
    before the runtime closes its engines; lakehose finishes its own shutdown and exits 0.
    """

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
    """The gateway on a loopback port in a daemon thread, for an embedded runtime.

    Subprocesses the runtime starts (Lambda workers) reach lakehose over HTTP; when no
    ``lakehose up`` serves the runtime, this gives them an endpoint.
    """

    def __init__(self, runtime: Lakehose) -> None:
        self._sock = bind("127.0.0.1", 0)
        self.endpoint = endpoint_for(self._sock)
        config = uvicorn.Config(
            create_app(runtime.gateway),
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
