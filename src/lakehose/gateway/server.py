"""Serving an ASGI app (the gateway's, ``asgi.create_app``) over HTTP with uvicorn.

The server knows nothing of the runtime: it is given the app and, for ``lakehose up``, a recorder
that publishes where it serves (``runtime.py`` composes the two).

Stopping ``lakehose up`` is bounded. SIGINT or SIGTERM starts a graceful stop: no new
connections, idle keep-alive connections closed, requests in flight given up to
``GRACEFUL_SECONDS`` to finish, then the caller closes the runtime (its worker, engines, Lambda
workers). Whatever is still running ``stop_timeout`` seconds after the signal, or when a second
signal comes, is abandoned: the process ends its subprocesses (Lambda workers) and itself at
once, as a ``kill -9`` would end it. That is safe
for the same reason ``kill -9`` is: every acknowledged write is already on disk, and work in
flight (a delivery, an invocation, a query) is unacknowledged and is resumed or retried at the
next start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Protocol

import uvicorn

from lakehose.gateway.asgi import close_streams
from lakehose.gateway.asgi_types import ASGIApp
from lakehose.gateway.h2c import H2cProtocol

# How long requests in flight may take to finish once the server stops (uvicorn's graceful
# shutdown), within the overall ``stop_timeout``.
GRACEFUL_SECONDS = 5
# The exit status of a process that abandoned work in flight to stop in time.
ABANDONED_STATUS = 3
_STOPS = (signal.SIGINT, signal.SIGTERM)


class ServingRecorder(Protocol):
    """Told where a server is reachable, and when it stops (the state directory's record)."""

    def serving(self, endpoint: str) -> None: ...

    def stopped(self) -> None: ...

    def abandoned(self) -> None:
        """The process is about to end without closing: end what must not outlive it."""


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


def serve(
    app: ASGIApp, sock: socket.socket, recorder: ServingRecorder, *, stop_timeout: float
) -> None:
    """Serve ``app`` on ``sock`` until SIGINT or SIGTERM, then return; the caller closes, within
    ``stop_timeout`` seconds of the signal (see the module docstring). ``recorder`` hears the
    endpoint before the first request and the stop after."""
    recorder.serving(endpoint_for(sock))
    config = uvicorn.Config(
        app,
        # HTTP/1.1 and HTTP/2 (h2c, prior knowledge) on the same port: SDKs speak both.
        http=H2cProtocol,
        log_level="warning",
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=max(1, min(GRACEFUL_SECONDS, int(stop_timeout))),
    )
    server = _Server(config, _Deadline(stop_timeout, recorder))
    try:
        server.run(sockets=[sock])
    finally:
        recorder.stopped()


class _Deadline:
    """Ends the process once a stop has taken ``seconds``, or at a second stop signal."""

    def __init__(self, seconds: float, recorder: ServingRecorder) -> None:
        self.seconds = seconds
        self._recorder = recorder
        self._timer: threading.Timer | None = None

    @property
    def started(self) -> bool:
        return self._timer is not None

    def start(self) -> None:
        if self._timer is None:
            reason = f"still stopping after {self.seconds:g} s"
            self._timer = threading.Timer(self.seconds, self.abandon, (reason,))
            self._timer.daemon = True
            self._timer.start()

    def on_signal(self, sig: int, frame: FrameType | None) -> None:
        """The handler once stopping: a further signal asks for the end now."""
        self.abandon(f"{signal.Signals(sig).name} while stopping")

    def abandon(self, reason: str) -> None:
        with contextlib.suppress(Exception):
            self._recorder.abandoned()
        with contextlib.suppress(Exception):
            self._recorder.stopped()
        with contextlib.suppress(Exception):
            sys.stderr.write(
                f"lakehose: {reason}: stopped now, abandoning the work in flight (acknowledged "
                "writes are on disk; unfinished work resumes at the next start)\n"
            )
            sys.stderr.flush()
        os._exit(ABANDONED_STATUS)


class _Server(uvicorn.Server):
    """uvicorn's server with a bounded stop, minus re-raising the stop signal afterwards.

    uvicorn re-raises a captured SIGTERM once it has stopped serving, which would kill the process
    before the runtime closes its engines; lakehose finishes its own shutdown and exits 0. The
    first signal also starts the deadline; from then on, until the process ends (the runtime's
    close included), a second signal ends it at once.
    """

    def __init__(self, config: uvicorn.Config, deadline: _Deadline | None = None) -> None:
        super().__init__(config)
        self._deadline = deadline

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._deadline is not None:
            if self._deadline.started:
                self._deadline.on_signal(sig, frame)
            self._deadline.start()
        super().handle_exit(sig, frame)

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
        originals = {sig: signal.signal(sig, self.handle_exit) for sig in _STOPS}
        try:
            yield
        finally:
            deadline = self._deadline
            for sig, handler in originals.items():
                stopping = deadline is not None and deadline.started
                signal.signal(sig, deadline.on_signal if deadline and stopping else handler)


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
