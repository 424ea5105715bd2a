"""Serving a runtime's gateway over HTTP with uvicorn."""

from __future__ import annotations

import os
import socket

import uvicorn

from lakehose.gateway.asgi import create_app
from lakehose.runtime import Lakehose
from lakehose.storage import ServerRecord


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port (read it back from ``getsockname``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
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
    runtime.state.write_server(ServerRecord(endpoint, os.getpid()))
    config = uvicorn.Config(
        create_app(runtime.gateway),
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    try:
        server.run(sockets=[sock])
    finally:
        runtime.state.clear_server()
