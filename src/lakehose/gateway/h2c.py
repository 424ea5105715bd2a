"""HTTP/2 over cleartext (h2c with prior knowledge) beside uvicorn's HTTP/1.1, on one port.

Why this exists: AWS services speak HTTP/2, and some SDKs use it by default; the AWS SDK for
JavaScript v3 Kinesis client does, and over ``http://`` it opens a connection with the HTTP/2
preface straight away (prior knowledge, no Upgrade). uvicorn's HTTP/1.1 parsers (httptools, h11)
answer that with "Invalid HTTP request received." and a closed socket. lakehose serves both on
the one loopback port, as a user of ``endpoint_url`` expects.

How: :class:`H2cProtocol` is uvicorn's ``Config(http=...)`` protocol class. It reads the first
bytes of each connection. One that opens with the HTTP/2 preface is served by
``http2.H2Connection``; any other connection goes to the protocol uvicorn would have chosen
itself, untouched, so HTTP/1.1 keeps uvicorn's fast path.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.auto import AutoHTTPProtocol
from uvicorn.server import ServerState

from lakehose.gateway.http2 import PREFACE, H2Connection

_ProtocolFactory = Callable[
    [uvicorn.Config, ServerState, dict[str, Any], asyncio.AbstractEventLoop], asyncio.Protocol
]
# uvicorn's own choice for ``http="auto"``: httptools when installed, else h11.
HTTP1: _ProtocolFactory = cast(_ProtocolFactory, AutoHTTPProtocol)


class H2cProtocol(asyncio.Protocol):
    """Sniffs a connection's first bytes, then hands it to the HTTP/2 or the HTTP/1.1 protocol."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        if not config.loaded:
            config.load()
        self.config = config
        self.server_state = server_state
        self.app_state = app_state
        self.loop = _loop or asyncio.get_event_loop()
        self.transport: asyncio.Transport | None = None
        self.received = b""
        self.idle: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        # Registered so that uvicorn's shutdown reaches a connection that has not spoken yet.
        self.server_state.connections.add(self)  # type: ignore[arg-type]
        # A client that connects and says nothing is closed as an idle keep-alive one would be.
        self.idle = self.loop.call_later(self.config.timeout_keep_alive, self.transport.close)

    def data_received(self, data: bytes) -> None:
        self.received += data
        if len(self.received) < len(PREFACE) and PREFACE.startswith(self.received):
            return
        assert self.transport is not None
        self._forget()
        make: _ProtocolFactory = H2Connection if self.received.startswith(PREFACE) else HTTP1
        protocol = make(self.config, self.server_state, self.app_state, self.loop)
        # The transport calls the chosen protocol directly from now on (as uvicorn's own h2c
        # sniffer does): every later callback, pause/resume_writing included, goes to it.
        self.transport.set_protocol(protocol)
        protocol.connection_made(self.transport)
        protocol.data_received(self.received)

    def connection_lost(self, exc: Exception | None) -> None:
        self._forget()

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: nothing is in flight yet, so just close."""
        if self.transport is not None:
            self.transport.close()

    def _forget(self) -> None:
        self.server_state.connections.discard(self)
        if self.idle is not None:
            self.idle.cancel()
            self.idle = None
